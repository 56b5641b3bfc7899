"""The run model: what one run of a job did and how it ended, assembled from its journal entries.

:func:`build_runs` is pure: it takes entries as :mod:`odin.journal` decodes them (``{FIELD: text}``) and
returns :class:`RunRecord` values, newest first. The entry fields are described in :mod:`odin.entries`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from odin.outcome import RunOutcome
from odin.records import Kind, RecordError, format_time, parse_time

__all__ = ["Record", "OutputLine", "RunRecord", "RunOutcome", "build_runs", "run_from_summary"]

# systemd's own catalog IDs for "Deactivated successfully" and "Failed with result ..." of a unit.
MESSAGE_UNIT_SUCCESS = "7ad2d189f7e94e70a38c781354912448"
MESSAGE_UNIT_FAILURE = "d9b373ed55a64feb8242e02dbe79a49c"


@dataclass(frozen=True, slots=True)
class Record:
    """One record a job made; ``success`` is set only for a result."""

    kind: Kind
    name: str
    value: object
    time: datetime
    success: bool | None = None

    def to_json(self) -> dict[str, object]:
        """The record as ``odin log --json`` prints it."""
        out: dict[str, object] = {"kind": str(self.kind), "name": self.name, "value": self.value,
                                  "time": format_time(self.time)}
        if self.success is not None:
            out["success"] = self.success
        return out


@dataclass(frozen=True, slots=True)
class OutputLine:
    """One line the job printed, with the time the journal received it."""

    time: datetime
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRecord:
    """One run: when, how it ended, what it recorded and (when asked for) what it printed.

    ``exit_code`` is ``None`` when a signal ended the program (then ``signal`` names it) or while it runs.
    ``reason`` says in a few words why a failed run failed.
    """

    job: str
    run: str
    start: datetime
    end: datetime | None = None
    duration_s: float | None = None
    exit_code: int | None = None
    signal: str | None = None
    outcome: RunOutcome = RunOutcome.RUNNING
    result: str | None = None
    reason: str | None = None
    records: tuple[Record, ...] = ()
    output: tuple[OutputLine, ...] = ()
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The run as ``odin log --json`` prints it."""
        return {"run": self.run, "start": format_time(self.start),
                "end": format_time(self.end) if self.end else None, "duration_s": self.duration_s,
                "exit_code": self.exit_code, "outcome": str(self.outcome), "result": self.result,
                "reason": self.reason, "records": [r.to_json() for r in self.records],
                "output": [line.text for line in self.output]}


def _realtime(entry: dict[str, str]) -> datetime:
    micros = int(entry.get("__REALTIME_TIMESTAMP") or 0)
    return datetime.fromtimestamp(micros / 1_000_000, timezone.utc)


def _time(text: str | None, fallback: datetime) -> datetime:
    try:
        return parse_time(text)
    except RecordError:
        return fallback


def _json(text: str | None) -> object:
    try:
        return json.loads(text) if text is not None else None
    except ValueError:
        return text


def records_of(entry: dict[str, str]) -> list[tuple[int, Record]]:
    """The records an entry holds, each with its sequence number: one, or a whole batch."""
    kind = Kind(entry["ODIN_KIND"])
    name = entry.get("ODIN_NAME", "")
    received = _realtime(entry)
    batch = _json(entry.get("ODIN_BATCH")) if "ODIN_BATCH" in entry else None
    if isinstance(batch, list):
        return [(int(seq), Record(kind, name, value, _time(when, received)))
                for seq, when, value in batch]
    success = {"true": True, "false": False}.get(entry.get("ODIN_SUCCESS", "")) if kind is Kind.RESULT else None
    seq = int(entry.get("ODIN_SEQ") or 1 << 62)
    return [(seq, Record(kind, name, _json(entry.get("ODIN_VALUE")), _time(entry.get("ODIN_TIME"), received),
                         success))]


def output_line(entry: dict[str, str]) -> OutputLine:
    """A line the job printed, from its journal entry."""
    return OutputLine(_realtime(entry), entry.get("MESSAGE", ""))


def _number(text: str | None, kind: type[int] | type[float]) -> int | float | None:
    try:
        return kind(text) if text not in (None, "") else None
    except ValueError:
        return None


def build_runs(job: str, entries: list[dict[str, str]]) -> list[RunRecord]:
    """The runs these entries describe, newest first; entries of runs with neither a start nor a summary
    entry are ignored. A run with no summary is ``running`` if it is the newest and systemd has not reported
    its end; otherwise it is a failure (the wrapper was killed before it could write one).
    """
    grouped: dict[str, list[dict[str, str]]] = {}
    for entry in entries:
        run_id = entry.get("ODIN_RUN") or entry.get("_SYSTEMD_INVOCATION_ID") or entry.get("INVOCATION_ID")
        if run_id:
            grouped.setdefault(run_id, []).append(entry)
    runs = [r for r in (_build_run(job, run_id, group) for run_id, group in grouped.items()) if r is not None]
    runs.sort(key=lambda r: r.start, reverse=True)
    return [_settle(r, newest=(i == 0)) for i, r in enumerate(runs)]


def run_from_summary(job: str, entry: dict[str, str]) -> RunRecord:
    """The finished run one summary entry describes, without its records and output (entries of their own)."""
    run_id = entry.get("ODIN_RUN") or entry.get("_SYSTEMD_INVOCATION_ID") or entry.get("INVOCATION_ID") or ""
    run = _build_run(job, run_id, [{**entry, "ODIN_KIND": "summary"}])
    assert run is not None  # a summary is always a run's head
    return run


def _build_run(job: str, run_id: str, entries: list[dict[str, str]]) -> RunRecord | None:
    start = summary = unit_end = None
    records: list[tuple[int, Record]] = []
    output: list[OutputLine] = []
    warnings: list[str] = []
    for entry in sorted(entries, key=lambda e: int(e.get("__REALTIME_TIMESTAMP") or 0)):
        kind = entry.get("ODIN_KIND")
        if kind == "start":
            start = entry
        elif kind == "summary":
            summary = entry
        elif kind == "warning":
            warnings.append(entry.get("MESSAGE", ""))
        elif kind in ("watch", "condition", "result"):
            records.extend(records_of(entry))
        elif entry.get("MESSAGE_ID") in (MESSAGE_UNIT_SUCCESS, MESSAGE_UNIT_FAILURE):
            unit_end = entry
        elif kind is None and entry.get("_SYSTEMD_INVOCATION_ID") == run_id:
            output.append(output_line(entry))
    head = summary or start
    if head is None:
        return None
    records.sort(key=lambda item: item[0])
    common = {"job": job, "run": run_id, "start": _time(head.get("ODIN_START"), _realtime(head)),
              "records": tuple(r for _, r in records), "output": tuple(output), "warnings": tuple(warnings)}
    if summary is None:
        if unit_end is None:
            return RunRecord(**common)  # type: ignore[arg-type]
        succeeded = unit_end.get("MESSAGE_ID") == MESSAGE_UNIT_SUCCESS
        return RunRecord(**common, end=_realtime(unit_end),  # type: ignore[arg-type]
                         outcome=RunOutcome.SUCCESS if succeeded else RunOutcome.FAILURE,
                         reason=None if succeeded else
                         f"the run wrote no summary; systemd reports result '{unit_end.get('UNIT_RESULT', '?')}'")
    return RunRecord(**common,  # type: ignore[arg-type]
                     end=_time(summary.get("ODIN_END"), _realtime(summary)),
                     duration_s=_number(summary.get("ODIN_DURATION"), float),  # type: ignore[arg-type]
                     exit_code=_number(summary.get("ODIN_EXIT_CODE"), int),  # type: ignore[arg-type]
                     signal=summary.get("ODIN_SIGNAL"),
                     outcome=RunOutcome(summary.get("ODIN_OUTCOME", "failure")),
                     result=summary.get("ODIN_RESULT"), reason=summary.get("ODIN_REASON"))


def _settle(run: RunRecord, newest: bool) -> RunRecord:
    if run.outcome is not RunOutcome.RUNNING or newest:
        return run
    from dataclasses import replace

    return replace(run, outcome=RunOutcome.FAILURE,
                   reason="the run wrote no summary (its wrapper was killed)")
