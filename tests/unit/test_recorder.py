"""The in-job library: the Recorder, the names it finds in the source, test mode, ``odin.config`` and import cost."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import odin
from odin.errors import JobFileError
from odin.recorder import Recorder, open_record_fd
from odin.records import decode_record

ROOT = Path(__file__).resolve().parents[2]


def lines_of(stream: io.StringIO) -> list[dict[str, object]]:
    return [decode_record(line) for line in stream.getvalue().splitlines()]


def test_watch_records_the_value_under_the_arguments_source_text_and_returns_it():
    stream = io.StringIO()
    recorder = Recorder(stream=stream)
    listeners = [1, 2, 3]
    assert recorder.watch(len(listeners)) == 3
    assert recorder.watch(listeners) is listeners
    records = lines_of(stream)
    assert [(r["kind"], r["name"], r["value"]) for r in records] == [
        ("watch", "len(listeners)", 3), ("watch", "listeners", [1, 2, 3])]


def test_a_call_spread_over_lines_is_named_by_its_whole_argument():
    stream = io.StringIO()
    recorder = Recorder(stream=stream)
    total = recorder.watch(
        sum([1,
             2])
    )
    assert total == 3
    assert lines_of(stream)[0]["name"] == "sum([1, 2])"


def test_each_call_site_keeps_its_own_name_in_a_loop():
    stream = io.StringIO()
    recorder = Recorder(stream=stream)
    for i in range(3):
        recorder.watch(i)
        recorder.watch(i * 10)
    assert [r["name"] for r in lines_of(stream)] == ["i", "i * 10"] * 3


def test_an_explicit_name_wins():
    stream = io.StringIO()
    Recorder(stream=stream).watch(5, name="files left")
    assert lines_of(stream)[0]["name"] == "files left"


def test_condition_records_the_boolean_under_the_expression_and_returns_it():
    stream = io.StringIO()
    recorder = Recorder(stream=stream)
    x = 0
    assert recorder.condition(x == 0) is True
    assert recorder.condition([], "queue has items") is False
    assert [(r["kind"], r["name"], r["value"]) for r in lines_of(stream)] == [
        ("condition", "x == 0", True), ("condition", "queue has items", False)]


def test_result_ends_the_job_with_success_from_the_last_condition():
    stream = io.StringIO()
    recorder = Recorder(stream=stream)
    recorder.condition(True)
    recorder.condition(False)
    with pytest.raises(SystemExit) as ended:
        recorder.result("too many files")
    assert ended.value.code == 1
    last = lines_of(stream)[-1]
    assert (last["kind"], last["name"], last["value"], last["success"]) == ("result", "result", "too many files",
                                                                           False)


def test_result_succeeds_when_no_condition_was_recorded():
    stream = io.StringIO()
    with pytest.raises(SystemExit) as ended:
        Recorder(stream=stream).result("nothing to check")
    assert ended.value.code == 0 and lines_of(stream)[-1]["success"] is True


def test_result_success_can_be_given_and_overrides_the_last_condition():
    stream = io.StringIO()
    recorder = Recorder(stream=stream)
    recorder.condition(False)
    with pytest.raises(SystemExit) as ended:
        recorder.result(42, success=True)
    assert ended.value.code == 0 and lines_of(stream)[-1]["value"] == "42"


def test_test_mode_prints_readable_lines_and_keeps_the_records():
    shown = io.StringIO()
    recorder = Recorder(shown, local=True)
    n = 3
    recorder.watch(n)
    recorder.watch("a b", "text")
    recorder.condition(n > 5)
    with pytest.raises(SystemExit):
        recorder.result("small")
    assert shown.getvalue().splitlines() == [
        "odin: watch n = 3", 'odin: watch text = "a b"', "odin: condition (n > 5) is false",
        "odin: result (failure): small"]
    assert recorder.records == [("watch", "n", 3, None), ("watch", "text", "a b", None),
                                ("condition", "n > 5", False, None), ("result", "result", "small", False)]


def test_without_a_record_pipe_the_recorder_is_in_test_mode():
    assert Recorder.from_environment({}).local
    assert Recorder.from_environment({"ODIN_RECORD_FD": "not a number"}).local


def test_a_record_fd_that_is_not_an_open_pipe_means_test_mode(tmp_path):
    with open(tmp_path / "plain", "w") as file:
        assert open_record_fd({"ODIN_RECORD_FD": str(file.fileno())}) is None
    read_fd, write_fd = os.pipe()
    os.close(write_fd)
    os.close(read_fd)
    assert open_record_fd({"ODIN_RECORD_FD": str(write_fd)}) is None


def test_records_go_down_the_pipe_named_in_the_environment():
    read_fd, write_fd = os.pipe()
    try:
        recorder = Recorder.from_environment({"ODIN_RECORD_FD": str(write_fd)})
        assert not recorder.local
        recorder.watch(7, "seven")
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as pipe:
            record = decode_record(pipe.read())
    finally:
        for fd in (read_fd, write_fd):
            try:
                os.close(fd)
            except OSError:
                pass
    assert (record["name"], record["value"]) == ("seven", 7)


def test_a_closed_pipe_sends_later_records_to_stderr_without_failing(capsys):
    read_fd, write_fd = os.pipe()
    os.close(read_fd)
    recorder = Recorder(fd=write_fd)
    try:
        assert recorder.watch(1, "one") == 1
        recorder.watch(2, "two")
    finally:
        os.close(write_fd)
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("odin: the record pipe is gone")
    assert err[1:] == ["odin: watch one = 1", "odin: watch two = 2"]
    assert recorder.local


def run_job(tmp_path: Path, source: str, env: dict[str, str] | None = None,
            python: str = sys.executable) -> subprocess.CompletedProcess[str]:
    job = tmp_path / "job.py"
    job.write_text(textwrap.dedent(source))
    environ = {k: v for k, v in os.environ.items() if k != "ODIN_RECORD_FD"}
    environ["PYTHONPATH"] = str(ROOT)
    return subprocess.run([python, str(job)], capture_output=True, text=True, cwd=tmp_path,
                          env=environ | (env or {}))


def test_a_job_run_by_hand_prints_its_records_to_stderr(tmp_path):
    done = run_job(tmp_path, """
        import odin
        listeners = odin.watch(12)
        if odin.condition(listeners > 10):
            odin.result("busy")
        print("not reached")
    """)
    assert done.returncode == 0 and done.stdout == ""
    assert done.stderr.splitlines() == ["odin: watch 12 = 12", "odin: condition (listeners > 10) is true",
                                        "odin: result (success): busy"]


def test_mock_forces_test_mode_and_returns_the_recorder():
    shown = io.StringIO()
    recorder = odin.mock(shown)
    try:
        value = 9
        assert odin.watch(value) == 9
        assert odin.condition(value > 10) is False
        with pytest.raises(SystemExit):
            odin.result("done")
    finally:
        odin._recorder = None
    assert recorder.records[0] == ("watch", "value", 9, None)
    assert recorder.records[-1] == ("result", "result", "done", False)
    assert shown.getvalue().splitlines()[0] == "odin: watch value = 9"


def test_names_come_from_the_line_when_the_interpreter_keeps_no_columns(tmp_path):
    done = run_job(tmp_path, """
        import odin
        files = [1, 2]
        odin.watch(len(files))
        if odin.condition(len(files) > 1): pass
    """, env={"PYTHONNODEBUGRANGES": "1"})
    assert done.stderr.splitlines() == ["odin: watch len(files) = 2", "odin: condition (len(files) > 1) is true"]


def test_a_call_without_source_is_named_by_its_line(tmp_path):
    done = subprocess.run([sys.executable, "-c", "import odin\nodin.watch(5)"], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT)})
    assert done.stderr.splitlines() == ["odin: watch line 2 = 5"]


def test_config_reads_the_job_file_beside_the_program(tmp_path):
    (tmp_path / "odin_job.yml").write_text("job:\n  name: prune\n  args: [1, 2]\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    job = tmp_path / "job.py"
    job.write_text("import json, odin\nprint(json.dumps(odin.config()))\n")
    done = subprocess.run([sys.executable, str(job)], capture_output=True, text=True, cwd=elsewhere,
                          env={"PYTHONPATH": str(ROOT)})
    assert json.loads(done.stdout) == {"job": {"name": "prune", "args": [1, 2]}}


def test_config_names_the_file_it_cannot_read(tmp_path):
    with pytest.raises(JobFileError, match="missing.yml: cannot read the job file"):
        odin.config(tmp_path / "missing.yml")
    (tmp_path / "list.yml").write_text("- a\n- b\n")
    with pytest.raises(JobFileError, match="expected a YAML mapping"):
        odin.config(tmp_path / "list.yml")


def test_importing_odin_and_recording_loads_no_heavy_library():
    heavy = ["lark", "typer", "flask", "pystemd", "prometheus_client", "yaml", "dataclasses"]
    code = ("import sys, odin; odin.watch(1, 'a'); n = 2; odin.watch(n); odin.condition(n > 1); "
            f"print([m for m in {heavy!r} if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
