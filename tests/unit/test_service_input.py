"""The service refuses bad input before it touches the disk or systemd; ``generate`` writes starters."""
from __future__ import annotations

from pathlib import Path

import pytest

from odin.settings import Settings
from odin.errors import InputError, JobFileError, JobNotFound, ScheduleError, SystemdError
from odin.jobdir import JOB_FILE, META_DIR, STATE_FILE, DamagedJob, JobRecord
from odin.jobfile import load_job
from odin.service import JobService, generate
from odin.status import JobState
from odin.systemd import Systemd

DATA = Path(__file__).parent.parent / "data" / "jobs"
# Nothing listens here: a test that reached systemd would fail loudly.
NO_BUS = Systemd("unix:path=/nonexistent/odin-test-bus")


@pytest.fixture
def service(tmp_path):
    settings = Settings(unit_dir=tmp_path / "units", jobs_dir=tmp_path / "jobs", lock_file=tmp_path / "odin.lock")
    return JobService(settings, NO_BUS)


def everything_under(path: Path) -> list[str]:
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*")) if path.exists() else []


def add_record(service: JobService, record: JobRecord) -> None:
    meta = service.job_dir(record.name) / META_DIR
    meta.mkdir(parents=True)
    (meta / STATE_FILE).write_text(record.to_json())
    (meta / JOB_FILE).write_text(f'job:\n  name: "{record.name}"\n  language: "sh"\n  file: "a.sh"\n'
                                 '  runs: "never"\n')


def test_one_bad_file_among_good_ones_stops_the_deploy_before_anything_is_written(service, tmp_path):
    bad = tmp_path / "bad" / "bad.yml"
    bad.parent.mkdir()
    (bad.parent / "bad.sh").write_text("true\n")
    bad.write_text('job:\n  name: "bad"\n  language: "sh"\n  file: "bad.sh"\n  runs: "every wensday at 10:00"\n')
    with pytest.raises(ScheduleError) as caught:
        service.deploy([DATA / "original", bad])
    assert caught.value.position.source == str(bad)
    assert everything_under(tmp_path / "units") == everything_under(tmp_path / "jobs") == []


def test_two_files_for_the_same_job_are_refused(service, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("docker_prune.yml", "docker_prune.py"):
        (copy / name).write_text((DATA / "original" / name).read_text())
    with pytest.raises(JobFileError, match="job 'docker_prune' is also defined in"):
        service.deploy([DATA / "original", copy])
    assert everything_under(tmp_path / "units") == []


def test_a_missing_interpreter_is_reported_at_the_language_key(service, tmp_path, monkeypatch):
    monkeypatch.setattr("odin.service.SYSTEM_PATH", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(JobFileError, match="python3 is not installed on this machine") as caught:
        service.deploy([DATA / "original"])
    assert caught.value.position.line == 7
    assert everything_under(tmp_path / "units") == []


def test_an_exec_job_must_be_executable(service, tmp_path):
    (tmp_path / "tool").write_text("#!/bin/sh\ntrue\n")
    (tmp_path / "tool.yml").write_text('job:\n  name: "tool"\n  language: "exec"\n  file: "tool"\n  runs: "never"\n')
    with pytest.raises(JobFileError, match="tool is not executable"):
        service.deploy([tmp_path / "tool.yml"])


def test_an_unknown_user_is_reported_at_the_user_key(service, tmp_path):
    (tmp_path / "a.sh").write_text("true\n")
    (tmp_path / "a.yml").write_text('job:\n  name: "a"\n  language: "sh"\n  file: "a.sh"\n  runs: "never"\n'
                                    '  user: "no-such-user-odin"\n')
    with pytest.raises(JobFileError, match="no user 'no-such-user-odin'") as caught:
        service.deploy([tmp_path / "a.yml"])
    assert caught.value.position.line == 6


def test_a_deploy_without_systemd_fails_before_writing_anything(service, tmp_path, caplog):
    (tmp_path / "a.sh").write_text("true\n")
    (tmp_path / "a.yml").write_text('job:\n  name: "a"\n  language: "sh"\n  file: "a.sh"\n'
                                    '  runs: "every day at 09:00"\n')
    with pytest.raises(SystemdError, match=r"^cannot reach systemd over D-Bus \(unix:path=/nonexistent/odin-test-bus: "
                                           r"No such file or directory\): is systemd running\?"):
        service.deploy([tmp_path / "a.yml"])
    assert everything_under(tmp_path / "units") == everything_under(tmp_path / "jobs") == []
    assert caplog.records == []


@pytest.mark.parametrize("command", ["status", "describe", "pause", "resume", "run", "remove"])
def test_commands_on_an_unknown_job_say_it_is_not_deployed(service, command):
    with pytest.raises(JobNotFound, match="no job named 'ghost' is deployed"):
        getattr(service, command)("ghost")


def damage(service: JobService, name: str) -> Path:
    path = service.job_dir(name) / META_DIR / STATE_FILE
    path.write_text("{garbage")
    return path


@pytest.mark.parametrize("command", ["status", "describe", "pause", "resume", "run", "record", "deployed_spec"])
def test_commands_on_a_damaged_job_name_its_record_and_what_to_do(service, command):
    add_record(service, JobRecord("a", "/a.yml", "root"))
    path = damage(service, "a")
    with pytest.raises(DamagedJob) as caught:
        getattr(service, command)("a")
    assert caught.value.message.startswith(f"job 'a' is damaged: {path} is not valid JSON")
    assert caught.value.hint.startswith("remove it with 'odin remove a', or deploy its job file again")


def test_modify_of_a_damaged_job_names_its_record(service):
    add_record(service, JobRecord("a", "/a.yml", "root"))
    damage(service, "a")
    with pytest.raises(DamagedJob, match="job 'a' is damaged"):
        service.modify("a", runs="never")


def test_a_damaged_job_is_left_out_of_the_records_and_named_by_the_scan(service):
    for name in ("a", "b", "c"):
        add_record(service, JobRecord(name, f"/{name}.yml", "root"))
    damage(service, "b")
    assert [r.name for r in service.records()] == ["a", "c"]
    records, damaged = service.scan()
    assert ([r.name for r in records], [d.name for d in damaged]) == (["a", "c"], ["b"])


def test_a_link_to_a_healthy_job_still_works_beside_a_damaged_one(service):
    add_record(service, JobRecord("a", "/a.yml", "root", on_success=("b",)))
    add_record(service, JobRecord("b", "/b.yml", "root"))
    add_record(service, JobRecord("c", "/c.yml", "root"))
    damage(service, "c")
    with pytest.raises(InputError, match="would make a cycle: b -> a -> b"):
        service.link("b", "a")


def test_a_damaged_job_is_listed_as_damaged_with_its_problem(service):
    add_record(service, JobRecord("a", "/a.yml", "root"))
    path = damage(service, "a")
    [job] = service.list_jobs()
    assert (job.name, job.status.state, job.runs) == ("a", JobState.DAMAGED, "")
    assert job.problem.startswith(f"job 'a' is damaged: {path} is not valid JSON")


def test_a_deploy_under_way_is_not_listed_as_a_job(service):
    add_record(service, JobRecord("a", "/a.yml", "root"))
    (service.settings.jobs_dir / "a").rename(service.settings.jobs_dir / ".new~a~0123abcd")
    assert service.scan() == ([], [])


def test_a_link_that_would_close_a_cycle_is_refused(service):
    add_record(service, JobRecord("a", "/a.yml", "root", on_success=("b",)))
    add_record(service, JobRecord("b", "/b.yml", "root", on_failure=("c",)))
    add_record(service, JobRecord("c", "/c.yml", "root"))
    with pytest.raises(InputError, match="would make a cycle: c -> a -> b -> c"):
        service.link("c", "a")


def test_a_job_cannot_be_linked_to_itself(service):
    add_record(service, JobRecord("a", "/a.yml", "root"))
    with pytest.raises(InputError, match="cannot be linked to itself"):
        service.link("a", "a")


def test_modify_needs_something_to_change(service):
    add_record(service, JobRecord("a", "/a.yml", "root"))
    with pytest.raises(InputError, match="nothing to change"):
        service.modify("a")


def test_modify_refuses_a_bad_schedule_pointing_at_the_option(service):
    add_record(service, JobRecord("a", "/a.yml", "root"))
    with pytest.raises(ScheduleError) as caught:
        service.modify("a", runs="every blursday at 10:00")
    assert caught.value.position.source == "--runs"


def test_modify_refuses_a_job_file_for_another_job(service):
    add_record(service, JobRecord("a", "/a.yml", "root"))
    with pytest.raises(JobFileError, match="this job file is for job 'docker_prune', not 'a'"):
        service.modify("a", file=DATA / "original" / "docker_prune.yml")


def test_generate_writes_a_job_file_and_program_that_load(tmp_path):
    paths = generate("weekly", "python3", "every Monday at 09:00", directory=tmp_path)
    assert [p.name for p in paths] == ["weekly.yml", "weekly.py"]
    assert load_job(tmp_path / "weekly.yml").schedule.text == "every Monday at 09:00"


def test_generate_never_overwrites_without_force(tmp_path):
    generate("weekly", "bash", "never", directory=tmp_path)
    with pytest.raises(InputError, match="already exists"):
        generate("weekly", "bash", "never", directory=tmp_path)
    assert len(generate("weekly", "bash", "never", directory=tmp_path, force=True)) == 2


@pytest.mark.parametrize("name, language, runs, error", [
    ("bad name", "python3", "never", InputError), ("ok", "cobol", "never", InputError),
    ("ok", "python3", "every day at 25:00", ScheduleError),
], ids=["bad name", "unknown language", "bad schedule"])
def test_generate_refuses_bad_input_and_writes_nothing(tmp_path, name, language, runs, error):
    with pytest.raises(error):
        generate(name, language, runs, directory=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("runs, description, message", [
    ("never", "a\nb", "--description contains a line break or control character"),
    ("never", "   ", "--description is empty"),
    ("every day\nat 09:00", None, "--runs contains a line break or control character"),
], ids=["two-line description", "blank description", "two-line schedule"])
def test_generate_refuses_what_deploy_would_refuse_and_writes_nothing(tmp_path, runs, description, message):
    with pytest.raises(InputError) as caught:
        generate("gx", "bash", runs, description=description, directory=tmp_path)
    assert caught.value.message == message
    assert list(tmp_path.iterdir()) == []


def test_deploy_warnings_name_the_months_a_schedule_skips_and_none_for_a_plain_schedule():
    from datetime import UTC, datetime

    from odin.jobfile import parse_job
    from odin.service import _warnings

    def spec(name: str, runs: str):
        return parse_job(f'job:\n  name: "{name}"\n  language: "sh"\n  file: "a.sh"\n  runs: "{runs}"\n'
                         '  timezone: "UTC"\n', source=f"{name}.yml")

    got = _warnings([spec("monthly", "every 31st at 09:00"), spec("daily", "every day at 09:00"),
                     spec("manual", "never")], datetime(2026, 1, 1, tzinfo=UTC))
    assert got == {"monthly": ("the 31st is skipped in February, April, June, September and November "
                               "(write 'every last day' for the end of every month)",),
                   "daily": (), "manual": ()}
