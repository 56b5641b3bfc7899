"""Job status: a pure function of the units' states, the last run and now."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from odin.status import JobState, LastRun, RunOutcome, from_usec, job_status, last_run_from_unit
from odin.systemd import UnitStatus

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
NEXT = datetime(2026, 3, 4, 17, 0, tzinfo=UTC)


def usec(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def service(active: str = "inactive", result: str = "success", status: int = 0, code: int = 1,
            started: datetime | None = NOW - timedelta(hours=1), load: str = "loaded") -> UnitStatus:
    props = {"Result": result, "ExecMainStatus": status, "ExecMainCode": code,
             "ExecMainStartTimestamp": usec(started) if started else 0,
             "ExecMainExitTimestamp": usec(started + timedelta(seconds=3)) if started and active == "inactive" else 0,
             "InvocationID": "ab" * 16 if started else "", "Job": 0}
    return UnitStatus("odin-x.service", load, active, "dead", "static", props)


def timer(active: str = "active", file_state: str = "enabled", load: str = "loaded") -> UnitStatus:
    props = {"NextElapseUSecRealtime": usec(NEXT) if active == "active" else 2**64 - 1, "LastTriggerUSec": 0}
    return UnitStatus("odin-x.timer", load, active, "waiting", file_state, props)


@pytest.mark.parametrize("svc, tmr, state", [
    (service(), timer(), JobState.ACTIVE),
    (service(), timer(active="inactive", file_state="disabled"), JobState.PAUSED),
    (service(active="activating"), timer(), JobState.RUNNING),
    (service(), None, JobState.MANUAL),
    (service(), timer(active="inactive"), JobState.INACTIVE),
    (service(), timer(file_state="disabled"), JobState.ACTIVE),
    (service(load="not-found"), timer(), JobState.MISSING),
    (service(), timer(load="not-found", active="inactive", file_state=""), JobState.MISSING),
], ids=["enabled timer", "disabled timer", "service running", "no timer", "enabled but stopped",
        "waiting until a reboot though disabled", "no service",
        "no timer unit"])
def test_the_state_follows_the_units(svc, tmr, state):
    assert job_status("x", svc, tmr, None, NOW).state is state


@pytest.mark.parametrize("result, code, status, outcome, exit_code", [
    ("success", 1, 0, RunOutcome.SUCCESS, 0),
    ("exit-code", 1, 3, RunOutcome.FAILED, 3),
    ("timeout", 2, 15, RunOutcome.TIMEOUT, None),
    ("signal", 2, 9, RunOutcome.KILLED, None),
    ("oom-kill", 2, 9, RunOutcome.KILLED, None),
    ("resources", 0, 0, RunOutcome.NOT_STARTED, None),
], ids=["success", "non-zero exit", "timeout", "signal", "oom", "could not start"])
def test_the_last_outcome_comes_from_systemds_result(result, code, status, outcome, exit_code):
    got = job_status("x", service(result=result, code=code, status=status), timer(), None, NOW)
    assert (got.outcome, got.exit_code) == (outcome, exit_code)
    assert got.last_started == NOW - timedelta(hours=1)
    assert got.ok is (outcome is RunOutcome.SUCCESS)


def test_a_job_that_never_ran_says_so():
    got = job_status("x", service(started=None), timer(), None, NOW)
    assert (got.outcome, got.exit_code, got.last_started, got.last_finished) == (RunOutcome.NEVER_RUN, None, None,
                                                                                  None)
    assert got.ok


def test_the_next_run_is_the_timers_next_elapse():
    assert job_status("x", service(), timer(), None, NOW).next_run == NEXT


def test_a_paused_job_has_no_next_run():
    assert job_status("x", service(), timer(active="inactive", file_state="disabled"), None, NOW).next_run is None


def test_a_running_job_reports_how_long_it_has_run_and_no_stale_outcome():
    got = job_status("x", service(active="activating", started=NOW - timedelta(seconds=42)), timer(), None, NOW)
    assert got.running_for == timedelta(seconds=42)
    assert got.outcome is RunOutcome.UNKNOWN


def test_a_run_record_from_the_journal_wins_over_systemds_memory():
    record = LastRun(RunOutcome.FAILED, 2, NOW - timedelta(minutes=5), NOW - timedelta(minutes=4), "cd" * 16)
    got = job_status("x", service(started=None), timer(), record, NOW)
    assert (got.outcome, got.exit_code, got.last_started) == (RunOutcome.FAILED, 2, NOW - timedelta(minutes=5))
    assert not got.ok


def test_last_run_from_unit_carries_the_invocation_id():
    last = last_run_from_unit(service())
    assert last is not None
    assert last.invocation_id == "ab" * 16
    assert last.finished == NOW - timedelta(hours=1) + timedelta(seconds=3)


@pytest.mark.parametrize("value", [0, 2**64 - 1, None, "x"])
def test_unset_timestamps_are_none(value):
    assert from_usec(value) is None


def test_timestamps_are_aware_utc():
    assert from_usec(1_000_000) == datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)
