"""The record protocol, version 1: what a job's library writes to the wrapper, one JSON object per line.

A job finds the write end of a pipe in ``ODIN_RECORD_FD`` and writes lines such as::

    {"v":1,"kind":"watch","name":"listeners","value":3,"time":"2025-06-04T17:00:00.000123Z"}
    {"v":1,"kind":"condition","name":"listeners < 100","value":true,"time":"..."}
    {"v":1,"kind":"result","name":"result","value":"cache is small","success":true,"time":"..."}

:func:`encode_record` is the library's side; :func:`decode_record` is the wrapper's side and checks a line
or says why it is not a record. The module loads inside every job, so it imports little: no dataclasses
(the read side's :class:`odin.runs.Record` is one).
"""
from __future__ import annotations

import json
import math
import time
from datetime import datetime, timezone
from enum import StrEnum

PROTOCOL_VERSION = 1
FD_ENV = "ODIN_RECORD_FD"
JOB_ENV = "ODIN_JOB"
RUN_ENV = "ODIN_RUN"
RESULT_NAME = "result"
MAX_LINE_BYTES = 1 << 20


class Kind(StrEnum):
    """What a record says: a watched value, a checked condition or the run's result."""

    WATCH = "watch"
    CONDITION = "condition"
    RESULT = "result"


_KINDS = {kind.value: kind for kind in Kind}


class RecordError(ValueError):
    """A line that is not a valid record; the message says why."""


_encoder = json.JSONEncoder(separators=(",", ":"), allow_nan=False)
_quote = json.encoder.encode_basestring_ascii
_second: tuple[int, str] = (-1, "")


def utc_now_text() -> str:
    """The current UTC time as ISO-8601 with microseconds and ``Z``; cheap enough for every record."""
    global _second
    now = time.time()
    second, text = _second
    if int(now) != second:
        second = int(now)
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _second = (second, text)  # one tuple, so threads never see a new second with an old text
    return f"{text}.{int((now - second) * 1_000_000):06d}Z"


def format_time(moment: datetime) -> str:
    """ISO-8601 in UTC with microseconds and a ``Z``, as records and ``odin log --json`` write times."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def encode_record(kind: str, name: str, value: object, success: bool | None = None,
                  when: str | None = None) -> bytes:
    """One protocol line (with its newline) for a record made now, or at ``when`` (ISO-8601).

    Values JSON cannot hold become JSON anyway: tuples and sets become lists, non-finite floats become
    the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"``, and any other object becomes its ``repr()``.
    """
    try:
        value_text = _json_text(value)
    except (TypeError, ValueError):
        value_text = _encoder.encode(to_json_value(value))
    tail = "" if success is None else (',"success":true' if success else ',"success":false')
    return (f'{{"v":{PROTOCOL_VERSION},"kind":"{kind}","name":{_quote(name)},"value":{value_text},'
            f'"time":"{when or utc_now_text()}"{tail}}}\n').encode()


def _json_text(value: object) -> str:
    # Plain scalars skip the general encoder: this runs for every record a job makes.
    kind = type(value)
    if kind is str:
        return _quote(value)  # type: ignore[arg-type]
    if kind is int:
        return int.__repr__(value)  # type: ignore[arg-type]
    if kind is float and math.isfinite(value):  # type: ignore[arg-type]
        return float.__repr__(value)  # type: ignore[arg-type]
    return _encoder.encode(value)


def to_json_value(value: object, depth: int = 0) -> object:
    """``value`` made representable in strict JSON (see :func:`encode_record`)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if depth < 20 and isinstance(value, dict):
        return {str(k): to_json_value(v, depth + 1) for k, v in value.items()}
    if depth < 20 and isinstance(value, (list, tuple, set, frozenset)):
        return [to_json_value(v, depth + 1) for v in value]
    return repr(value)


def parse_time(text: object) -> datetime:
    """An ISO-8601 time with an offset (or ``Z``) as an aware datetime.

    :raises RecordError: when ``text`` is not such a time.
    """
    if not isinstance(text, str):
        raise RecordError(f"'time' must be an ISO-8601 string, not {type(text).__name__}")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RecordError(f"'time' is not an ISO-8601 time: {text!r}") from None
    if moment.tzinfo is None:
        raise RecordError(f"'time' has no UTC offset: {text!r}")
    return moment


def decode_record(line: bytes | str, received: datetime | None = None) -> dict[str, object]:
    """The record on one protocol line, checked, as ``{"kind", "name", "value", "time", "time_text", "success"}``.

    ``kind`` is a :class:`Kind`, ``time`` an aware datetime (``time_text`` the same as the line wrote it) and
    ``success`` a bool for a result, else ``None``. Unknown keys are ignored, so version 1 can grow optional
    fields.

    :param line: the line, with or without its newline.
    :param received: when the wrapper read it; stands in for a missing ``time``.
    :raises RecordError: when the line is not JSON, not an object, of a newer version, of an unknown
        kind, or lacks a field its kind needs.
    """
    if isinstance(line, bytes):
        # A shell job may pass on bytes that are not UTF-8 (a Latin-1 file): keep the record, mark the bytes.
        line = line.decode("utf-8", errors="replace")
    try:
        data = json.loads(line)
    except ValueError as err:
        raise RecordError(f"not valid JSON ({err})") from None
    if not isinstance(data, dict):
        raise RecordError(f"expected a JSON object, got {type(data).__name__}")
    version = data.get("v")
    if not isinstance(version, int) or isinstance(version, bool):
        raise RecordError("missing protocol version 'v'")
    if version > PROTOCOL_VERSION:
        raise RecordError(f"record of protocol version {version}; this wrapper speaks version "
                          f"{PROTOCOL_VERSION}")
    kind = _KINDS.get(data.get("kind"))  # type: ignore[arg-type]
    if kind is None:
        raise RecordError(f"unknown kind {data.get('kind')!r} (known: watch, condition, result)")
    name = data.get("name", RESULT_NAME if kind is Kind.RESULT else None)
    if not isinstance(name, str) or not name:
        raise RecordError(f"a {kind} record needs a non-empty string 'name'")
    if "value" not in data:
        raise RecordError(f"a {kind} record needs a 'value'")
    value = data["value"]
    success = data.get("success")
    if kind is Kind.CONDITION and not isinstance(value, bool):
        raise RecordError(f"a condition's 'value' must be true or false, not {json.dumps(value)}")
    if kind is Kind.RESULT and not isinstance(success, bool):
        raise RecordError("a result needs 'success': true or false")
    if "time" not in data and received is not None:
        moment, text = received, format_time(received)
    else:
        moment, text = parse_time(data.get("time")), data["time"]
    return {"kind": kind, "name": name, "value": value, "time": moment, "time_text": text,
            "success": success if kind is Kind.RESULT else None}
