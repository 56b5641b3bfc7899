"""Compiling schedules to OnCalendar= lines: the exact text, one line per clause, already normalized."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from odin.grammar import compile_schedule, parse_schedule
from odin.oncalendar import to_oncalendar

CASES = [
    ("everyday at 17:30", ["*-*-* 17:30:00"]),
    ("every day at 17:30", ["*-*-* 17:30:00"]),
    ("every Wednesday at 17:00", ["Wed *-*-* 17:00:00"]),
    ("every wed at 5pm", ["Wed *-*-* 17:00:00"]),
    ("every 1st at 12:00", ["*-*-01 12:00:00"]),
    ("every January 4th at 13:15", ["*-01-04 13:15:00"]),
    ("every 4th of July at 12:00", ["*-07-04 12:00:00"]),
    ("every minute", ["*-*-* *:*:00"]),
    ("every hour", ["*-*-* *:00:00"]),
    ("every second", ["*-*-* *:*:*"]),
    ("never", []),
    ("every 1st at 12:00 and every 15th at 12:00 and every Friday at 17:00",
     ["*-*-01 12:00:00", "*-*-15 12:00:00", "Fri *-*-* 17:00:00"]),
    ("every Monday, Wednesday and Friday at 09:00", ["Mon,Wed,Fri *-*-* 09:00:00"]),
    ("every Monday to Friday at 08:00", ["Mon..Fri *-*-* 08:00:00"]),
    ("every Monday through Wednesday at 08:00", ["Mon..Wed *-*-* 08:00:00"]),
    ("every Friday to Monday at 08:00", ["Mon,Fri..Sun *-*-* 08:00:00"]),
    ("every weekday at 08:00", ["Mon..Fri *-*-* 08:00:00"]),
    ("every weekend at 10:00", ["Sat,Sun *-*-* 10:00:00"]),
    ("every day at 09:00 and 17:00", ["*-*-* 09,17:00:00"]),
    ("every day at 09:00 and 17:30", ["*-*-* 09:00:00", "*-*-* 17:30:00"]),
    ("every day at 09:00, 09:30, 17:00 and 17:30", ["*-*-* 09,17:00/30:00"]),
    ("every Monday at 09:00, 13:00 and 17:00", ["Mon *-*-* 09,13,17:00:00"]),
    ("every 2nd Tuesday at 10:00", ["Tue *-*-08..14 10:00:00"]),
    ("every second Tuesday at 10:00", ["Tue *-*-08..14 10:00:00"]),
    ("every 2nd and 4th Tuesday at 10:00", ["Tue *-*-08..14,22..28 10:00:00"]),
    ("every 5th Friday at 17:00", ["Fri *-*-29..31 17:00:00"]),
    ("every last Friday at 17:00", ["Fri *-*~01..07 17:00:00"]),
    ("every 2nd and last Friday at 17:00", ["Fri *-*-08..14 17:00:00", "Fri *-*~01..07 17:00:00"]),
    ("every last day at 23:00", ["*-*~01 23:00:00"]),
    ("every last day of February at noon", ["*-02~01 12:00:00"]),
    ("every 30 seconds", ["*-*-* *:*:00/30"]),
    ("every 15 minutes", ["*-*-* *:00/15:00"]),
    ("every 2 hours", ["*-*-* 00/2:00:00"]),
    ("every 6 hours", ["*-*-* 00/6:00:00"]),
    ("every 90 minutes", ["*-*-* 00/3:00:00", "*-*-* 01/3:30:00"]),
    ("every 45 minutes", ["*-*-* 00/3:00/45:00", "*-*-* 01/3:30:00", "*-*-* 02/3:15:00"]),
    ("every 15 minutes from 09:00 to 17:00", ["*-*-* 09..16:00/15:00", "*-*-* 17:00:00"]),
    ("every 15 minutes from 9:30 to 17:00 on weekdays",
     ["Mon..Fri *-*-* 09:30,45:00", "Mon..Fri *-*-* 10..16:00/15:00", "Mon..Fri *-*-* 17:00:00"]),
    ("every hour on weekdays", ["Mon..Fri *-*-* *:00:00"]),
    ("every 7 hours from 00:00 to 23:59", ["*-*-* 00/7:00:00"]),
    ("every day at 12am and 12pm", ["*-*-* 00/12:00:00"]),
    ("every day at 5:30 pm", ["*-*-* 17:30:00"]),
    ("every day at 17:00:30", ["*-*-* 17:00:30"]),
    ("every January 1st and July 1st at 00:00", ["*-01,07-01 00:00:00"]),
    ("every January 4th and July 1st at 08:00", ["*-01-04 08:00:00", "*-07-01 08:00:00"]),
    ("every 1st and 15th at 12:00", ["*-*-01,15 12:00:00"]),
    ("every day at 10:00 and every day at 10:00", ["*-*-* 10:00:00"]),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_schedule_compiles_to_exact_oncalendar_lines(text, expected):
    compiled = compile_schedule(text, timezone="UTC")
    assert list(compiled.oncalendar) == [f"{line} UTC" for line in expected]


def test_the_zone_suffix_wins_over_the_job_zone():
    compiled = compile_schedule("every day at 08:00 in Europe/Dublin", timezone="America/New_York")
    assert compiled.oncalendar == ("*-*-* 08:00:00 Europe/Dublin",)
    assert compiled.timezone == "Europe/Dublin"


def test_a_clause_without_a_zone_renders_without_a_suffix():
    schedule = parse_schedule("every Friday at 17:00")
    assert to_oncalendar(schedule.clauses[0]) == ("Fri *-*-* 17:00:00",)


def test_weekday_and_date_clauses_are_never_merged_into_one_line():
    # In one line systemd ANDs them: "Fri *-*-01" would mean "Friday the 1st".
    lines = compile_schedule("every 1st at 17:00 and every Friday at 17:00", timezone="UTC").oncalendar
    assert lines == ("*-*-01 17:00:00 UTC", "Fri *-*-* 17:00:00 UTC")


def _all_lines() -> list[str]:
    data = Path(__file__).resolve().parent.parent / "data" / "schedules_vs_systemd.txt"
    texts = [c[0] for c in CASES] + [
        line.split("|", 1)[1].strip() for line in data.read_text(encoding="utf-8").splitlines()
        if "|" in line and not line.startswith("#")]
    lines: dict[str, None] = {}
    for text in texts:
        for line in compile_schedule(text, timezone="Europe/Dublin").oncalendar:
            lines.setdefault(line, None)
    return list(lines)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_every_emitted_line_equals_systemds_normalized_form():
    lines = _all_lines()
    assert len(lines) > 100
    normalized = []
    for start in range(0, len(lines), 40):  # one process for many expressions
        chunk = lines[start:start + 40]
        out = subprocess.run(["systemd-analyze", "calendar", "--iterations=1", *chunk], capture_output=True,
                             text=True, env={**os.environ, "TZ": "UTC"}, check=True)
        normalized += re.findall(r"Normalized form: (.*)", out.stdout)
    assert normalized == lines
