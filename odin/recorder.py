"""The Recorder: turns ``watch``, ``condition`` and ``result`` calls into records for the wrapper.

Under the wrapper it writes protocol lines to the pipe named by ``ODIN_RECORD_FD``. Run by hand (no such
pipe), or after :func:`odin.mock`, it is in test mode: it prints readable lines to stderr, keeps the
records in :attr:`Recorder.records` and sends nothing. Tests build ``Recorder(stream=io.StringIO())`` and
read the protocol lines back.
"""
from __future__ import annotations

import json
import os
import stat
import sys
import threading
from collections.abc import Mapping

from odin.callsite import argument_text
from odin.records import FD_ENV, RESULT_NAME, encode_record, to_json_value

TYPE_CHECKING = False  # typing itself is not imported: this module loads inside every job
if TYPE_CHECKING:
    from types import FrameType
    from typing import IO, NoReturn


class Recorder:
    """Writes records as protocol lines to a pipe or stream, or readably in test mode.

    :param stream: a text stream for protocol lines (or, when ``local``, for readable lines).
    :param fd: a file descriptor for protocol lines (the wrapper's pipe).
    :param local: test mode: readable lines to ``stream`` or stderr, records kept in :attr:`records`.
    """

    def __init__(self, stream: IO[str] | None = None, *, fd: int | None = None, local: bool = False):
        self.local = local or (stream is None and fd is None)
        self.records: list[tuple[str, str, object, bool | None]] = []
        self.last_condition: bool | None = None
        self._stream = stream
        self._fd = fd
        self._lock = threading.Lock()

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Recorder:
        """The recorder for this process: the wrapper's pipe when ``ODIN_RECORD_FD`` names an open pipe,
        else test mode."""
        fd = open_record_fd(environ)
        return cls(fd=fd) if fd is not None else cls(local=True)

    def watch(self, value: object, name: str | None = None, frame: FrameType | None = None) -> object:
        """Record ``value`` under ``name`` (default: the argument's source text) and return it."""
        if name is None:
            name = argument_text(frame or sys._getframe(1), "watch")
        self._send("watch", str(name), value, None)
        return value

    def condition(self, expr: object, description: str | None = None, frame: FrameType | None = None) -> bool:
        """Record ``bool(expr)`` under ``description`` (default: the expression's source text) and return it."""
        value = bool(expr)
        if description is None:
            description = argument_text(frame or sys._getframe(1), "condition")
        self.last_condition = value
        self._send("condition", str(description), value, None)
        return value

    def result(self, message: object, success: bool | None = None) -> NoReturn:
        """Record the run's result and end the program, with exit code 0 on success and 1 on failure.

        :param success: defaults to the last condition recorded, or true when there was none.
        """
        if success is None:
            success = True if self.last_condition is None else self.last_condition
        self._send("result", RESULT_NAME, str(message), bool(success))
        raise SystemExit(0 if success else 1)

    def _send(self, kind: str, name: str, value: object, success: bool | None) -> None:
        if self.local:
            self._show(kind, name, value, success)
            return
        line = encode_record(kind, name, value, success)
        with self._lock:
            if self._fd is not None:
                try:
                    _write_all(self._fd, line)
                except OSError as err:
                    self._lose_pipe(err)
                    self._show(kind, name, value, success)
            else:
                assert self._stream is not None
                self._stream.write(line.decode())

    def _show(self, kind: str, name: str, value: object, success: bool | None) -> None:
        self.records.append((kind, name, value, success))
        if kind == "result":
            text = f"odin: result ({'success' if success else 'failure'}): {value}"
        elif kind == "condition":
            text = f"odin: condition ({name}) is {'true' if value else 'false'}"
        else:
            shown = json.dumps(to_json_value(value), ensure_ascii=False)
            text = f"odin: {kind} {name} = {shown}"
        print(text, file=self._stream or sys.stderr, flush=True)

    def _lose_pipe(self, err: OSError) -> None:
        self._fd = None
        self.local = True
        print(f"odin: the record pipe is gone ({err.strerror}); records now go to stderr", file=sys.stderr)


def open_record_fd(environ: Mapping[str, str]) -> int | None:
    """The record pipe's file descriptor from ``ODIN_RECORD_FD``, or ``None`` when unset or not an open pipe."""
    text = environ.get(FD_ENV, "")
    if not text.isdigit():
        return None
    fd = int(text)
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return None
    return fd if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) else None


def _write_all(fd: int, data: bytes) -> None:
    written = os.write(fd, data)
    while written < len(data):  # a pipe write is only split when interrupted or very large
        data = data[written:]
        written = os.write(fd, data)
