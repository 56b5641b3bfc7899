"""The job commands' shell: bad input exits 2 with the position and writes nothing; generate; empty listings."""
from __future__ import annotations

from pathlib import Path

import pytest

from odin.commands.jobs import deploy_line, table
from odin.jobdir import JobRecord

# Nothing listens here: a command that reached systemd would fail loudly.
NO_BUS = "unix:path=/nonexistent/odin-test-bus"


@pytest.fixture(autouse=True)
def private_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("ODIN_UNIT_DIR", str(tmp_path / "units"))
    monkeypatch.setenv("ODIN_JOBS_DIR", str(tmp_path / "jobs"))
    monkeypatch.setenv("ODIN_LOCK_FILE", str(tmp_path / "odin.lock"))
    monkeypatch.setenv("ODIN_CONFIG", str(tmp_path / "no-config.yml"))
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", NO_BUS)



def test_deploying_a_bad_job_file_exits_2_with_the_position_and_writes_nothing(cli, tmp_path):
    job = tmp_path / "src" / "job.yml"
    job.parent.mkdir()
    (job.parent / "job.sh").write_text("true\n")
    job.write_text('job:\n  name: "x"\n  language: "sh"\n  file: "job.sh"\n  runs: "every day at 9"\n'
                   '  timout: "1m"\n')
    code, out, err = cli("deploy", "-f", str(job))
    assert (code, out) == (2, "")
    assert err.splitlines()[0] == f"odin: {job}:6:3: unknown key 'timout' in job"
    assert err.splitlines()[-1] == "did you mean 'timeout'?"
    assert not (tmp_path / "units").exists() and not (tmp_path / "jobs").exists()


def test_generate_writes_starters_that_deploy_would_accept(cli, tmp_path):
    code, out, err = cli("generate", "--name", "nightly", "--language", "node", "--runs",
                         "every day at 02:00", "--dir", str(tmp_path))
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"wrote {tmp_path / 'nightly.yml'}", f"wrote {tmp_path / 'nightly.js'}"]
    assert "require('odin')" in (tmp_path / "nightly.js").read_text()


def test_generate_refuses_a_bad_schedule_with_exit_code_2(cli, tmp_path):
    code, out, err = cli("generate", "--name", "nightly", "--runs", "every day at 25:00", "--dir",
                         str(tmp_path))
    assert (code, out) == (2, "")
    assert err.startswith("odin: --runs:1:")
    assert list(tmp_path.iterdir()) == []


def test_generate_refuses_a_description_deploy_would_refuse_with_exit_code_2(cli, tmp_path):
    code, out, err = cli("generate", "--name", "gx", "--runs", "never", "--description", "a\nb", "--dir",
                         str(tmp_path))
    assert (code, out) == (2, "")
    assert err.splitlines()[0] == "odin: --description contains a line break or control character"
    assert list(tmp_path.iterdir()) == []


def test_list_with_no_jobs_says_so_without_asking_systemd(cli):
    assert cli("list") == (0, "no jobs deployed\n", "")
    assert cli("list", "--json") == (0, "[]\n", "")


UNREACHABLE = (f"odin: cannot reach systemd over D-Bus ({NO_BUS}: No such file or directory): is systemd running? "
               "On a machine without systemd, see scripts/sandbox.sh\n")


def test_deploy_without_systemd_says_so_and_writes_no_job(cli, tmp_path):
    (tmp_path / "x.sh").write_text("true\n")
    (tmp_path / "x.yml").write_text('job:\n  name: "x"\n  language: "sh"\n  file: "x.sh"\n  runs: "never"\n')
    assert cli("deploy", "-f", str(tmp_path / "x.yml")) == (1, "", UNREACHABLE)
    assert not (tmp_path / "jobs").exists() and not (tmp_path / "units").exists()


def test_list_without_systemd_says_so_when_jobs_are_deployed(cli, tmp_path):
    state = tmp_path / "jobs" / "x" / ".odin" / "state.json"
    state.parent.mkdir(parents=True)
    state.write_text('{"name": "x", "source": "/srv/x.yml", "user": "root"}')
    assert cli("list") == (1, "", UNREACHABLE)


def damaged_job(tmp_path: Path, name: str) -> Path:
    state = tmp_path / "jobs" / name / ".odin" / "state.json"
    state.parent.mkdir(parents=True)
    state.write_text("{garbage")
    return state


def test_list_shows_a_damaged_job_as_such_and_says_what_to_do_on_stderr(cli, tmp_path):
    state = damaged_job(tmp_path, "broken")
    code, out, err = cli("list")
    assert code == 0
    assert out.splitlines()[1].split() == ["broken", "-", "-", "-", "unknown", "damaged"]
    assert err.splitlines() == [
        f"odin: job 'broken' is damaged: {state} is not valid JSON (Expecting property name enclosed in double "
        "quotes at line 1 column 2)",
        "remove it with 'odin remove broken', or deploy its job file again over it with 'odin deploy -f FILE'"]


@pytest.mark.parametrize("argv", [["status", "broken"], ["describe", "broken"], ["run", "broken"],
                                  ["modify", "broken", "--runs", "never"]])
def test_commands_on_a_damaged_job_exit_1_with_the_file_and_no_traceback(cli, tmp_path, argv):
    state = damaged_job(tmp_path, "broken")
    code, out, err = cli(*argv)
    assert (code, out) == (1, "")
    assert err.startswith(f"odin: job 'broken' is damaged: {state} is not valid JSON")
    assert "Traceback" not in err


@pytest.mark.parametrize("argv", [["status", "ghost"], ["pause", "ghost"], ["describe", "ghost", "--json"]])
def test_an_unknown_job_exits_1(cli, argv):
    assert cli(*argv) == (1, "", "odin: no job named 'ghost' is deployed\n")


def deployed(tmp_path: Path, *names: str) -> None:
    """Job records as deploy leaves them, for commands that fail before asking systemd."""
    for name in names:
        meta = tmp_path / "jobs" / name / ".odin"
        meta.mkdir(parents=True)
        (meta / "state.json").write_text(JobRecord(name, f"/src/{name}.yml", "root").to_json())


def test_unlinking_jobs_that_are_not_linked_exits_1_and_says_so(cli, tmp_path):
    deployed(tmp_path, "a", "b")
    code, out, err = cli("unlink", "a", "b")
    assert (code, out, err.splitlines()[0]) == (1, "", "odin: b is not linked after a")


@pytest.mark.parametrize("argv", [["unlink", "a", "ghost"], ["unlink", "ghost", "a"]])
def test_unlinking_an_unknown_job_exits_1(cli, tmp_path, argv):
    deployed(tmp_path, "a")
    assert cli(*argv) == (1, "", "odin: no job named 'ghost' is deployed\n")


def test_a_bad_job_name_exits_2(cli):
    code, _, err = cli("status", "../etc")
    assert code == 2
    assert "bad job name '../etc'" in err


def test_tables_align_their_columns():
    assert table(["NAME", "STATE"], [["a", "active"], ["longer", "paused"]]).splitlines() == [
        "NAME    STATE", "a       active", "longer  paused"]


def test_a_deploy_line_names_both_units_single_spaced():
    from odin.service import Change, Deployment

    item = Deployment("nightly", Change.CREATED, "/etc/systemd/system/odin-nightly.service",
                      "/etc/systemd/system/odin-nightly.timer", "/var/lib/odin/jobs/nightly")
    assert deploy_line(item) == "nightly: created odin-nightly.service, odin-nightly.timer"


def test_a_deploy_line_for_a_never_job_names_only_its_service_and_keeps_paused():
    from odin.service import Change, Deployment

    item = Deployment("manual", Change.UPDATED, "/etc/systemd/system/odin-manual.service", None,
                      "/var/lib/odin/jobs/manual", paused=True)
    assert deploy_line(item) == "manual: updated (paused) odin-manual.service"
