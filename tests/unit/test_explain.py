"""Plain-English explanations and the warnings odin schedule prints."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from odin.explain import schedule_warnings
from odin.grammar import compile_schedule

BASE = datetime(2025, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize(("text", "expected"), [
    ("every Wednesday at 17:00", "Runs every Wednesday at 17:00, UTC time."),
    ("every weekday at 08:00", "Runs every weekday (Monday to Friday) at 08:00, UTC time."),
    ("every Monday, Wednesday and Friday at 09:00 and 17:00",
     "Runs every Monday, Wednesday and Friday at 09:00 and 17:00, UTC time."),
    ("every 2nd Tuesday at 10:00", "Runs on the 2nd Tuesday of every month at 10:00, UTC time."),
    ("every last day at 23:00", "Runs on the last day of every month at 23:00, UTC time."),
    ("every January 4th at 13:15", "Runs every year on January 4th at 13:15, UTC time."),
    ("every 15 minutes from 09:00 to 17:00 on weekdays",
     "Runs every 15 minutes from 09:00 to 17:00, every weekday (Monday to Friday), UTC time."),
    ("every 90 minutes", "Runs every 90 minutes counted from midnight (00:00, 01:30, 03:00, ...), UTC time."),
    ("never", "Never runs on its own: only when started by hand or by another job."),
    ("every 1st at 12:00 and every Friday at 17:00",
     "Runs on the 1st of every month at 12:00 and every Friday at 17:00, UTC time; "
     "a time matched by more than one clause runs once."),
])
def test_explanation_reads_as_plain_english(text, expected):
    assert compile_schedule(text, timezone="UTC").explanation == expected


def warnings_for(text: str, base: datetime = BASE) -> list[str]:
    return schedule_warnings(compile_schedule(text, timezone="UTC"), base)


def test_the_31st_warns_about_the_months_it_skips():
    assert warnings_for("every 31st at 12:00") == [
        "the 31st is skipped in February, April, June, September and November "
        "(write 'every last day' for the end of every month)"]


def test_the_29th_and_30th_warn_about_february():
    assert warnings_for("every 29th and 30th at 12:00") == [
        "the 29th is skipped in February except in leap years", "the 30th is skipped in February"]


def test_february_29th_runs_only_in_leap_years():
    assert warnings_for("every February 29th at 12:00") == [
        "February 29th exists only in leap years: it runs once every four years (next in 2028)"]


def test_a_fifth_weekday_warns_that_months_are_skipped():
    assert warnings_for("every 5th Friday at 17:00") == ["a 5th Friday exists only in some months: the others are skipped"]


def test_an_ordinary_schedule_in_utc_has_no_warnings():
    assert warnings_for("every weekday at 08:00") == []


def test_a_run_in_the_spring_forward_gap_is_reported_as_skipped():
    found = warnings_for("every day at 02:30 in America/New_York")
    assert found == ["Sun 2025-03-09: 02:30 does not exist in America/New_York (clocks jump from 02:00 to 03:00), "
                     "so that run is skipped"]


def test_a_run_in_the_repeated_hour_is_reported_as_running_once():
    assert warnings_for("every day at 01:30 in America/New_York") == [
        "Sun 2025-11-02: 01:30 happens twice in America/New_York (clocks go back by 1 hour); "
        "the job runs only once, at the first (01:30 EDT)"]


def test_systemds_whole_day_skip_in_dublin_is_reported():
    assert warnings_for("every day at 01:10 and 20:10 in Europe/Dublin") == [
        "Sun 2025-03-30: 01:10 does not exist in Europe/Dublin (clocks jump from 01:00 to 02:00), "
        "so that run is skipped",
        "Sun 2025-03-30: systemd also skips 20:10 that day, because of the clock change in Europe/Dublin",
        "Sun 2025-10-26: 01:10 happens twice in Europe/Dublin (clocks go back by 1 hour); "
        "the job runs only once, at the first (01:10 IST)"]


def test_dst_warnings_only_look_twelve_months_ahead():
    later = datetime(2025, 11, 3, tzinfo=timezone.utc)
    found = warnings_for("every day at 02:30 in America/New_York", later)
    assert found == ["Sun 2026-03-08: 02:30 does not exist in America/New_York (clocks jump from 02:00 to 03:00), "
                     "so that run is skipped"]


def test_dense_schedules_get_one_summary_per_clock_change():
    assert warnings_for("every 30 seconds in Europe/Dublin") == [
        "Sun 2025-03-30: clocks jump from 01:00 to 02:00 in Europe/Dublin: the runs in between do not happen",
        "Sun 2025-10-26: clocks go back from 02:00 to 01:00 in Europe/Dublin: "
        "the runs in the repeated hour happen only the first time"]


def test_never_has_no_warnings():
    assert warnings_for("never") == []
