"""Commands on a job that is running: run does not start it twice and --wait waits for that run, remove says
that it waits and how not to, and timeouts say in plain words that the run goes on."""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from odin import journal
from odin.status import JobState

#: A job that runs until the file ``go`` beside its job file exists.
WAIT_FOR_GO = "while [ ! -e {go} ]; do sleep 0.02; done; echo went\n"


@pytest.fixture
def running(service, make_job, job_name, tmp_path, wait_until) -> Callable[[], Path]:
    """Deploy the test job and start it; returns the file that lets it end."""

    def start() -> Path:
        go = tmp_path / f"go-{job_name}"
        service.deploy([make_job(job_name, program=WAIT_FOR_GO.format(go=go))])
        assert service.run(job_name).already_running is False
        wait_until(lambda: service.status(job_name).state is JobState.RUNNING, message="the run to start")
        return go

    return start


def odin_popen(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "odin", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def starts(name: str) -> int:
    return len(journal.read_entries([f"ODIN_JOB={name}", "ODIN_KIND=start"]))


def test_run_of_a_running_job_says_since_when_and_starts_nothing(odin, service, running, job_name, systemd,
                                                                wait_until):
    go = running()
    before = systemd.status(f"odin-{job_name}.service").get("InvocationID")
    done = odin("run", job_name)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{job_name}: already running (since ")
    assert systemd.status(f"odin-{job_name}.service").get("InvocationID") == before
    go.write_text("")
    wait_until(lambda: service.status(job_name).state is not JobState.RUNNING, message="the run to end")
    assert starts(job_name) == 1


def test_run_wait_of_a_running_job_waits_for_that_run_and_reports_its_outcome(service, running, job_name):
    go = running()
    waiter = odin_popen("run", job_name, "--wait", "--timeout", "60")
    assert waiter.stderr is not None
    assert waiter.stderr.readline().startswith(f"{job_name}: already running (since ")
    go.write_text("")
    out, _ = waiter.communicate(timeout=60)
    assert (waiter.returncode, out) == (0, f"{job_name}: success (exit code 0)\n")
    assert starts(job_name) == 1


def test_run_wait_that_times_out_says_the_run_goes_on(odin, service, make_job, job_name, tmp_path):
    go = tmp_path / "go"
    service.deploy([make_job(job_name, program=WAIT_FOR_GO.format(go=go))])
    done = odin("run", job_name, "--wait", "--timeout", "1")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.splitlines()[0] == f"odin: the run of {job_name} is still going after 1 s; it goes on"
    assert service.status(job_name).state is JobState.RUNNING
    go.write_text("")


def test_remove_of_a_running_job_says_it_waits_and_how_to_stop_the_run(service, running, job_name):
    go = running()
    remover = odin_popen("remove", job_name)
    assert remover.stderr is not None
    notice = remover.stderr.readline()
    assert notice.startswith(f"{job_name} is running (since ")
    assert notice.rstrip().endswith(
        f"waiting for that run to end before removing it; odin remove {job_name} --force stops it instead")
    go.write_text("")
    out, _ = remover.communicate(timeout=60)
    assert remover.returncode == 0
    assert f"removed {service.job_dir(job_name)}" in out.splitlines()


def test_remove_that_times_out_removes_nothing(odin, service, running, job_name):
    go = running()
    done = odin("remove", job_name, "--timeout", "1")
    assert done.returncode == 1
    assert done.stderr.splitlines()[-2:] == [
        f"odin: {job_name} is still running after 1 s: nothing was removed",
        f"odin remove {job_name} --force stops the run"]
    assert service.job_dir(job_name).exists() and service.unit_path(job_name, "service").exists()
    go.write_text("")
