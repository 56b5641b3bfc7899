"""The shell library, library/bash/odin.sh, under bash and dash: JSON escaping, numbers, conditions, results."""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from odin.records import FD_ENV, decode_record

ROOT = Path(__file__).resolve().parents[2]
ODIN_SH = ROOT / "library" / "bash" / "odin.sh"
SHELLS = [shell for shell in ("bash", "dash") if shutil.which(shell)]


def run_sh(shell: str, script: str, *args: str, pipe: bool = True, high_fd: bool = False,
           env: dict[str, str] | None = None) -> tuple[int, str, list[dict[str, object]]]:
    """Run ``script`` after sourcing odin.sh; returns the exit code, stderr and the decoded records."""
    environ = {"PATH": os.environ["PATH"], "LC_ALL": "C.UTF-8", **(env or {})}
    pass_fds: tuple[int, ...] = ()
    if pipe:
        read_fd, write_fd = os.pipe()
        if high_fd:
            high = fcntl.fcntl(write_fd, fcntl.F_DUPFD, 10)
            os.close(write_fd)
            write_fd = high
        environ[FD_ENV] = str(write_fd)
        pass_fds = (write_fd,)
    process = subprocess.Popen([shell, "-c", f'. "{ODIN_SH}"\n{script}', shell, *args], env=environ,
                               pass_fds=pass_fds, stderr=subprocess.PIPE)
    records = []
    if pipe:
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as pipe_out:
            records = [decode_record(line) for line in pipe_out]
    _, err = process.communicate(timeout=30)
    return process.returncode, err.decode(), records


TEXTS = {
    "quotes": 'he said "hi"',
    "backslashes": "C:\\dir\\ and \\n literally",
    "newlines": "one\ntwo\n\nthree",
    "trailing newlines": "ends with\n\n",
    "tab and return": "a\tb\rc",
    "every control character": "".join(chr(c) for c in range(1, 32)) + "\x7f",
    "non-ASCII": "grüße ✓ 日本語 🚀",
    "shell syntax": "$HOME `id` $(id) * ? [a] ~ ; | & > <",
    "printf directives": "%s %d %% \\x41",
    "leading dash": "-n -e --",
    "empty": "",
    "only spaces": "   ",
    "looks like JSON": '{"a": [1, 2]}',
}


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_text_round_trips_exactly(shell, text):
    code, err, records = run_sh(shell, 'odin_watch "$1" "$2"', f"name {text}", text)
    assert (code, err) == (0, "")
    assert [(r["kind"], r["name"], r["value"]) for r in records] == [("watch", f"name {text}", text)]


NUMBERS = {"42": 42, "-7": -7, "0": 0, "0.25": 0.25, "-3.5e+2": -350.0, "1E3": 1000.0, "0e0": 0.0}
NOT_NUMBERS = ["012", "1.", ".5", "+1", "1e", "0x10", "-", "1,5", "12 ", "NaN", "Infinity", "true", "1_000"]


@pytest.mark.parametrize("shell", SHELLS)
def test_a_json_number_is_recorded_as_a_number_and_anything_else_as_text(shell):
    values = [*NUMBERS, *NOT_NUMBERS]
    script = 'for v in "$@"; do odin_watch v "$v"; done'
    _, _, records = run_sh(shell, script, *values)
    assert [r["value"] for r in records] == [*NUMBERS.values(), *NOT_NUMBERS]


@pytest.mark.parametrize("shell", SHELLS)
def test_a_condition_runs_its_command_and_returns_its_truth(shell):
    script = """
    if odin_condition "three is three" [ 3 -eq 3 ]; then echo yes >&2; fi
    odin_condition "grep finds nothing" grep -q x /dev/null || echo no >&2
    false; odin_condition "status of the previous command" || echo previous >&2
    odin_condition "exit code 2 counts as false" sh -c 'exit 2'; echo "returned $?" >&2
    """
    code, err, records = run_sh(shell, script)
    assert (code, err) == (0, "yes\nno\nprevious\nreturned 1\n")
    assert [(r["name"], r["value"]) for r in records] == [
        ("three is three", True), ("grep finds nothing", False), ("status of the previous command", False),
        ("exit code 2 counts as false", False)]


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(("script", "code", "success"), [
    ("odin_result 'nothing checked'", 0, True),
    ("odin_condition ok true; odin_condition bad false; odin_result 'last was false'", 1, False),
    ("odin_condition bad false; odin_condition ok true; odin_result 'last was true'", 0, True),
    ("odin_condition bad false; odin_result 'told' true", 0, True),
    ("odin_result 'told' false", 1, False),
], ids=["no condition", "last false", "last true", "told success", "told failure"])
def test_a_result_ends_the_job_with_the_exit_code_of_its_outcome(shell, script, code, success):
    exit_code, _, records = run_sh(shell, script + "\necho not reached >&2; exit 7")
    assert exit_code == code
    assert (records[-1]["kind"], records[-1]["success"]) == ("result", success)


@pytest.mark.parametrize("shell", SHELLS)
def test_misuse_is_reported_on_stderr(shell):
    code, err, records = run_sh(shell, "odin_watch only_a_name; echo $? >&2; odin_result done maybe")
    assert code == 2
    assert err == ("odin_watch: usage: odin_watch NAME VALUE\n2\n"
                   "odin_result: success must be true or false, not maybe\n")
    assert records == []


@pytest.mark.parametrize("shell", SHELLS)
def test_a_pipe_on_a_descriptor_above_nine_works(shell):
    code, _, records = run_sh(shell, "odin_watch n 1; odin_result done", high_fd=True)
    assert code == 0
    assert [r["kind"] for r in records] == ["watch", "result"]


@pytest.mark.parametrize("shell", SHELLS)
def test_the_library_works_under_set_eu(shell):
    code, err, records = run_sh(shell, "set -eu; odin_watch n 1; odin_condition ok true; odin_result done")
    assert (code, err, len(records)) == (0, "", 3)


@pytest.mark.parametrize("shell", SHELLS)
def test_without_a_pipe_records_are_printed_readably_and_nothing_is_sent(shell):
    script = "odin_watch files 3; odin_watch text 'é \"q\"'; odin_condition 'few' true; odin_result 'all good'"
    code, err, _ = run_sh(shell, script, pipe=False)
    assert code == 0
    assert err == ('odin: watch files = 3\nodin: watch text = "é \\"q\\""\n'
                   "odin: condition (few) is true\nodin: result (success): all good\n")


@pytest.mark.parametrize("shell", SHELLS)
def test_a_descriptor_that_is_not_a_pipe_means_local_mode(shell, tmp_path):
    code, err, _ = run_sh(shell, "odin_watch n 1", pipe=False, env={FD_ENV: "1"})
    assert (code, err) == (0, "odin: watch n = 1\n")


@pytest.mark.parametrize("shell", SHELLS)
def test_odin_mock_forces_local_mode_under_odin(shell):
    code, err, records = run_sh(shell, "odin_mock; odin_watch n 1")
    assert (code, err, records) == (0, "odin: watch n = 1\n", [])
