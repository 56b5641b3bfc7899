"""Deploying on a real systemd: timers armed as the schedule says, idempotent redeploys, one reload, all or nothing."""
from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from odin.calendar import next_runs
from odin.errors import OdinError, SystemdError
from odin.jobfile import load_job
from odin.service import Change, JobService
from odin.status import from_usec
from odin.systemd import Systemd

SERVICE_IFACE = "org.freedesktop.systemd1.Service"


class CountingSystemd(Systemd):
    """The real adapter, counting the calls that change systemd's state."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def reload(self) -> None:
        self.calls.append("reload")
        super().reload()

    def enable_now(self, *units: str) -> None:
        self.calls.append("enable_now")
        super().enable_now(*units)


class FailingSystemd(Systemd):
    """The real adapter, failing right after the first real call to ``method``: a step that breaks midway."""

    def __init__(self, method: str) -> None:
        super().__init__()
        self.method = method
        self.failed = False

    def reload(self) -> None:
        super().reload()
        self._maybe_fail("reload")

    def enable_now(self, *units: str) -> None:
        super().enable_now(*units)
        self._maybe_fail("enable_now")

    def _maybe_fail(self, method: str) -> None:
        if method == self.method and not self.failed:
            self.failed = True
            raise SystemdError("injected failure")


def next_elapse(systemd: Systemd, name: str) -> datetime | None:
    return from_usec(systemd.status(f"odin-{name}.timer").get("NextElapseUSecRealtime"))


def snapshot(service: JobService, name: str) -> dict[str, bytes]:
    """Every file Odin owns for job ``name``, with its content."""
    paths = [service.unit_path(name, "service"), service.unit_path(name, "timer"),
             service.settings.unit_dir / "timers.target.wants" / f"odin-{name}.timer"]
    files = {str(p): p.read_bytes() for p in paths if p.exists()}
    job_dir = service.job_dir(name)
    if job_dir.exists():
        files.update({str(p): p.read_bytes() for p in sorted(job_dir.rglob("*")) if p.is_file()})
    return files


def test_deploy_arms_a_timer_whose_next_elapse_is_the_first_scheduled_run(service, systemd, make_job, job_name):
    path = make_job(job_name, runs="every day at 03:17 and every Friday at 21:45")
    [result] = service.deploy([path])
    assert result.change is Change.CREATED
    timer = systemd.status(f"odin-{job_name}.timer")
    assert (timer.active_state, timer.unit_file_state) == ("active", "enabled")
    expected = next_runs(load_job(path).schedule, datetime.now(UTC), 1)[0]
    assert next_elapse(systemd, job_name) == expected


def test_deploy_installs_units_and_a_copy_of_the_job(service, make_job, job_name):
    path = make_job(job_name, runs="every day at 05:00")
    [result] = service.deploy([path])
    assert result.service_path == str(service.unit_path(job_name, "service"))
    assert (service.job_dir(job_name) / "job.sh").read_text() == (path.parent / "job.sh").read_text()
    assert (service.job_dir(job_name) / ".odin" / "job.yml").read_text() == path.read_text()
    listed = subprocess.run(["systemctl", "list-timers", "--all", "--no-pager", f"odin-{job_name}.timer"],
                            capture_output=True, text=True, check=True).stdout
    assert f"odin-{job_name}.timer" in listed and f"odin-{job_name}.service" in listed


def test_redeploying_an_unchanged_job_changes_nothing(service, make_job, job_name):
    path = make_job(job_name, runs="every day at 05:00")
    service.deploy([path])
    before = snapshot(service, job_name)
    inode = service.job_dir(job_name).stat().st_ino
    counting = JobService(service.settings, CountingSystemd())
    [result] = counting.deploy([path])
    assert result.change is Change.UNCHANGED
    assert counting.systemd.calls == []
    assert snapshot(service, job_name) == before
    assert service.job_dir(job_name).stat().st_ino == inode


def test_a_changed_job_is_updated_in_place_and_its_timer_moves(service, systemd, make_job, job_name):
    path = make_job(job_name, runs="every day at 05:00")
    service.deploy([path])
    path.write_text(path.read_text().replace("every day at 05:00", "every day at 06:40"))
    (path.parent / "job.sh").write_text("echo version 2\n")
    [result] = service.deploy([path])
    assert result.change is Change.UPDATED
    assert (service.job_dir(job_name) / "job.sh").read_text() == "echo version 2\n"
    assert next_elapse(systemd, job_name) == next_runs(load_job(path).schedule, datetime.now(UTC), 1)[0]


def test_new_jobs_need_no_reload_and_changed_ones_share_one(service, systemd, make_job, job_name, tmp_path):
    names = [f"{job_name}-{i}" for i in range(3)]
    folder = tmp_path / "many"
    folder.mkdir()
    for name in names:
        job = make_job(name, runs="every day at 07:00")
        job.rename(folder / f"{name}.yml")
        (job.parent / "job.sh").rename(folder / "job.sh")
    counting = JobService(service.settings, CountingSystemd())
    try:
        results = counting.deploy([folder])
        assert [r.change for r in results] == [Change.CREATED] * 3
        assert counting.systemd.calls == ["enable_now"]
        assert [systemd.status(f"odin-{n}.timer").active_state for n in names] == ["active"] * 3
        for name in names:
            job = folder / f"{name}.yml"
            job.write_text(job.read_text().replace("07:00", "07:30"))
        counting.systemd.calls.clear()
        assert [r.change for r in counting.deploy([folder])] == [Change.UPDATED] * 3
        assert counting.systemd.calls == ["reload"]
        expected = next_runs(load_job(folder / f"{names[0]}.yml").schedule, datetime.now(UTC), 1)[0]
        assert [next_elapse(systemd, n) for n in names] == [expected] * 3
    finally:
        for name in names:
            if service.job_dir(name).exists():
                service.remove(name)


def test_a_job_removed_and_deployed_again_comes_back(service, systemd, make_job, job_name):
    path = make_job(job_name, runs="every day at 05:00")
    service.deploy([path])
    service.remove(job_name)
    assert systemd.status(f"odin-{job_name}.timer").load_state == "not-found"
    [result] = service.deploy([path])
    assert result.change is Change.CREATED
    assert systemd.status(f"odin-{job_name}.timer").active_state == "active"


def test_a_failed_update_restores_the_previous_job_exactly(service, systemd, make_job, job_name):
    path = make_job(job_name, runs="every day at 05:00")
    service.deploy([path])
    before, elapse = snapshot(service, job_name), next_elapse(systemd, job_name)
    path.write_text(path.read_text().replace("every day at 05:00", "every day at 09:09"))
    (path.parent / "job.sh").write_text("echo version 2\n")
    failing = JobService(service.settings, FailingSystemd("reload"))
    with pytest.raises(OdinError, match="reloading systemd failed: injected failure") as caught:
        failing.deploy([path])
    assert "the previous state is restored" in caught.value.message
    assert snapshot(service, job_name) == before
    assert next_elapse(systemd, job_name) == elapse
    assert systemd.status(f"odin-{job_name}.timer").enabled


def test_a_failed_first_deploy_leaves_nothing_behind(service, systemd, make_job, job_name):
    path = make_job(job_name, runs="every day at 05:00")
    failing = JobService(service.settings, FailingSystemd("enable_now"))
    with pytest.raises(OdinError, match="enabling and starting the timers failed: injected failure"):
        failing.deploy([path])
    assert snapshot(service, job_name) == {}
    assert systemd.status(f"odin-{job_name}.timer").load_state == "not-found"
    assert systemd.status(f"odin-{job_name}.service").load_state == "not-found"


def test_a_failure_in_one_job_of_many_rolls_back_all_of_them(service, systemd, make_job, job_name):
    first, second = make_job(f"{job_name}-a", runs="every day at 05:00"), make_job(f"{job_name}-b", runs="never")
    failing = JobService(service.settings, FailingSystemd("enable_now"))
    with pytest.raises(OdinError, match="injected failure"):
        failing.deploy([first, second])
    assert snapshot(service, f"{job_name}-a") == snapshot(service, f"{job_name}-b") == {}


def test_concurrent_commands_wait_for_the_lock(service, make_job, job_name):
    path = make_job(job_name, runs="every day at 05:00")
    with service.lock():
        other = subprocess.Popen([sys.executable, "-m", "odin", "deploy", "-f", str(path)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        with pytest.raises(subprocess.TimeoutExpired):
            other.wait(timeout=1.5)
        assert not service.unit_path(job_name, "service").exists()
    out, err = other.communicate(timeout=60)
    assert other.returncode == 0, err
    assert f"{job_name}: created" in out


def test_deploy_names_both_units_and_warns_about_skipped_months_on_stderr(service, make_job, job_name):
    path = make_job(job_name, runs="every 31st at 09:00")
    done = subprocess.run([sys.executable, "-m", "odin", "deploy", "-f", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{job_name}: created odin-{job_name}.service, odin-{job_name}.timer\n"
    assert done.stderr == (f"{job_name}: warning: the 31st is skipped in February, April, June, September and "
                           "November (write 'every last day' for the end of every month)\n")


def test_quotes_dollars_and_percents_reach_the_program_unchanged(service, systemd, make_job, job_name):
    args = ["two words", "$HOME", "%n", 'say "hi"', "back\\slash", "semi;colon", "it's"]
    extra = ("  args: [" + ", ".join('"' + a.replace("\\", "\\\\").replace('"', '\\"') + '"' for a in args) + "]\n"
             '  env:\n    MSG: "100% \\"sure\\" $USER"\n')
    path = make_job(job_name, extra=extra, program='printf "%s|" "$@"; printf "%s\\n" "$MSG"\n')
    service.deploy([path])
    exec_start = systemd.unit_property(f"odin-{job_name}.service", SERVICE_IFACE, "ExecStart", "a(sasbttttuii)")
    argv = [word.replace("$$", "$") for word in exec_start[0][1]]  # systemd collapses "$$" when it starts the job
    assert argv[-len(args):] == args
    assert argv[argv.index("--") + 1:][:2] == ["/usr/bin/sh", str(service.job_dir(job_name) / "job.sh")]
    environment = systemd.unit_property(f"odin-{job_name}.service", SERVICE_IFACE, "Environment", "as")
    assert 'MSG=100% "sure" $USER' in environment
    run = service.run(job_name, wait=True, timeout=60)
    assert run.last_run is not None and run.last_run.outcome == "success"
    output = subprocess.run(["journalctl", "-u", f"odin-{job_name}.service", "-o", "cat", "--no-pager"],
                            capture_output=True, text=True, check=True).stdout
    assert "|".join(args) + '|100% "sure" $USER' in output


def test_the_job_runs_from_its_job_directory(service, make_job, job_name, tmp_path):
    marker = tmp_path / "pwd.txt"
    service.deploy([make_job(job_name, program=f"pwd > {marker}\n")])
    service.run(job_name, wait=True, timeout=60)
    assert marker.read_text().strip() == str(service.job_dir(job_name))


def test_the_deploy_command_reports_bad_input_with_exit_code_2_and_writes_nothing(service, make_job, job_name):
    path = make_job(job_name, runs="every wensday at 17:00")
    done = subprocess.run([sys.executable, "-m", "odin", "deploy", "-f", str(path)], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.startswith(f"odin: {path}:9:")
    assert "Traceback" not in done.stderr
    assert not service.unit_path(job_name, "service").exists()
    assert not Path(service.job_dir(job_name)).exists()
