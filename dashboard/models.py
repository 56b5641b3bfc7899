"""What the dashboard's pages and JSON endpoints show: frozen view models built from the service's results."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from odin.records import format_time


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else format_time(moment)


@dataclass(frozen=True, slots=True)
class RecordView:
    """One record of a run: a watched value, a checked condition or the result."""

    kind: str
    name: str
    value: object
    time: datetime | None

    def to_json(self) -> dict[str, object]:
        """As ``odin log --json`` writes a record."""
        return {"kind": self.kind, "name": self.name, "value": self.value, "time": _iso(self.time)}


@dataclass(frozen=True, slots=True)
class RunView:
    """One run of a job: when, how long, how it ended; records and output when they were read."""

    run: str
    start: datetime | None
    end: datetime | None
    duration_s: float | None
    exit_code: int | None
    outcome: str
    result: str | None
    records: tuple[RecordView, ...] = ()
    output: tuple[str, ...] = ()
    reason: str | None = None
    signal: str | None = None

    def to_json(self) -> dict[str, object]:
        """As one element of ``runs`` in ``odin log --json``."""
        return {"run": self.run, "start": _iso(self.start), "end": _iso(self.end), "duration_s": self.duration_s,
                "exit_code": self.exit_code, "outcome": self.outcome, "result": self.result,
                "reason": self.reason, "records": [r.to_json() for r in self.records], "output": list(self.output)}


@dataclass(frozen=True, slots=True)
class JobRow:
    """A line of the jobs page."""

    name: str
    description: str
    schedule: str
    state: str
    next_run: datetime | None
    last_run: datetime | None
    outcome: str | None
    group: str = "none"
    durations: tuple[float, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "description": self.description, "schedule": self.schedule,
                "state": self.state, "next_run": _iso(self.next_run), "last_run": _iso(self.last_run),
                "last_outcome": self.outcome, "recent_durations_s": list(self.durations)}


@dataclass(frozen=True, slots=True)
class JobDetail:
    """Everything the job page shows above its run history."""

    name: str
    description: str
    state: str
    schedule: str
    explanation: str
    oncalendar: tuple[str, ...]
    next_runs: tuple[datetime, ...]
    warnings: tuple[str, ...]
    config: tuple[tuple[str, str], ...]
    units: tuple[str, ...] = ()
    last_result: str | None = None
    last_outcome: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "description": self.description, "state": self.state,
                "schedule": self.schedule, "explanation": self.explanation, "oncalendar": list(self.oncalendar),
                "next_runs": [_iso(t) for t in self.next_runs], "warnings": list(self.warnings),
                "config": dict(self.config), "units": list(self.units), "last_result": self.last_result,
                "last_outcome": self.last_outcome}


@dataclass(frozen=True, slots=True)
class RunPage:
    """One page of a job's run history, newest first."""

    runs: tuple[RunView, ...]
    page: int
    per_page: int
    has_next: bool

    def to_json(self) -> dict[str, object]:
        return {"page": self.page, "per_page": self.per_page, "has_next": self.has_next,
                "runs": [r.to_json() for r in self.runs]}


@dataclass(frozen=True, slots=True)
class Series:
    """A chart's points: (time in ms since the epoch, value), oldest first."""

    name: str
    points: tuple[tuple[int, float], ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "points": [list(p) for p in self.points]}
