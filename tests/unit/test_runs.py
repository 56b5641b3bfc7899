"""Assembling runs from journal entries: outcomes, records in order, batches, output and unfinished runs."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from odin.runs import MESSAGE_UNIT_FAILURE, MESSAGE_UNIT_SUCCESS, RunOutcome, build_runs, run_from_summary

RUN_A, RUN_B = "a" * 32, "b" * 32


def entry(run: str, micros: int, **fields: str) -> dict[str, str]:
    return {"ODIN_JOB": "prune", "ODIN_RUN": run, "__REALTIME_TIMESTAMP": str(micros), **fields}


def start(run: str, micros: int, when: str) -> dict[str, str]:
    return entry(run, micros, ODIN_KIND="start", ODIN_START=when)


def summary(run: str, micros: int, **fields: str) -> dict[str, str]:
    base = {"ODIN_KIND": "summary", "ODIN_START": "2025-06-04T17:00:00.000000Z",
            "ODIN_END": "2025-06-04T17:00:01.500000Z", "ODIN_DURATION": "1.500000", "ODIN_OUTCOME": "success",
            "ODIN_EXIT_CODE": "0"}
    return entry(run, micros, **(base | fields))


def output(run: str, micros: int, text: str) -> dict[str, str]:
    return {"_SYSTEMD_INVOCATION_ID": run, "__REALTIME_TIMESTAMP": str(micros), "MESSAGE": text,
            "_TRANSPORT": "stdout"}


def test_a_finished_run_has_its_summary_records_and_output():
    entries = [
        start(RUN_A, 1, "2025-06-04T17:00:00.000000Z"),
        output(RUN_A, 2, "hello"),
        entry(RUN_A, 3, ODIN_KIND="watch", ODIN_NAME="files", ODIN_VALUE="12", ODIN_SEQ="0",
              ODIN_TIME="2025-06-04T17:00:00.100000Z"),
        entry(RUN_A, 4, ODIN_KIND="result", ODIN_NAME="result", ODIN_VALUE='"12 files"', ODIN_SEQ="1",
              ODIN_SUCCESS="true", ODIN_TIME="2025-06-04T17:00:00.200000Z"),
        summary(RUN_A, 5, ODIN_RESULT="12 files"),
    ]
    [run] = build_runs("prune", entries)
    assert (run.run, run.outcome, run.exit_code, run.duration_s, run.result) == (
        RUN_A, RunOutcome.SUCCESS, 0, 1.5, "12 files")
    assert run.start == datetime(2025, 6, 4, 17, tzinfo=timezone.utc)
    assert [(r.kind, r.name, r.value, r.success) for r in run.records] == [
        ("watch", "files", 12, None), ("result", "result", "12 files", True)]
    assert [line.text for line in run.output] == ["hello"]


def test_the_json_form_has_the_fields_odin_log_promises():
    [run] = build_runs("prune", [summary(RUN_A, 5, ODIN_OUTCOME="failure", ODIN_EXIT_CODE="1",
                                         ODIN_REASON="exited with code 1")])
    data = run.to_json()
    assert data == {"run": RUN_A, "start": "2025-06-04T17:00:00.000000Z", "end": "2025-06-04T17:00:01.500000Z",
                    "duration_s": 1.5, "exit_code": 1, "outcome": "failure", "result": None,
                    "reason": "exited with code 1", "records": [], "output": []}
    json.dumps(data)


def test_batched_values_are_spread_back_into_records_in_sequence_order():
    batch = [[0, "2025-06-04T17:00:00.000001Z", 1], [2, "2025-06-04T17:00:00.000003Z", 2]]
    entries = [
        start(RUN_A, 1, "2025-06-04T17:00:00.000000Z"),
        entry(RUN_A, 9, ODIN_KIND="watch", ODIN_NAME="i", ODIN_VALUE="2", ODIN_SEQ="0", ODIN_COUNT="2",
              ODIN_BATCH=json.dumps(batch)),
        entry(RUN_A, 8, ODIN_KIND="condition", ODIN_NAME="ok", ODIN_VALUE="true", ODIN_SEQ="1",
              ODIN_TIME="2025-06-04T17:00:00.000002Z"),
    ]
    [run] = build_runs("prune", entries)
    assert [(r.kind, r.name, r.value) for r in run.records] == [("watch", "i", 1), ("condition", "ok", True),
                                                                ("watch", "i", 2)]


def test_runs_are_newest_first():
    entries = [summary(RUN_A, 1, ODIN_START="2025-06-04T17:00:00.000000Z"),
               summary(RUN_B, 2, ODIN_START="2025-06-05T17:00:00.000000Z")]
    assert [r.run for r in build_runs("prune", entries)] == [RUN_B, RUN_A]


def test_the_newest_run_without_a_summary_is_running_and_an_older_one_failed():
    entries = [start(RUN_A, 1, "2025-06-04T17:00:00.000000Z"), start(RUN_B, 2, "2025-06-05T17:00:00.000000Z")]
    newest, older = build_runs("prune", entries)
    assert (newest.run, newest.outcome, newest.end) == (RUN_B, RunOutcome.RUNNING, None)
    assert (older.outcome, older.reason) == (RunOutcome.FAILURE, "the run wrote no summary (its wrapper was killed)")


def test_a_run_without_summary_takes_systemds_verdict_when_there_is_one():
    failed = {"INVOCATION_ID": RUN_A, "MESSAGE_ID": MESSAGE_UNIT_FAILURE, "UNIT_RESULT": "signal",
              "__REALTIME_TIMESTAMP": "1749056402000000"}
    [run] = build_runs("prune", [start(RUN_A, 1, "2025-06-04T17:00:00.000000Z"), failed])
    assert run.outcome is RunOutcome.FAILURE
    assert run.reason == "the run wrote no summary; systemd reports result 'signal'"
    succeeded = failed | {"MESSAGE_ID": MESSAGE_UNIT_SUCCESS}
    [run] = build_runs("prune", [start(RUN_A, 1, "2025-06-04T17:00:00.000000Z"), succeeded])
    assert run.outcome is RunOutcome.SUCCESS and run.end is not None


def test_warnings_are_kept_and_entries_of_unknown_runs_ignored():
    entries = [summary(RUN_A, 5), entry(RUN_A, 3, ODIN_KIND="warning", MESSAGE="record line ignored: not valid JSON"),
               output(RUN_B, 4, "stray line")]
    [run] = build_runs("prune", entries)
    assert run.warnings == ("record line ignored: not valid JSON",)


def test_a_killed_run_has_no_exit_code_but_a_signal():
    [run] = build_runs("prune", [summary(RUN_A, 1, ODIN_EXIT_CODE="", ODIN_SIGNAL="SIGKILL", ODIN_OUTCOME="failure")])
    assert (run.exit_code, run.signal, run.outcome) == (None, "SIGKILL", RunOutcome.FAILURE)


def test_one_summary_alone_makes_the_same_run_as_build_runs():
    failed = summary(RUN_A, 7, ODIN_OUTCOME="failure", ODIN_EXIT_CODE="3", ODIN_REASON="exited with code 3")
    expected = build_runs("prune", [failed])[0]
    assert run_from_summary("prune", failed) == expected
    without_kind = {k: v for k, v in failed.items() if k not in ("ODIN_KIND", "ODIN_JOB")}
    assert run_from_summary("prune", without_kind) == expected
    assert (expected.exit_code, expected.duration_s, str(expected.outcome)) == (3, 1.5, "failure")
