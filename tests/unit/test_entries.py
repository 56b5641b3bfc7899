"""Journal entries the wrapper writes, and the batching that keeps a busy job from flooding the journal."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from odin.entries import Batcher, batch_fields, record_fields, start_fields, summary_fields, warning_fields
from odin.records import Kind

T0 = datetime(2025, 6, 4, 17, 0, tzinfo=timezone.utc)


def record(kind: Kind, name: str, value: object, offset_ms: int = 0, success: bool | None = None) -> dict[str, object]:
    return {"kind": kind, "name": name, "value": value, "time": T0 + timedelta(milliseconds=offset_ms),
            "success": success}


def test_every_entry_names_the_job_run_and_kind():
    fields = start_fields("prune", "abc", "2025-06-04T17:00:00.000000Z", ["/usr/bin/python3", "-u", "job.py"])
    assert {k: fields[k] for k in ("ODIN_JOB", "ODIN_RUN", "ODIN_KIND", "SYSLOG_IDENTIFIER")} == {
        "ODIN_JOB": "prune", "ODIN_RUN": "abc", "ODIN_KIND": "start", "SYSLOG_IDENTIFIER": "odin-prune"}
    assert fields["ODIN_COMMAND"] == "/usr/bin/python3 -u job.py"
    assert fields["MESSAGE"] == "run started: /usr/bin/python3 -u job.py"


def test_a_record_entry_holds_name_json_value_time_and_sequence():
    fields = record_fields("prune", "abc", 4, record(Kind.WATCH, "files", {"n": [1, "é"]}, 5))
    assert fields["ODIN_KIND"] == "watch" and fields["ODIN_NAME"] == "files"
    assert json.loads(fields["ODIN_VALUE"]) == {"n": [1, "é"]} and "é" in fields["ODIN_VALUE"]
    assert fields["ODIN_TIME"] == "2025-06-04T17:00:00.005000Z" and fields["ODIN_SEQ"] == "4"
    assert fields["MESSAGE"] == 'watch files = {"n":[1,"é"]}'


def test_a_result_entry_says_whether_it_succeeded():
    fields = record_fields("j", "r", 0, record(Kind.RESULT, "result", "all done", success=False))
    assert fields["ODIN_SUCCESS"] == "false" and fields["MESSAGE"] == "result (failure): all done"
    assert fields["PRIORITY"] == "6"


def test_a_condition_entry_reads_as_a_sentence():
    assert record_fields("j", "r", 0, record(Kind.CONDITION, "x < 3", True))["MESSAGE"] == "condition (x < 3) is true"


def test_a_warning_keeps_the_offending_line_readable():
    fields = warning_fields("j", "r", "record line ignored: not valid JSON", b"oops \xff")
    assert fields["ODIN_KIND"] == "warning" and fields["PRIORITY"] == "4"
    assert fields["ODIN_LINE"] == "oops \\xff"


def test_a_summary_holds_start_end_duration_exit_code_outcome_result_and_reason():
    fields = summary_fields("j", "r", start="S", end="E", duration=1.5, returncode=1, outcome="failure",
                            result="too big", reason="the result reported failure", records=3, warnings=0)
    assert {k: fields[k] for k in ("ODIN_START", "ODIN_END", "ODIN_DURATION", "ODIN_EXIT_CODE", "ODIN_OUTCOME",
                                   "ODIN_RESULT", "ODIN_REASON", "ODIN_RECORDS")} == {
        "ODIN_START": "S", "ODIN_END": "E", "ODIN_DURATION": "1.500000", "ODIN_EXIT_CODE": "1",
        "ODIN_OUTCOME": "failure", "ODIN_RESULT": "too big", "ODIN_REASON": "the result reported failure",
        "ODIN_RECORDS": "3"}
    assert fields["MESSAGE"] == "run failed after 1.500 s: too big; the result reported failure"
    assert fields["PRIORITY"] == "3"


def test_a_summary_of_a_killed_run_names_the_signal_instead_of_an_exit_code():
    fields = summary_fields("j", "r", start="S", end="E", duration=2, returncode=-15, outcome="failure",
                            result=None, reason="killed by SIGTERM", records=0, warnings=0)
    assert fields["ODIN_SIGNAL"] == "SIGTERM" and "ODIN_EXIT_CODE" not in fields and "ODIN_RESULT" not in fields


def test_a_successful_summary_reads_succeeded():
    fields = summary_fields("j", "r", start="S", end="E", duration=0.25, returncode=0, outcome="success",
                            result=None, reason=None, records=0, warnings=0)
    assert fields["MESSAGE"] == "run succeeded in 0.250 s" and fields["PRIORITY"] == "6"


def test_a_batch_entry_keeps_every_value_with_its_sequence_and_time():
    batch = [(seq, record(Kind.WATCH, "i", seq, seq)) for seq in range(3)]
    fields = batch_fields("j", "r", batch)
    assert fields["ODIN_COUNT"] == "3" and fields["ODIN_VALUE"] == "2" and fields["ODIN_SEQ"] == "0"
    assert json.loads(fields["ODIN_BATCH"]) == [[0, "2025-06-04T17:00:00.000000Z", 0],
                                                [1, "2025-06-04T17:00:00.001000Z", 1],
                                                [2, "2025-06-04T17:00:00.002000Z", 2]]
    assert fields["MESSAGE"] == "watch i: 3 values, last = 2"


def test_watches_wait_for_the_window_and_conditions_do_not():
    batcher = Batcher("j", "r", window=0.25)
    assert batcher.wait(0.0) is None
    batcher.add(record(Kind.WATCH, "a", 1), now=10.0)
    assert batcher.wait(10.1) == pytest.approx(0.15)
    assert batcher.wait(10.3) == 0.0
    batcher.add(record(Kind.CONDITION, "c", True), now=10.05)
    assert batcher.wait(10.05) == 0.0


def test_too_many_or_too_large_records_are_due_at_once():
    by_count = Batcher("j", "r", max_pending=3)
    for i in range(3):
        by_count.add(record(Kind.WATCH, "a", i), now=0.0)
    assert by_count.wait(0.0) == 0.0
    by_size = Batcher("j", "r", max_bytes=100)
    by_size.add(record(Kind.WATCH, "a", "x" * 200), now=0.0, size=220)
    assert by_size.wait(0.0) == 0.0


def test_a_window_of_records_becomes_one_entry_per_watched_name_in_order_of_first_record():
    batcher = Batcher("j", "r")
    batcher.add(record(Kind.WATCH, "a", 1), 0.0)
    batcher.add(record(Kind.WATCH, "b", 10), 0.0)
    batcher.add(record(Kind.WATCH, "a", 2), 0.0)
    batcher.add(record(Kind.CONDITION, "a > 1", True), 0.0)
    batcher.add(record(Kind.WATCH, "a", 3), 0.0)
    entries = batcher.take()
    assert [(e["ODIN_KIND"], e["ODIN_NAME"], e.get("ODIN_COUNT")) for e in entries] == [
        ("watch", "a", "3"), ("watch", "b", None), ("condition", "a > 1", None)]
    assert [seq for seq, _, _ in json.loads(entries[0]["ODIN_BATCH"])] == [0, 2, 4]
    assert entries[1]["ODIN_SEQ"] == "1" and entries[2]["ODIN_SEQ"] == "3"
    assert batcher.take() == [] and batcher.count == 5 and batcher.wait(1.0) is None


def test_a_hundred_thousand_watches_make_few_entries_and_keep_every_value():
    batcher = Batcher("j", "r")
    entries = []
    for i in range(100_000):
        batcher.add(record(Kind.WATCH, "i", i), now=i * 1e-6)
        if batcher.wait(i * 1e-6) == 0.0:
            entries += batcher.take()
    entries += batcher.take()
    assert len(entries) == 100
    values = [value for e in entries for _, _, value in json.loads(e["ODIN_BATCH"])]
    assert values == list(range(100_000))
