"""The job commands on a real systemd: jobs fire on time, status tells how they ended, modify moves the next run,
pause survives a re-exec, links chain jobs, remove leaves nothing behind."""
from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime

import pytest

from odin.calendar import next_runs
from odin.errors import InputError, JobNotFound
from odin.grammar import compile_schedule
from odin.jobfile import load_job
from odin.status import JobState, RunOutcome, from_usec
from odin.systemd import TIMER_STAMPS, Systemd

UNIT_IFACE = "org.freedesktop.systemd1.Unit"


def next_elapse(systemd: Systemd, name: str) -> datetime | None:
    return from_usec(systemd.status(f"odin-{name}.timer").get("NextElapseUSecRealtime"))


def test_a_job_every_few_seconds_really_fires_and_status_shows_how_it_ended(odin, service, make_job, job_name,
                                                                             wait_until):
    service.deploy([make_job(job_name, runs="every 2 seconds", program="echo failing on purpose; exit 3\n")])
    status = wait_until(lambda: (s := service.status(job_name)).last_finished and s, timeout=20,
                        message="a run of the timer")
    assert (status.outcome, status.exit_code) == (RunOutcome.FAILED, 3)
    assert status.state in (JobState.ACTIVE, JobState.RUNNING)
    done = odin("status", job_name, "--json")
    assert done.returncode == 1
    shown = json.loads(done.stdout)
    assert (shown["outcome"], shown["exit_code"]) == ("failed", 3)


def test_run_wait_prints_the_outcome_and_exits_with_it(odin, service, make_job, job_name):
    service.deploy([make_job(job_name, program="echo bad; exit 4\n")])
    done = odin("run", job_name, "--wait", "--timeout", "60")
    assert (done.returncode, done.stdout.strip()) == (1, f"{job_name}: failed (exit code 4)")


def test_run_wait_of_a_good_job_succeeds(service, make_job, job_name):
    service.deploy([make_job(job_name, program="echo good\n")])
    result = service.run(job_name, wait=True, timeout=60)
    assert result.last_run is not None
    assert (result.last_run.outcome, result.last_run.exit_code) == (RunOutcome.SUCCESS, 0)
    assert service.status(job_name).outcome is RunOutcome.SUCCESS


def test_a_timeout_stops_a_run_that_takes_too_long(service, make_job, job_name):
    service.deploy([make_job(job_name, program="sleep 30\n", extra='  timeout: "1s"\n')])
    result = service.run(job_name, wait=True, timeout=60)
    assert result.last_run is not None and result.last_run.outcome is RunOutcome.TIMEOUT


def test_modify_moves_the_next_run(odin, service, systemd, make_job, job_name):
    path = make_job(job_name, runs="every day at 03:00")
    service.deploy([path])
    assert next_elapse(systemd, job_name) == next_runs(load_job(path).schedule, datetime.now(UTC), 1)[0]
    done = odin("modify", job_name, "--runs", "every Tuesday at 22:15", "--description", "Moved")
    assert (done.returncode, done.stdout.strip()) == (0, f"{job_name}: updated")
    expected = next_runs(compile_schedule("every Tuesday at 22:15"), datetime.now(UTC), 1)[0]
    assert next_elapse(systemd, job_name) == expected
    details = service.describe(job_name)
    assert (details.spec.description, details.spec.schedule.text) == ("Moved", "every Tuesday at 22:15")
    assert service.unit_path(job_name, "service").read_text().splitlines()[2] == "Description=Moved"


def test_modify_with_a_new_job_file_replaces_the_program(service, make_job, job_name):
    service.deploy([make_job(job_name, program="echo one\n")])
    newer = make_job(job_name, program="echo two\n", runs="every day at 11:11")
    assert service.modify(job_name, file=newer).change == "updated"
    assert (service.job_dir(job_name) / "job.sh").read_text() == "echo two\n"


def test_pause_survives_a_daemon_reexec_and_resume_rearms_the_timer(odin, service, systemd, make_job,
                                                                    job_name):
    path = make_job(job_name, runs="every day at 04:05")
    service.deploy([path])
    assert odin("pause", job_name).stdout.strip() == f"{job_name}: paused"
    subprocess.run(["systemctl", "daemon-reexec"], check=True, timeout=60)
    timer = systemd.status(f"odin-{job_name}.timer")
    assert (timer.active_state, timer.unit_file_state) == ("inactive", "disabled")
    status = service.status(job_name)
    assert (status.state, status.next_run) == (JobState.PAUSED, None)
    assert service.pause(job_name).change == "unchanged"
    assert odin("resume", job_name).stdout.strip() == f"{job_name}: resumed"
    assert service.status(job_name).state is JobState.ACTIVE
    assert next_elapse(systemd, job_name) == next_runs(load_job(path).schedule, datetime.now(UTC), 1)[0]


def test_a_job_paused_after_being_linked_to_shows_as_paused(odin, service, systemd, settings, make_job, job_name):
    first, then = job_name, f"{job_name}-then"
    service.deploy([make_job(first, runs="every day at 04:05"), make_job(then, runs="every day at 04:06")])
    try:
        assert odin("link", first, then).returncode == 0
        assert odin("pause", then).stdout.strip() == f"{then}: paused"
        assert not (settings.unit_dir / "timers.target.wants" / f"odin-{then}.timer").exists()
        status = service.status(then)
        assert (status.state, status.next_run) == (JobState.PAUSED, None)
        assert json.loads(odin("status", then, "--json").stdout)["state"] == "paused"
        assert {job.name: job.status.state for job in service.list_jobs()}[then] is JobState.PAUSED
        assert odin("pause", then).stdout.strip() == f"{then}: already paused"
        assert odin("resume", then).stdout.strip() == f"{then}: resumed"
        assert service.status(then).state is JobState.ACTIVE
    finally:
        service.remove(then, force=True)


def test_a_paused_job_stays_paused_when_redeployed(service, make_job, job_name):
    path = make_job(job_name, runs="every day at 04:05")
    service.deploy([path])
    service.pause(job_name)
    path.write_text(path.read_text().replace("04:05", "04:06"))
    [result] = service.deploy([path])
    assert (result.change, result.paused) == ("updated", True)
    assert service.status(job_name).state is JobState.PAUSED


def test_a_job_without_a_schedule_cannot_be_paused(service, make_job, job_name):
    service.deploy([make_job(job_name, runs="never")])
    assert service.status(job_name).state is JobState.MANUAL
    with pytest.raises(InputError, match="has no schedule"):
        service.pause(job_name)


def test_remove_leaves_no_file_behind(odin, service, systemd, settings, make_job, job_name, wait_until,
                                      pushgateway_url):
    service.deploy([make_job(job_name, runs="every 2 seconds")])
    wait_until(lambda: service.status(job_name).last_finished, timeout=20, message="a first run")
    stamp = TIMER_STAMPS / f"stamp-odin-{job_name}.timer"
    assert stamp.exists()
    done = odin("remove", job_name)
    assert done.returncode == 0, done.stderr
    assert f"removed {service.unit_path(job_name, 'timer')}" in done.stdout
    leftovers = [p for p in (service.unit_path(job_name, "service"), service.unit_path(job_name, "timer"),
                             settings.unit_dir / "timers.target.wants" / f"odin-{job_name}.timer",
                             service.job_dir(job_name), stamp) if p.exists() or p.is_symlink()]
    assert leftovers == []
    assert [p.name for p in settings.jobs_dir.iterdir() if job_name in p.name] == []
    assert systemd.status(f"odin-{job_name}.timer").load_state == "not-found"
    assert systemd.status(f"odin-{job_name}.service").load_state == "not-found"
    gone = odin("status", job_name)
    assert (gone.returncode, gone.stderr.strip()) == (1, f"odin: no job named '{job_name}' is deployed")


def test_remove_waits_for_a_running_instance_and_force_stops_it(service, make_job, job_name, tmp_path,
                                                                wait_until):
    marker = tmp_path / "finished"
    service.deploy([make_job(job_name, program=f"sleep 1; touch {marker}\n")])
    service.run(job_name)
    wait_until(lambda: service.status(job_name).state is JobState.RUNNING, message="the run to start")
    service.remove(job_name)
    assert marker.exists()

    other = f"{job_name}-b"
    service.deploy([make_job(other, program=f"sleep 30; touch {marker}-b\n")])
    try:
        service.run(other)
        wait_until(lambda: service.status(other).state is JobState.RUNNING, message="the run to start")
        service.remove(other, force=True)
        assert not (tmp_path / "finished-b").exists()
    finally:
        if service.job_dir(other).exists():
            service.remove(other, force=True)


def test_a_link_runs_the_next_job_after_success_and_another_after_failure(odin, service, make_job, job_name,
                                                                         wait_until):
    names = {kind: f"{job_name}-{kind}" for kind in ("first", "then", "fails", "alert")}
    service.deploy([make_job(names["first"]), make_job(names["then"]),
                    make_job(names["fails"], program="exit 1\n"), make_job(names["alert"])])
    try:
        assert odin("link", names["first"], names["then"]).returncode == 0
        assert odin("link", names["fails"], names["alert"], "--on-failure").returncode == 0
        service.run(names["first"], wait=True, timeout=60)
        service.run(names["fails"], wait=True, timeout=60)
        for name in (names["then"], names["alert"]):
            wait_until(lambda n=name: service.status(n).last_finished, timeout=20, message=f"{name} to run")
        assert service.describe(names["then"]).linked_from == ((names["first"], "success"),)
        refused = odin("link", names["then"], names["first"])
        assert refused.returncode == 2
        assert "would make a cycle" in refused.stderr
        removal = service.remove(names["then"])
        assert removal.unlinked_from == (names["first"],)
        assert "OnSuccess=" not in service.unit_path(names["first"], "service").read_text()
        assert odin("unlink", names["fails"], names["alert"]).stdout.strip() == (
            f"{names['alert']} no longer runs after {names['fails']}")
        assert "OnFailure=" not in service.unit_path(names["fails"], "service").read_text()
        again = odin("unlink", names["fails"], names["alert"])
        assert (again.returncode, again.stderr.splitlines()[0]) == (
            1, f"odin: {names['alert']} is not linked after {names['fails']}")
    finally:
        for name in names.values():
            if service.job_dir(name).exists():
                service.remove(name, force=True)


def test_list_and_describe_show_the_schedule_and_the_next_runs(odin, service, make_job, job_name):
    path = make_job(job_name, runs="every Monday and Thursday at 08:30", description="Twice a week")
    service.deploy([path])
    listed = json.loads(odin("list", "--json").stdout)
    mine = [job for job in listed if job["name"] == job_name]
    assert [(j["runs"], j["description"], j["state"], j["outcome"]) for j in mine] == [
        ("every Monday and Thursday at 08:30", "Twice a week", "active", "never-run")]
    text = odin("list").stdout
    assert text.splitlines()[0].split() == ["NAME", "SCHEDULE", "NEXT", "RUN", "LAST", "RUN", "OUTCOME", "STATE"]
    described = json.loads(odin("describe", job_name, "--json").stdout)
    expected = next_runs(load_job(path).schedule, datetime.now(UTC), 5)
    assert [datetime.fromisoformat(t) for t in described["next_runs"]] == expected
    assert described["oncalendar"] == list(load_job(path).schedule.oncalendar)
    assert described["units"]["timer"] == str(service.unit_path(job_name, "timer"))
    shown = odin("describe", job_name).stdout
    assert sum(line.startswith("next run") for line in shown.splitlines()) == 5


def test_commands_on_a_job_that_is_not_deployed_exit_with_1(odin, job_name):
    for command in (["status", job_name], ["describe", job_name], ["pause", job_name], ["run", job_name],
                    ["remove", job_name]):
        done = odin(*command)
        assert (done.returncode, done.stderr.strip()) == (1, f"odin: no job named '{job_name}' is deployed")


def test_the_service_raises_job_not_found_for_a_removed_job(service, make_job, job_name):
    service.deploy([make_job(job_name)])
    service.remove(job_name)
    with pytest.raises(JobNotFound):
        service.status(job_name)


def test_status_and_describe_show_the_last_runs_records_and_the_job_reads_its_own_file(odin, service, make_job,
                                                                                      job_name):
    program = ("import odin\n"
               "job = odin.config()['job']\n"
               "odin.watch(len(job['name']), 'name_length')\n"
               "if odin.condition(job['language'] == 'python3', 'language is python3'):\n"
               "    odin.result(f\"read {job['name']}\")\n")
    service.deploy([make_job(job_name, program=program, language="python3", filename="job.py")])
    assert odin("run", job_name, "--wait", "--timeout", "60").returncode == 0

    status = json.loads(odin("status", job_name, "--json").stdout)
    records = [(r["kind"], r["name"], r["value"]) for r in status["last_run"]["records"]]
    assert records == [("watch", "name_length", len(job_name)), ("condition", "language is python3", True),
                       ("result", "result", f"read {job_name}")]
    assert status["last_run"]["result"] == f"read {job_name}"
    described = odin("describe", job_name)
    assert f"result      read {job_name}" in described.stdout
    assert f"record      [watch] name_length = {len(job_name)}" in described.stdout
