"""``odin log``'s text forms (the run table, one run with its output and records in time order) and its
answers for jobs it does not know, read from an empty journal directory."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from odin.commands.log import format_ending, format_record, format_run, format_runs
from odin.jobdir import JobRecord
from odin.records import Kind
from odin.runs import OutputLine, Record, RunOutcome, RunRecord

T0 = datetime(2025, 6, 4, 17, 0, tzinfo=timezone.utc)


def at(ms: int) -> datetime:
    return T0 + timedelta(milliseconds=ms)


RUN = RunRecord(job="prune", run="0123456789abcdef0123456789abcdef", start=T0, end=at(1500), duration_s=1.5,
                exit_code=1, outcome=RunOutcome.FAILURE, result="12 files left", reason="the result reported failure",
                records=(Record(Kind.WATCH, "files", 12, at(10)), Record(Kind.CONDITION, "files == 0", False, at(20)),
                         Record(Kind.RESULT, "result", "12 files left", at(30), success=False)),
                output=(OutputLine(at(5), "scanning"), OutputLine(at(15), "done scanning")))


def test_the_run_table_has_one_row_per_run_newest_first():
    running = RunRecord(job="prune", run="f" * 32, start=at(60_000))
    lines = format_runs("prune", [running, RUN]).splitlines()
    assert lines[0].split() == ["RUN", "START", "DURATION", "OUTCOME", "RESULT"]
    assert lines[1].split()[0] == "f" * 12 and lines[1].split()[3:5] == ["-", "running"]
    assert lines[2].split()[0] == "0123456789ab" and lines[2].endswith("failure  12 files left")


def test_no_runs_says_so():
    assert format_runs("prune", []) == "no runs of 'prune' in the journal"


def test_records_read_as_short_lines():
    assert [format_record(r) for r in RUN.records] == [
        "[watch] files = 12", "[condition] files == 0: false", "[result] failure: 12 files left"]


def test_one_run_shows_how_it_ended_then_output_and_records_in_time_order():
    lines = format_run(RUN).splitlines()
    assert lines[0] == "run 0123456789abcdef0123456789abcdef of prune: failed after 1.500 s (exit code 1)"
    assert lines[2:4] == ["result: 12 files left", "reason: the result reported failure"]
    body = [line.split("  ", 1)[1] for line in lines[lines.index("") + 1:]]
    assert body == ["scanning", "[watch] files = 12", "done scanning", "[condition] files == 0: false",
                    "[result] failure: 12 files left"]


def test_a_killed_run_names_its_signal():
    killed = RunRecord(job="j", run="r", start=T0, end=at(10), duration_s=0.01, signal="SIGKILL",
                       outcome=RunOutcome.FAILURE)
    assert format_ending(killed) == "run r of j: failed after 0.010 s (killed by SIGKILL)"


@pytest.fixture
def empty_journal(tmp_path, monkeypatch):
    (tmp_path / "journal").mkdir()
    monkeypatch.setenv("ODIN_JOURNAL_DIR", str(tmp_path / "journal"))
    monkeypatch.setenv("ODIN_JOBS_DIR", str(tmp_path / "jobs"))
    monkeypatch.setenv("ODIN_CONFIG", str(tmp_path / "no-config.yml"))
    return tmp_path


@pytest.mark.parametrize("argv", [[], ["--run", "0123"], ["-f"], ["--run", "0123", "-f"]])
def test_a_job_neither_deployed_nor_in_the_journal_is_unknown(cli, empty_journal, argv):
    assert cli("log", "ghost", *argv) == (
        1, "", "odin: no job named 'ghost': it is not deployed and has no runs in the journal\n")


def test_a_deployed_job_that_never_ran_has_no_runs(cli, empty_journal):
    meta = empty_journal / "jobs" / "quiet" / ".odin"
    meta.mkdir(parents=True)
    (meta / "state.json").write_text(JobRecord("quiet", "/src/quiet.yml", "root").to_json())
    assert cli("log", "quiet") == (0, "no runs of 'quiet' in the journal\n", "")


@pytest.mark.parametrize("follow", [[], ["-f"]])
def test_an_empty_run_id_is_bad_input(cli, empty_journal, follow):
    code, out, err = cli("log", "quiet", "--run", "", *follow)
    assert (code, out, err.splitlines()[0]) == (2, "", "odin: empty run ID")
