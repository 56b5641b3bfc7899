"""Next run times: equal to systemd's own calendar on every case, and to lists written out by hand."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from odin.calendar import next_runs
from odin.grammar import compile_schedule

DATA = Path(__file__).resolve().parent.parent / "data" / "schedules_vs_systemd.txt"
COUNT = 12


def _cases() -> list[tuple[str, str]]:
    cases = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            base, text = (part.strip() for part in line.split("|", 1))
            cases.append((base, text))
    return cases


CASES = _cases()
needs_systemd_analyze = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                           reason="systemd-analyze is not installed")


def systemd_next(expression: str, base: datetime, count: int) -> list[datetime]:
    """What ``systemd-analyze calendar`` says, up to the point where systemd itself gives up."""
    while count > 0:
        out = subprocess.run(
            ["systemd-analyze", "calendar", f"--iterations={count}",
             f"--base-time=@{int(base.timestamp())}", expression],
            capture_output=True, text=True, env={**os.environ, "TZ": "UTC", "SYSTEMD_COLORS": "0"}, check=False)
        if out.returncode == 0:
            if "Next elapse: never" in out.stdout:
                return []
            stamps = re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ (\S+ \S+) UTC", out.stdout)
            return [datetime.fromisoformat(s).replace(tzinfo=timezone.utc) for s in stamps]
        count -= 1  # systemd failed at the last iteration (its loop guard); keep what it did compute
    return []


def test_the_table_covers_at_least_eighty_schedules():
    assert len({text for _, text in CASES}) >= 80


@needs_systemd_analyze
@pytest.mark.parametrize(("base", "text"), CASES, ids=[f"{t} after {b}" for b, t in CASES])
def test_next_runs_equal_what_systemd_computes(base, text):
    compiled = compile_schedule(text)
    start = datetime.fromisoformat(base)
    expected: set[datetime] = set()
    for line in compiled.oncalendar:
        expected.update(systemd_next(line, start, COUNT))
    ours = next_runs(compiled, start, COUNT)
    assert [r.astimezone(timezone.utc) for r in ours] == sorted(expected)[:COUNT]
    assert all(r > start for r in ours)
    assert all(str(r.tzinfo) == compiled.timezone for r in ours)


HAND_WRITTEN = [
    ("every day at 17:30", "2025-01-01T00:00:00+00:00",
     ["2025-01-01T17:30:00+00:00", "2025-01-02T17:30:00+00:00", "2025-01-03T17:30:00+00:00"]),
    ("everyday at 17:30", "2025-01-01T17:30:00+00:00",
     ["2025-01-02T17:30:00+00:00", "2025-01-03T17:30:00+00:00"]),
    ("every Wednesday at 17:00", "2025-01-01T00:00:00+00:00",
     ["2025-01-01T17:00:00+00:00", "2025-01-08T17:00:00+00:00", "2025-01-15T17:00:00+00:00"]),
    ("every 1st at 12:00", "2025-01-15T00:00:00+00:00",
     ["2025-02-01T12:00:00+00:00", "2025-03-01T12:00:00+00:00", "2025-04-01T12:00:00+00:00"]),
    ("every January 4th at 13:15", "2025-01-05T00:00:00+00:00",
     ["2026-01-04T13:15:00+00:00", "2027-01-04T13:15:00+00:00"]),
    ("every minute", "2025-01-01T00:00:30+00:00",
     ["2025-01-01T00:01:00+00:00", "2025-01-01T00:02:00+00:00", "2025-01-01T00:03:00+00:00"]),
    ("every hour", "2025-01-01T00:00:00+00:00",
     ["2025-01-01T01:00:00+00:00", "2025-01-01T02:00:00+00:00", "2025-01-01T03:00:00+00:00"]),
    ("every 1st at 12:00 and every 15th at 12:00 and every Friday at 17:00", "2025-01-01T00:00:00+00:00",
     ["2025-01-01T12:00:00+00:00", "2025-01-03T17:00:00+00:00", "2025-01-10T17:00:00+00:00",
      "2025-01-15T12:00:00+00:00", "2025-01-17T17:00:00+00:00"]),
    ("every day at 12:00 and every Friday at 12:00", "2025-01-01T00:00:00+00:00",
     ["2025-01-01T12:00:00+00:00", "2025-01-02T12:00:00+00:00", "2025-01-03T12:00:00+00:00",
      "2025-01-04T12:00:00+00:00"]),
    ("every Monday, Wednesday and Friday at 09:00", "2025-01-01T00:00:00+00:00",
     ["2025-01-01T09:00:00+00:00", "2025-01-03T09:00:00+00:00", "2025-01-06T09:00:00+00:00"]),
    ("every Monday to Friday at 08:00", "2025-01-03T09:00:00+00:00",
     ["2025-01-06T08:00:00+00:00", "2025-01-07T08:00:00+00:00", "2025-01-08T08:00:00+00:00"]),
    ("every weekday at 08:00", "2025-01-03T09:00:00+00:00",
     ["2025-01-06T08:00:00+00:00", "2025-01-07T08:00:00+00:00", "2025-01-08T08:00:00+00:00"]),
    ("every weekend at 10:00", "2025-01-01T00:00:00+00:00",
     ["2025-01-04T10:00:00+00:00", "2025-01-05T10:00:00+00:00", "2025-01-11T10:00:00+00:00"]),
    ("every day at 09:00 and 17:00", "2025-01-01T10:00:00+00:00",
     ["2025-01-01T17:00:00+00:00", "2025-01-02T09:00:00+00:00", "2025-01-02T17:00:00+00:00"]),
    ("every Monday at 09:00, 13:00 and 17:00", "2025-01-06T10:00:00+00:00",
     ["2025-01-06T13:00:00+00:00", "2025-01-06T17:00:00+00:00", "2025-01-13T09:00:00+00:00"]),
    ("every 2nd Tuesday at 10:00", "2025-01-01T00:00:00+00:00",
     ["2025-01-14T10:00:00+00:00", "2025-02-11T10:00:00+00:00", "2025-03-11T10:00:00+00:00"]),
    ("every last Friday at 17:00", "2025-01-01T00:00:00+00:00",
     ["2025-01-31T17:00:00+00:00", "2025-02-28T17:00:00+00:00", "2025-03-28T17:00:00+00:00"]),
    ("every last day at 23:00", "2025-01-01T00:00:00+00:00",
     ["2025-01-31T23:00:00+00:00", "2025-02-28T23:00:00+00:00", "2025-03-31T23:00:00+00:00"]),
    ("every 30 seconds", "2025-01-01T00:00:10+00:00",
     ["2025-01-01T00:00:30+00:00", "2025-01-01T00:01:00+00:00", "2025-01-01T00:01:30+00:00"]),
    ("every 15 minutes", "2025-01-01T00:07:00+00:00",
     ["2025-01-01T00:15:00+00:00", "2025-01-01T00:30:00+00:00", "2025-01-01T00:45:00+00:00"]),
    ("every 2 hours", "2025-01-01T01:00:00+00:00",
     ["2025-01-01T02:00:00+00:00", "2025-01-01T04:00:00+00:00", "2025-01-01T06:00:00+00:00"]),
    ("every 15 minutes from 09:00 to 17:00", "2025-01-01T16:40:00+00:00",
     ["2025-01-01T16:45:00+00:00", "2025-01-01T17:00:00+00:00", "2025-01-02T09:00:00+00:00"]),
    ("every hour on weekdays", "2025-01-03T22:30:00+00:00",
     ["2025-01-03T23:00:00+00:00", "2025-01-06T00:00:00+00:00", "2025-01-06T01:00:00+00:00"]),
    ("every day at 12am and 12pm", "2025-01-01T06:00:00+00:00",
     ["2025-01-01T12:00:00+00:00", "2025-01-02T00:00:00+00:00", "2025-01-02T12:00:00+00:00"]),
    ("every day at 9:30", "2025-01-01T00:00:00+00:00", ["2025-01-01T09:30:00+00:00"]),
    ("every day at 5:30 pm", "2025-01-01T00:00:00+00:00", ["2025-01-01T17:30:00+00:00"]),
    ("every 90 minutes", "2025-01-01T22:00:00+00:00",
     ["2025-01-01T22:30:00+00:00", "2025-01-02T00:00:00+00:00", "2025-01-02T01:30:00+00:00"]),
    # 02:30 does not exist on 2025-03-09 in New York: that day is skipped.
    ("every day at 02:30 in America/New_York", "2025-03-08T12:00:00+00:00",
     ["2025-03-10T02:30:00-04:00", "2025-03-11T02:30:00-04:00"]),
    # 01:30 happens twice on 2025-11-02 in New York: only the first (EDT) runs.
    ("every day at 01:30 in America/New_York", "2025-11-01T12:00:00+00:00",
     ["2025-11-02T01:30:00-04:00", "2025-11-03T01:30:00-05:00", "2025-11-04T01:30:00-05:00"]),
    ("every 30 minutes in America/New_York", "2025-11-02T04:40:00+00:00",
     ["2025-11-02T01:00:00-04:00", "2025-11-02T01:30:00-04:00", "2025-11-02T02:00:00-05:00"]),
    ("every 30 minutes in America/New_York", "2025-03-09T06:40:00+00:00",
     ["2025-03-09T03:00:00-04:00", "2025-03-09T03:30:00-04:00"]),
    ("every day at 01:30 in Europe/Dublin", "2025-03-29T12:00:00+00:00",
     ["2025-03-31T01:30:00+01:00", "2025-04-01T01:30:00+01:00"]),
    ("every day at 01:30 in Europe/Dublin", "2025-10-25T12:00:00+00:00",
     ["2025-10-26T01:30:00+01:00", "2025-10-27T01:30:00+00:00"]),
    # systemd 252 gives up on the whole day when an hour falls into Dublin's spring gap.
    ("every day at 01:10 and 03:10 in Europe/Dublin", "2025-03-29T12:00:00+00:00",
     ["2025-03-31T01:10:00+01:00", "2025-03-31T03:10:00+01:00"]),
    ("every February 29th at 12:00", "2025-01-01T00:00:00+00:00",
     ["2028-02-29T12:00:00+00:00", "2032-02-29T12:00:00+00:00"]),
    ("every 31st at 12:00", "2025-01-31T13:00:00+00:00",
     ["2025-03-31T12:00:00+00:00", "2025-05-31T12:00:00+00:00", "2025-07-31T12:00:00+00:00"]),
    ("every 30th at 08:00", "2025-01-31T00:00:00+00:00",
     ["2025-03-30T08:00:00+00:00", "2025-04-30T08:00:00+00:00", "2025-05-30T08:00:00+00:00"]),
    ("every 29th at 08:00", "2024-01-30T00:00:00+00:00",
     ["2024-02-29T08:00:00+00:00", "2024-03-29T08:00:00+00:00"]),
    ("every 5th Friday at 17:00", "2025-01-01T00:00:00+00:00",
     ["2025-01-31T17:00:00+00:00", "2025-05-30T17:00:00+00:00",
      "2025-08-29T17:00:00+00:00"]),
    ("never", "2025-01-01T00:00:00+00:00", []),
]


@pytest.mark.parametrize(("text", "base", "expected"), HAND_WRITTEN, ids=[f"{t} after {b}" for t, b, _ in HAND_WRITTEN])
def test_next_runs_match_the_hand_written_list(text, base, expected):
    compiled = compile_schedule(text, timezone="UTC")
    runs = next_runs(compiled, datetime.fromisoformat(base), len(expected) or 3)
    assert [r.isoformat() for r in runs] == expected


def test_at_least_thirty_lists_are_written_by_hand():
    assert len(HAND_WRITTEN) >= 30


def test_the_job_level_zone_is_used_and_base_is_strictly_excluded():
    compiled = compile_schedule("every day at 09:00", timezone="Asia/Tokyo")
    runs = next_runs(compiled, datetime(2025, 1, 1, 0, 0, tzinfo=timezone.utc), 2)
    assert [r.isoformat() for r in runs] == ["2025-01-02T09:00:00+09:00", "2025-01-03T09:00:00+09:00"]


def test_a_naive_base_is_read_as_wall_time_in_the_schedules_zone():
    compiled = compile_schedule("every day at 09:00 in America/New_York")
    runs = next_runs(compiled, datetime(2025, 1, 1, 8, 59), 1)
    assert [r.isoformat() for r in runs] == ["2025-01-01T09:00:00-05:00"]


def test_zero_runs_are_asked_for_and_none_are_returned():
    assert next_runs(compile_schedule("every hour", timezone="UTC"), datetime(2025, 1, 1, tzinfo=timezone.utc), 0) == []
