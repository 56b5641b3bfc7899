"""The source text of a call's first argument, which names a record: ``odin.watch(listeners)`` → ``listeners``.

The text is found once per call site, from the caller's code positions and its source file, then cached,
so a watch in a loop pays only a dictionary lookup.
"""
from __future__ import annotations

import linecache
from types import CodeType, FrameType

_names: dict[tuple[CodeType, int], str] = {}


def argument_text(frame: FrameType, function: str) -> str:
    """The first argument's source text of the call ``frame`` is making, whitespace collapsed.

    :param frame: the caller's frame, stopped at the call.
    :param function: the called function's name, used when the interpreter keeps no column positions.
    :returns: the text, or ``line N`` when the source cannot be read (``python -c``, a REPL).
    """
    key = (frame.f_code, frame.f_lasti)
    try:
        return _names[key]
    except KeyError:
        pass
    try:
        text = _find(frame.f_code, frame.f_lasti, frame.f_globals, function)
    except (SyntaxError, ValueError, IndexError, UnicodeError):
        text = None
    name = text or f"line {frame.f_lineno}"
    _names[key] = name
    return name


def _find(code: CodeType, lasti: int, module_globals: dict[str, object], function: str) -> str | None:
    lines = linecache.getlines(code.co_filename, module_globals)
    if not lines:
        return None
    for index, (line, end_line, column, end_column) in enumerate(code.co_positions()):
        if index == lasti // 2:
            break
    else:
        return None
    if line is None or end_line is None or column is None or end_column is None:
        return _from_line(lines[line - 1] if line else "", function)
    # Columns are UTF-8 byte offsets.
    raw = [text.encode() for text in lines[line - 1:end_line]]
    if len(raw) == 1:
        segment = raw[0][column:end_column]
    else:
        segment = b"".join([raw[0][column:], *raw[1:-1], raw[-1][:end_column]])
    return _first_argument(segment.decode())


def _from_line(line: str, function: str) -> str | None:
    """The argument text by scanning one line: for interpreters run without column positions."""
    import re

    calls = list(re.finditer(rf"\b{re.escape(function)}\s*\(", line))
    if len(calls) != 1:
        return None
    begin = end = calls[0].end()
    depth = 0
    for end in range(begin, len(line)):
        char = line[end]
        if depth == 0 and char in ",)]}":
            break
        depth += (char in "([{") - (char in ")]}")
    else:
        end = len(line)
    text = " ".join(line[begin:end].split())
    return text or None


def _first_argument(source: str) -> str | None:
    import ast  # only on a call site's first record

    wrapped = f"(\n{source}\n)"
    call = ast.parse(wrapped, mode="eval").body
    if not isinstance(call, ast.Call):
        return None
    node = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg), None)
    if node is None:
        return None
    text = ast.get_source_segment(wrapped, node)
    return " ".join(text.split()) if text else None
