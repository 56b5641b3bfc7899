"""A job's status: a pure function of what systemd says, the last run record and ``now``.

:func:`job_status` is shared by ``odin status``, ``odin list``, ``odin describe`` and the dashboard. It reads
no clock and does no I/O: callers pass the units' states and the time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from odin.systemd import UnitStatus

if TYPE_CHECKING:
    from odin.runs import RunRecord

_NEVER = (0, 2**64 - 1)
_RUNNING_STATES = ("activating", "active", "deactivating", "reloading")
# ExecMainCode values (from waitid): the program exited, was killed, or dumped core.
_CLD_EXITED = 1


class JobState(StrEnum):
    """Whether a job will run on its own."""

    ACTIVE = "active"  #: its timer is waiting
    RUNNING = "running"  #: a run is under way
    PAUSED = "paused"  #: its timer is disabled: it stays so across reboots until resumed
    MANUAL = "manual"  #: it has no timer (``runs: never``): started by hand or by a link
    INACTIVE = "inactive"  #: its timer is enabled but stopped (by hand, or it failed)
    MISSING = "missing"  #: systemd has no unit for it
    DAMAGED = "damaged"  #: its record in the job directory cannot be read: remove or redeploy it


class RunOutcome(StrEnum):
    """How the last run ended."""

    SUCCESS = "success"
    FAILED = "failed"  #: the program exited non-zero
    TIMEOUT = "timeout"  #: it ran longer than ``timeout``
    KILLED = "killed"  #: a signal, a core dump, the OOM killer or the watchdog ended it
    NOT_STARTED = "not-started"  #: systemd could not start it (resources, start limit, bad unit)
    NEVER_RUN = "never-run"
    UNKNOWN = "unknown"  #: a run is under way and no record of the previous one is at hand


_RESULTS = {
    "success": RunOutcome.SUCCESS,
    "exit-code": RunOutcome.FAILED,
    "timeout": RunOutcome.TIMEOUT,
    "signal": RunOutcome.KILLED,
    "core-dump": RunOutcome.KILLED,
    "oom-kill": RunOutcome.KILLED,
    "watchdog": RunOutcome.KILLED,
}


@dataclass(frozen=True, slots=True)
class LastRun:
    """The last finished run of a job."""

    outcome: RunOutcome
    exit_code: int | None
    started: datetime | None
    finished: datetime | None
    invocation_id: str = ""


@dataclass(frozen=True, slots=True)
class JobStatus:
    """A job's state, its last run and its next one."""

    name: str
    state: JobState
    outcome: RunOutcome
    exit_code: int | None
    last_started: datetime | None
    last_finished: datetime | None
    next_run: datetime | None
    running_for: timedelta | None = None

    @property
    def ok(self) -> bool:
        """True unless the last run ended badly."""
        return self.outcome in (RunOutcome.SUCCESS, RunOutcome.NEVER_RUN, RunOutcome.UNKNOWN)


def from_usec(value: object) -> datetime | None:
    """A systemd realtime timestamp (µs since the epoch) as an aware UTC datetime; ``None`` for unset."""
    if not isinstance(value, int) or value in _NEVER:
        return None
    return datetime.fromtimestamp(value / 1_000_000, UTC)


def last_run_from_unit(service: UnitStatus) -> LastRun | None:
    """The last finished run as systemd remembers it; ``None`` when it never ran or is running now."""
    started = from_usec(service.get("ExecMainStartTimestamp"))
    if started is None or service.active_state in _RUNNING_STATES:
        return None
    code, status = service.get("ExecMainCode"), service.get("ExecMainStatus")
    result = str(service.get("Result", ""))
    outcome = _RESULTS.get(result, RunOutcome.NOT_STARTED)
    exit_code = status if code == _CLD_EXITED and isinstance(status, int) else None
    return LastRun(outcome, exit_code, started, from_usec(service.get("ExecMainExitTimestamp")),
                   str(service.get("InvocationID", "")))


def last_run_from_record(run: RunRecord) -> LastRun | None:
    """A run read from the journal as a :class:`LastRun`; ``None`` while it is still running."""
    outcome = str(run.outcome)
    if outcome == "running":
        return None
    reason = run.reason or ""
    if outcome == "success":
        kind = RunOutcome.SUCCESS
    elif "timed out" in reason:
        kind = RunOutcome.TIMEOUT
    elif reason.startswith("cannot start"):
        kind = RunOutcome.NOT_STARTED
    elif run.signal:
        kind = RunOutcome.KILLED
    else:
        kind = RunOutcome.FAILED
    return LastRun(kind, run.exit_code, run.start, run.end, run.run)


def job_status(name: str, service: UnitStatus, timer: UnitStatus | None, last_run: LastRun | None,
               now: datetime) -> JobStatus:
    """The status of job ``name``.

    :param service: the state of ``odin-<name>.service``.
    :param timer: the state of ``odin-<name>.timer``; ``None`` for a job without a timer.
    :param last_run: the last finished run from the journal; when ``None``, systemd's memory of it is used.
    :param now: the current time (aware).
    """
    running = service.active_state in _RUNNING_STATES
    last = last_run or last_run_from_unit(service)
    if last is not None:
        outcome = last.outcome
    else:
        outcome = RunOutcome.UNKNOWN if running else RunOutcome.NEVER_RUN
    running_for = None
    if running:
        started = from_usec(service.get("ExecMainStartTimestamp"))
        running_for = now - started if started is not None and started <= now else timedelta(0)
    next_run = from_usec(timer.get("NextElapseUSecRealtime")) if timer is not None and timer.exists else None
    return JobStatus(
        name=name,
        state=_state(service, timer, running),
        outcome=outcome,
        exit_code=last.exit_code if last else None,
        last_started=last.started if last else None,
        last_finished=last.finished if last else None,
        next_run=next_run if timer is not None and timer.active_state == "active" else None,
        running_for=running_for,
    )


def _state(service: UnitStatus, timer: UnitStatus | None, running: bool) -> JobState:
    if not service.exists:
        return JobState.MISSING
    if running:
        return JobState.RUNNING
    if timer is None:
        return JobState.MANUAL
    if not timer.exists:
        return JobState.MISSING
    if timer.active_state == "active":
        return JobState.ACTIVE
    return JobState.INACTIVE if timer.enabled else JobState.PAUSED
