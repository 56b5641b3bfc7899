"""The run wrapper outside systemd: its command line, the job's environment, exit statuses and signals.

With no journal to write to (``ODIN_JOURNAL_SOCKET`` names no socket) the wrapper prints each entry's
message to stderr, which is what these tests read. The same runs under real systemd are in
``tests/system/test_observability.py``.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from odin.wrapper import PACKAGE_DIR, job_environment, library_path, parse_arguments, yaml_path

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = "/usr/bin/python3"


@pytest.mark.parametrize(("argv", "expected"), [
    (["--job", "prune", "--", "/usr/bin/python3", "-u", "job.py"], ("prune", ["/usr/bin/python3", "-u", "job.py"])),
    (["--job=prune", "--", "/bin/sh", "job.sh"], ("prune", ["/bin/sh", "job.sh"])),
    (["--job", "prune", "./job", "--flag"], ("prune", ["./job", "--flag"])),
    (["--job", "prune", "--", "prog", "--", "x"], ("prune", ["prog", "--", "x"])),
    (["--job", "prune", "--"], None),
    (["--job"], None),
    (["prog"], None),
], ids=["with-dashes", "equals", "without-dashes", "dashes-in-args", "no-program", "no-name", "no-job"])
def test_the_command_line_gives_the_job_and_the_program(argv, expected):
    assert parse_arguments(argv) == expected


def test_the_job_gets_its_name_run_pipe_unbuffered_python_and_odin_on_its_path():
    env = job_environment({"PYTHONPATH": "/mine", "HOME": "/root"}, "prune", "r1", 3, "/run/odin/python", "/site")
    assert {k: env[k] for k in ("ODIN_JOB", "ODIN_RUN", "ODIN_RECORD_FD", "PYTHONUNBUFFERED", "PYTHONPATH",
                                "ODIN_YAML_PATH", "HOME")} == {
        "ODIN_JOB": "prune", "ODIN_RUN": "r1", "ODIN_RECORD_FD": "3", "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": "/run/odin/python:/mine", "ODIN_YAML_PATH": "/site", "HOME": "/root"}


def test_the_library_path_holds_only_a_link_to_the_odin_package(tmp_path):
    found = library_path(library_dir=str(tmp_path / "python"))
    assert found == str(tmp_path / "python")
    assert os.listdir(found) == ["odin"]
    assert os.readlink(tmp_path / "python" / "odin") == PACKAGE_DIR
    assert library_path(library_dir=found) == found


def test_the_library_path_falls_back_to_the_packages_parent_when_it_cannot_be_made(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert library_path(library_dir=str(blocker / "python")) == os.path.dirname(PACKAGE_DIR)


def test_odins_own_yaml_is_found_on_its_path():
    found = yaml_path()
    assert found is not None and os.path.isfile(os.path.join(found, "yaml", "__init__.py"))
    assert yaml_path(["/nonexistent"]) is None


def test_the_record_pipe_is_on_fd_3_when_it_is_free():
    code = "from odin.wrapper import record_pipe; r, w = record_pipe(); print(r >= 10, w)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, close_fds=True)
    assert done.stdout.split() == ["True", "3"]


def wrapper_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("ODIN_PUSHGATEWAY_URL", "INVOCATION_ID", "ODIN_RECORD_FD", "PYTHONPATH")}
    return env | {"ODIN_JOURNAL_SOCKET": str(tmp_path / "no-journal"), "ODIN_RUNTIME_DIR": str(tmp_path / "run")}


def run_wrapper(tmp_path: Path, *command: str, job: str = "t") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "odin.wrapper", "--job", job, "--", *command], capture_output=True,
                          text=True, cwd=tmp_path, env=wrapper_env(tmp_path), timeout=60)


def messages(done: subprocess.CompletedProcess[str]) -> list[str]:
    """The entries' messages the wrapper printed, after the notice that there is no journal and the start."""
    shown = [line.removeprefix("odin: ") for line in done.stderr.splitlines() if line.startswith("odin: ")]
    assert "entries go to stderr" in shown[0] and shown[1].startswith("run started: ")
    return shown[2:]


def test_a_python_job_under_another_interpreter_imports_odin_and_its_records_reach_the_wrapper(tmp_path):
    (tmp_path / "job.py").write_text(textwrap.dedent("""
        import os, sys, odin
        print(os.environ["ODIN_JOB"], len(os.environ["ODIN_RUN"]), sys.flags.dont_write_bytecode >= 0)
        print("unbuffered" if not sys.stdout.line_buffering and os.environ["PYTHONUNBUFFERED"] else "?")
        files = odin.watch(12)
        if odin.condition(files > 10):
            odin.result("busy")
    """))
    done = run_wrapper(tmp_path, SYSTEM_PYTHON, "job.py", job="prune")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["prune 32 True", "unbuffered"]
    assert messages(done) == ["watch 12 = 12", "condition (files > 10) is true", "result (success): busy",
                              messages(done)[-1]]
    assert messages(done)[-1].startswith("run succeeded in ") and messages(done)[-1].endswith(": busy")


def test_config_works_in_a_job_whose_interpreter_has_no_yaml(tmp_path):
    (tmp_path / "odin_job.yml").write_text("job:\n  name: prune\n")
    (tmp_path / "job.py").write_text("import sys, odin\nprint(odin.config()['job']['name'], 'yaml' in sys.modules)\n")
    done = run_wrapper(tmp_path, SYSTEM_PYTHON, "-S", "job.py")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["prune", "True"]


def test_the_programs_exit_code_is_the_wrappers(tmp_path):
    done = run_wrapper(tmp_path, "/bin/sh", "-c", "echo out; exit 3")
    assert done.returncode == 3 and done.stdout == "out\n"
    assert messages(done)[-1].startswith("run failed after ") and messages(done)[-1].endswith(": exited with code 3")


def test_a_failed_result_fails_the_run_even_if_the_program_exits_0(tmp_path):
    line = '{"v":1,"kind":"result","name":"result","value":"gave up","success":false}'
    done = run_wrapper(tmp_path, "/bin/sh", "-c", f"echo '{line}' >&$ODIN_RECORD_FD; exit 0")
    assert done.returncode == 1
    assert messages(done)[-2:][0] == "result (failure): gave up"
    assert messages(done)[-1].endswith(": gave up; the result reported failure")


def test_a_bad_record_line_is_a_warning_and_the_run_goes_on(tmp_path):
    lines = ['not json', '{"v":9,"kind":"watch","name":"n","value":1}', '{"v":1,"kind":"watch","name":"n","value":2}']
    script = "printf '%s\\n' " + " ".join(f"'{line}'" for line in lines) + " >&3"
    done = run_wrapper(tmp_path, "/bin/sh", "-c", script)
    assert done.returncode == 0
    shown = messages(done)
    assert shown[0].startswith("record line ignored: not valid JSON")
    assert shown[1] == "record line ignored: record of protocol version 9; this wrapper speaks version 1"
    assert shown[2] == "watch n = 2" and shown[3].startswith("run succeeded")


def test_a_last_line_without_newline_still_counts(tmp_path):
    done = run_wrapper(tmp_path, "/bin/sh", "-c", """printf '{"v":1,"kind":"watch","name":"n","value":5}' >&3""")
    assert messages(done)[0] == "watch n = 5"


def test_a_program_that_cannot_start_fails_the_run_with_the_reason(tmp_path):
    done = run_wrapper(tmp_path, str(tmp_path / "missing-program"))
    assert done.returncode == 127
    assert messages(done)[-1].endswith(f": cannot start {tmp_path / 'missing-program'}: No such file or directory")


def test_a_program_killed_by_a_signal_kills_the_wrapper_with_the_same_signal(tmp_path):
    done = run_wrapper(tmp_path, "/bin/sh", "-c", "kill -KILL $$")
    assert done.returncode == -signal.SIGKILL
    assert messages(done)[-1].endswith(": killed by SIGKILL")


def test_a_signal_to_the_wrapper_is_passed_on_and_the_run_recorded_as_stopped(tmp_path):
    marker = tmp_path / "started"
    program = f"import time; open({str(marker)!r}, 'w').close(); time.sleep(60)"
    wrapper = subprocess.Popen([sys.executable, "-m", "odin.wrapper", "--job", "t", "--", sys.executable, "-c",
                                program], stderr=subprocess.PIPE, text=True, env=wrapper_env(tmp_path))
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    wrapper.send_signal(signal.SIGTERM)
    _, err = wrapper.communicate(timeout=30)
    assert wrapper.returncode == -signal.SIGTERM
    assert err.splitlines()[-1].endswith(": stopped by SIGTERM")
