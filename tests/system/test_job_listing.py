"""Listing jobs quickly: unit states over the manager's own socket, last runs and durations from a kept history."""
from __future__ import annotations

from pathlib import Path

from odin.status import JobState, RunOutcome
from odin.summaries import RunHistory
from odin.systemd import PRIVATE_SOCKET, Systemd

BUS = "unix:path=/run/dbus/system_bus_socket"


def test_unit_states_read_over_the_managers_own_socket_equal_those_read_over_the_bus(service, systemd, make_job,
                                                                                     job_name):
    service.deploy([make_job(job_name, runs="every day at 04:00")])
    units = [f"odin-{job_name}.service", f"odin-{job_name}.timer", f"odin-{job_name}-missing.service"]
    direct = systemd.statuses(units, patterns=["odin-*"])
    assert Path(PRIVATE_SOCKET).exists()
    assert direct == Systemd(BUS).statuses(units, patterns=["odin-*"])
    timer = direct[f"odin-{job_name}.timer"]
    assert (timer.active_state, timer.enabled) == ("active", True)
    assert timer.get("NextElapseUSecRealtime", 0) > 0
    assert direct[f"odin-{job_name}-missing.service"].load_state == "not-found"


def test_list_with_a_kept_history_shows_each_run_as_it_is_written(service, make_job, job_name, wait_until):
    service.deploy([make_job(job_name, program="sleep 0.2\n")])
    history = RunHistory(per_job=5)
    [before] = [job for job in service.list_jobs(history=history) if job.name == job_name]
    assert (before.status.outcome, before.status.state, before.durations) == (RunOutcome.NEVER_RUN,
                                                                              JobState.MANUAL, ())
    for count in (1, 2):
        last = service.run(job_name, wait=True, timeout=30).last_run
        listed = wait_until(lambda: [job for job in service.list_jobs(history=history)
                                     if job.name == job_name and len(job.durations) == count], message="the summary")
        [job] = listed
        assert job.status.outcome is RunOutcome.SUCCESS
        assert job.status.last_started is not None and abs(job.status.last_started - last.started).total_seconds() < 1
        assert all(0.2 <= d < 10 for d in job.durations)
    [fresh] = [job for job in service.list_jobs() if job.name == job_name]
    assert (fresh.status.outcome, len(fresh.durations)) == (RunOutcome.SUCCESS, 1)
