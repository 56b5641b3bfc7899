"""The fast reader of run summaries (``odin list``'s last runs, the jobs page's sparklines), on the real journal."""
from __future__ import annotations

import uuid

from odin import entries
from odin.journal import JournalWriter
from odin.summaries import RecentRuns, RunHistory, recent_runs


def _write_runs(job: str, durations: list[float], outcome: str = "success", second: int = 0) -> list[str]:
    writer = JournalWriter()
    runs = []
    for i, duration in enumerate(durations, start=second):
        run = uuid.uuid4().hex
        writer.send(entries.summary_fields(job, run, start=f"2025-06-04T17:00:{i:02d}.000000Z",
                                           end=f"2025-06-04T17:00:{i:02d}.500000Z", duration=duration,
                                           returncode=0 if outcome == "success" else 3, outcome=outcome,
                                           result="done" if outcome == "success" else None,
                                           reason=None if outcome == "success" else "exited with code 3",
                                           records=0, warnings=0))
        runs.append(run)
    writer.close()
    return runs


def _ids() -> tuple[str, str]:
    return f"odin-t-{uuid.uuid4().hex[:8]}", f"odin-t-{uuid.uuid4().hex[:8]}"


def test_each_job_gets_its_last_durations_oldest_first_and_its_newest_run(wait_until):
    busy, rare = _ids()
    [rare_run] = _write_runs(rare, [9.0], outcome="failure")
    _write_runs(busy, [1.0, 2.0, 3.0, 4.0])
    found = wait_until(lambda: (r := recent_runs([busy, rare], per_job=3)) and r[busy].durations == (2.0, 3.0, 4.0)
                       and r)
    assert str(found[busy].last.outcome) == "success"
    assert found[busy].last.start.isoformat() == "2025-06-04T17:00:03+00:00"
    assert found[busy].last.result == "done"
    assert found[rare].durations == (9.0,)
    last = found[rare].last
    assert (last.job, last.run, str(last.outcome), last.exit_code, last.duration_s, last.reason) == \
        (rare, rare_run, "failure", 3, 9.0, "exited with code 3")
    assert last.end.isoformat() == "2025-06-04T17:00:00.500000+00:00"


def test_a_job_that_runs_rarely_is_still_found_after_a_short_scan(wait_until):
    busy, rare = _ids()
    _write_runs(rare, [7.0, 8.0])
    _write_runs(busy, [1.0] * 20)
    found = wait_until(lambda: (r := recent_runs([busy, rare], per_job=2, scan_factor=1)) and r[rare].durations and r)
    assert found[rare].durations == (7.0, 8.0)
    assert found[busy].durations == (1.0, 1.0)


def test_a_job_without_runs_has_none():
    assert list(recent_runs(["odin-t-none"], per_job=5).values()) == [RecentRuns()]


def test_a_kept_history_adds_the_runs_written_since_its_last_read(wait_until):
    busy, quiet = _ids()
    _write_runs(busy, [1.0, 2.0])
    history = RunHistory(per_job=3)
    wait_until(lambda: history.recent([busy])[busy].durations == (1.0, 2.0))
    assert history.recent([busy, quiet])[quiet] == RecentRuns()
    [newest] = _write_runs(busy, [3.0, 4.0], second=2)[1:]
    _write_runs(quiet, [5.0])
    found = wait_until(lambda: (r := history.recent([busy, quiet])) and r[quiet].durations and r)
    assert found[busy].durations == (2.0, 3.0, 4.0)
    assert found[busy].last.run == newest
    assert found[quiet].durations == (5.0,)
    assert found == recent_runs([busy, quiet], per_job=3)
