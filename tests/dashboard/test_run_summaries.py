"""The jobs page's fast reader of run summaries, against the sandbox's real journal."""
from __future__ import annotations

import uuid

import pytest

from dashboard.summaries import RecentRuns, recent_runs
from odin import entries
from odin.journal import JournalWriter

pytestmark = pytest.mark.system


def _write_runs(job: str, durations: list[float], outcome: str = "success") -> None:
    writer = JournalWriter()
    for i, duration in enumerate(durations):
        run = uuid.uuid4().hex
        writer.send(entries.summary_fields(job, run, start=f"2025-06-04T17:00:{i:02d}.000000Z",
                                           end=f"2025-06-04T17:00:{i:02d}.500000Z", duration=duration, returncode=0,
                                           outcome=outcome, result=None, reason=None, records=0, warnings=0))
    writer.close()


def _ids() -> tuple[str, str]:
    return f"odin-t-{uuid.uuid4().hex[:8]}", f"odin-t-{uuid.uuid4().hex[:8]}"


def test_each_job_gets_its_last_durations_oldest_first_and_its_newest_run(sandboxed, wait_until):
    busy, rare = _ids()
    _write_runs(rare, [9.0], outcome="failure")
    _write_runs(busy, [1.0, 2.0, 3.0, 4.0])
    found = wait_until(lambda: (r := recent_runs([busy, rare], per_job=3)) and r[busy].durations == (2.0, 3.0, 4.0)
                       and r)
    assert found[busy].last_outcome == "success"
    assert found[busy].last_start.isoformat() == "2025-06-04T17:00:03+00:00"
    assert found[rare] == RecentRuns(durations=(9.0,), last_start=found[rare].last_start, last_outcome="failure")


def test_a_job_that_runs_rarely_is_still_found_after_a_short_scan(sandboxed, wait_until):
    busy, rare = _ids()
    _write_runs(rare, [7.0, 8.0])
    _write_runs(busy, [1.0] * 20)
    found = wait_until(lambda: (r := recent_runs([busy, rare], per_job=2, scan_factor=1)) and r[rare].durations and r)
    assert found[rare].durations == (7.0, 8.0)
    assert found[busy].durations == (1.0, 1.0)


def test_a_job_without_runs_has_none(sandboxed):
    assert list(recent_runs(["odin-t-none"], per_job=5).values()) == [RecentRuns()]
