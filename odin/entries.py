"""The journal entries the wrapper writes: their fields, and the batching that keeps a busy job from flooding.

Every entry carries ``ODIN_JOB``, ``ODIN_RUN`` (the systemd invocation ID) and ``ODIN_KIND``:

- ``start``: the run began (``ODIN_START``, ``ODIN_COMMAND``).
- ``watch``, ``condition``, ``result``: one record (``ODIN_NAME``, ``ODIN_VALUE`` as JSON, ``ODIN_TIME``,
  ``ODIN_SEQ``; a result adds ``ODIN_SUCCESS``). A watch entry that holds a batch adds ``ODIN_COUNT`` and
  ``ODIN_BATCH``, a JSON array of ``[seq, time, value]``; its ``ODIN_VALUE`` and ``ODIN_TIME`` are the last.
- ``warning``: something the wrapper could not use (a bad record line, an unreachable Pushgateway).
- ``summary``: the run ended (start, end, duration, exit code or signal, outcome, result, reason).

Batching, never sampling: conditions and results are always entries of their own; watches wait at most
:data:`WINDOW` seconds, and all watches of one name that wait together become one entry. A job that watches
100,000 values in a loop writes a few hundred entries and every value is kept.
"""
from __future__ import annotations

import json

from odin.records import Kind, format_time

WINDOW = 0.25
MAX_PENDING = 1000
MAX_PENDING_BYTES = 256 * 1024

Fields = dict[str, str]


def _value_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _time_text(record: dict[str, object]) -> str:
    text = record.get("time_text")
    return text if isinstance(text, str) else format_time(record["time"])  # type: ignore[arg-type]


def base_fields(job: str, run: str, kind: str, message: str, priority: int = 6) -> Fields:
    """The fields every entry of a run has."""
    return {"MESSAGE": message, "PRIORITY": str(priority), "SYSLOG_IDENTIFIER": f"odin-{job}",
            "ODIN_JOB": job, "ODIN_RUN": run, "ODIN_KIND": kind}


def start_fields(job: str, run: str, start: str, command: list[str]) -> Fields:
    """The entry that opens a run."""
    text = " ".join(command)
    return base_fields(job, run, "start", f"run started: {text}") | {"ODIN_START": start,
                                                                      "ODIN_COMMAND": text}


def warning_fields(job: str, run: str, message: str, line: bytes | None = None) -> Fields:
    """A warning; ``line`` is the offending record line, kept (up to 4 KiB) so nothing is silently lost."""
    fields = base_fields(job, run, "warning", message, priority=4)
    if line is not None:
        fields["ODIN_LINE"] = line[:4096].decode("utf-8", "backslashreplace")
    return fields


def record_fields(job: str, run: str, seq: int, record: dict[str, object]) -> Fields:
    """The entry for one record (as :func:`odin.records.decode_record` returns it)."""
    kind, name, value = record["kind"], str(record["name"]), record["value"]
    value_text = _value_text(value)
    if kind == Kind.RESULT:
        success = bool(record["success"])
        message = f"result ({'success' if success else 'failure'}): {value}"
    elif kind == Kind.CONDITION:
        message = f"condition ({name}) is {value_text}"
    else:
        message = f"watch {name} = {value_text}"
    fields = base_fields(job, run, str(kind), message) | {
        "ODIN_NAME": name, "ODIN_VALUE": value_text, "ODIN_TIME": _time_text(record), "ODIN_SEQ": str(seq)}
    if kind == Kind.RESULT:
        fields["ODIN_SUCCESS"] = "true" if record["success"] else "false"
    return fields


def batch_fields(job: str, run: str, batch: list[tuple[int, dict[str, object]]]) -> Fields:
    """One watch entry for several values of the same name, in order."""
    first_seq, first = batch[0]
    last = batch[-1][1]
    name = str(first["name"])
    values = [[seq, _time_text(rec), rec["value"]] for seq, rec in batch]
    last_text = _value_text(last["value"])
    return base_fields(job, run, "watch", f"watch {name}: {len(batch)} values, last = {last_text}") | {
        "ODIN_NAME": name, "ODIN_VALUE": last_text, "ODIN_TIME": _time_text(last), "ODIN_SEQ": str(first_seq),
        "ODIN_COUNT": str(len(batch)), "ODIN_BATCH": _value_text(values)}


def summary_fields(job: str, run: str, *, start: str, end: str, duration: float, returncode: int,
                   outcome: str, result: str | None, reason: str | None, records: int,
                   warnings: int) -> Fields:
    """The entry that closes a run; ``returncode`` is negative for a signal, as ``Popen`` reports it."""
    from odin.outcome import signal_name

    ended = f"succeeded in {duration:.3f} s" if outcome == "success" else f"failed after {duration:.3f} s"
    detail = "; ".join(text for text in (result, reason) if text)
    fields = base_fields(job, run, "summary", f"run {ended}" + (f": {detail}" if detail else ""),
                         priority=6 if outcome == "success" else 3)
    fields |= {"ODIN_START": start, "ODIN_END": end, "ODIN_DURATION": f"{duration:.6f}",
               "ODIN_OUTCOME": outcome, "ODIN_RECORDS": str(records), "ODIN_WARNINGS": str(warnings)}
    if returncode >= 0:
        fields["ODIN_EXIT_CODE"] = str(returncode)
    else:
        fields["ODIN_SIGNAL"] = signal_name(-returncode)
    if result is not None:
        fields["ODIN_RESULT"] = result
    if reason is not None:
        fields["ODIN_REASON"] = reason
    return fields


class Batcher:
    """Holds records until they are due, then turns them into entries in order (see the module docs).

    The caller passes the clock in: :meth:`add` and :meth:`wait` take ``now`` in monotonic seconds.
    """

    def __init__(self, job: str, run: str, window: float = WINDOW, max_pending: int = MAX_PENDING,
                 max_bytes: int = MAX_PENDING_BYTES):
        self.job, self.run = job, run
        self.window, self.max_pending, self.max_bytes = window, max_pending, max_bytes
        self.count = 0
        self._pending: list[tuple[int, dict[str, object]]] = []
        self._bytes = 0
        self._since = 0.0
        self._urgent = False

    def add(self, record: dict[str, object], now: float, size: int = 0) -> None:
        """Queue a record; ``size`` is its line's length, to bound how much is held."""
        if not self._pending:
            self._since = now
        self._pending.append((self.count, record))
        self._bytes += size
        self.count += 1
        self._urgent = self._urgent or record["kind"] != Kind.WATCH

    def wait(self, now: float) -> float | None:
        """Seconds until the held records are due: 0 when due now, ``None`` when nothing is held."""
        if not self._pending:
            return None
        if self._urgent or len(self._pending) >= self.max_pending or self._bytes >= self.max_bytes:
            return 0.0
        return max(0.0, self._since + self.window - now)

    def take(self) -> list[Fields]:
        """The entries for everything held, ordered by each entry's first record, and forget them."""
        groups: dict[str, list[tuple[int, dict[str, object]]]] = {}
        singles: list[tuple[int, Fields]] = []
        for seq, record in self._pending:
            if record["kind"] == Kind.WATCH:
                groups.setdefault(str(record["name"]), []).append((seq, record))
            else:
                singles.append((seq, record_fields(self.job, self.run, seq, record)))
        for batch in groups.values():
            seq, record = batch[0]
            fields = record_fields(self.job, self.run, seq, record) if len(batch) == 1 \
                else batch_fields(self.job, self.run, batch)
            singles.append((seq, fields))
        self._pending, self._bytes, self._urgent = [], 0, False
        return [fields for _, fields in sorted(singles, key=lambda item: item[0])]
