"""Parsing schedule strings: every form of the language, and errors that point at the offending word."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odin.errors import ScheduleError
from odin.grammar import ERROR_EXAMPLES, compile_schedule, parse_schedule
from odin.schedule import (
    LAST, WEEKEND, WORKDAYS, AtTimes, CompiledSchedule, EveryDay, Every, OnDates, OnLastDay, OnMonthDays,
    OnNthWeekdays, OnWeekdays, TimeOfDay, Weekday,
)


def only_clause(text: str):
    schedule = parse_schedule(text)
    assert len(schedule.clauses) == 1
    return schedule.clauses[0]


def times(clause) -> list[str]:
    return [str(t) for t in clause.times.times]


@pytest.mark.parametrize("text", [
    "every day at 17:30", "everyday at 17:30", "EVERY DAY AT 17:30", "  every   day\tat  17:30  ",
    "Every Day At 5:30 pm", "every day at 5:30pm", "every day at 17:30:00",
])
def test_daily_forms_are_case_and_space_tolerant(text):
    clause = only_clause(text)
    assert clause.days == EveryDay()
    assert times(clause) == ["17:30"]


@pytest.mark.parametrize(("text", "day"), [
    ("every Wednesday at 17:00", Weekday.WEDNESDAY), ("every wed at 17:00", Weekday.WEDNESDAY),
    ("every WEDNESDAYS at 17:00", Weekday.WEDNESDAY), ("every thu at 17:00", Weekday.THURSDAY),
    ("every Thurs at 17:00", Weekday.THURSDAY), ("every sun at 17:00", Weekday.SUNDAY),
])
def test_full_and_short_weekday_names_are_understood(text, day):
    assert only_clause(text).days == OnWeekdays(days=frozenset({day}))


@pytest.mark.parametrize(("text", "month"), [("every January 4th at 13:15", 1), ("every jan 4th at 13:15", 1),
                                             ("every 4th of January at 13:15", 1), ("every Sept 4 at 13:15", 9)])
def test_full_and_short_month_names_are_understood(text, month):
    assert only_clause(text).days == OnDates(dates=frozenset({(month, 4)}))


def test_weekday_lists_and_ranges_become_sets_of_days():
    assert only_clause("every Monday, Wednesday and Friday at 09:00").days.days == frozenset(
        {Weekday.MONDAY, Weekday.WEDNESDAY, Weekday.FRIDAY})
    assert only_clause("every Monday to Friday at 08:00").days.days == WORKDAYS
    assert only_clause("every weekday at 08:00").days.days == WORKDAYS
    assert only_clause("every weekends at 10:00").days.days == WEEKEND
    assert only_clause("every Saturday - Monday at 10:00").days.days == frozenset(
        {Weekday.SATURDAY, Weekday.SUNDAY, Weekday.MONDAY})


def test_several_times_in_one_clause_are_kept_in_order():
    assert times(only_clause("every day at 09:00 and 17:00")) == ["09:00", "17:00"]
    assert times(only_clause("every Monday at 09:00, 13:00 and 17:00")) == ["09:00", "13:00", "17:00"]
    assert times(only_clause("every Monday at 09:00, 13:00, and 17:00")) == ["09:00", "13:00", "17:00"]


def test_ordinal_weekdays_and_month_ends_are_understood():
    assert only_clause("every 2nd Tuesday at 10:00").days == OnNthWeekdays(
        ordinals=frozenset({2}), days=frozenset({Weekday.TUESDAY}))
    assert only_clause("every last Friday of the month at 17:00").days == OnNthWeekdays(
        ordinals=frozenset({LAST}), days=frozenset({Weekday.FRIDAY}))
    assert only_clause("every last day at 23:00").days == OnLastDay()
    assert only_clause("every 1st and 15th at 12:00").days == OnMonthDays(days=frozenset({1, 15}))


def test_intervals_are_clock_aligned_steps_in_seconds():
    assert only_clause("every 30 seconds").times == Every(step=30)
    assert only_clause("every 15 minutes").times == Every(step=900)
    assert only_clause("every 2 hours").times == Every(step=7200)
    assert only_clause("every minute").times == Every(step=60)
    assert only_clause("every hour").times == Every(step=3600)
    window = only_clause("every 15 minutes from 09:00 to 17:00").times
    assert (str(window.start), str(window.end), window.step) == ("09:00", "17:00", 900)
    clause = only_clause("every hour on weekdays")
    assert (clause.times, clause.days) == (Every(step=3600), OnWeekdays(days=WORKDAYS))


@pytest.mark.parametrize(("text", "expected"), [
    ("17:00", "17:00"), ("9:30", "09:30"), ("5pm", "17:00"), ("5 pm", "17:00"), ("5:30 pm", "17:30"),
    ("12pm", "12:00"), ("12am", "00:00"), ("noon", "12:00"), ("midnight", "00:00"), ("12:30am", "00:30"),
    ("1 a.m.", "01:00"),
])
def test_times_of_day_are_read_like_a_clock(text, expected):
    assert times(only_clause(f"every day at {text}")) == [expected]


def test_never_has_no_clauses():
    assert parse_schedule("never").never
    assert parse_schedule("  NEVER ").clauses == ()


def test_and_every_joins_clauses():
    schedule = parse_schedule("every 1st at 12:00 and every 15th at 12:00 and every Friday at 17:00")
    assert [type(c.days) for c in schedule.clauses] == [OnMonthDays, OnMonthDays, OnWeekdays]


def test_compile_returns_the_public_compiled_schedule():
    compiled = compile_schedule("every Wednesday at 17:00", timezone="Europe/Dublin")
    assert isinstance(compiled, CompiledSchedule)
    assert compiled.text == "every Wednesday at 17:00"
    assert compiled.timezone == "Europe/Dublin"
    assert compiled.oncalendar == ("Wed *-*-* 17:00:00 Europe/Dublin",)
    assert compiled.explanation == "Runs every Wednesday at 17:00, Europe/Dublin time."
    assert isinstance(compiled.schedule.clauses[0].times, AtTimes)


def test_without_any_zone_the_machines_zone_is_used(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    assert compile_schedule("every day at 10:00").timezone == "America/New_York"


def test_time_values_are_frozen():
    with pytest.raises(AttributeError):
        TimeOfDay(hour=1, minute=2).hour = 3  # type: ignore[misc]


# ---- errors -----------------------------------------------------------------------------------------


def error_of(text: str, **kwargs) -> ScheduleError:
    with pytest.raises(ScheduleError) as caught:
        compile_schedule(text, timezone="UTC", **kwargs)
    return caught.value


def test_a_typo_names_the_word_shows_a_caret_and_suggests_the_keyword():
    err = error_of("every Wendesday at 10:00")
    assert err.message.startswith("unknown word 'Wendesday'")
    assert (err.position.line, err.position.column, err.position.width) == (1, 7, 9)
    assert err.render().splitlines() == [
        "<schedule>:1:7: " + err.message,
        "  every Wendesday at 10:00",
        "        ^^^^^^^^^",
        "did you mean 'Wednesday'?",
    ]
    assert err.exit_code == 2


@pytest.mark.parametrize(("text", "suggestion"), [
    ("evry day at 10:00", "every"), ("every day att 10:00", "at"), ("every Frday at 10:00", "Friday"),
    ("every Janury 4th at 10:00", "January"), ("every 15 minuts", "minutes"),
])
def test_typos_get_the_closest_keyword(text, suggestion):
    assert error_of(text).hint == f"did you mean '{suggestion}'?"


def test_a_clause_without_a_time_is_an_error_not_a_default():
    err = error_of("every Wednesday")
    assert "no time" in err.message
    assert err.position.column == len("every Wednesday") + 1


@pytest.mark.parametrize(("text", "message"), [
    ("every February 30th at 10:00", "February has no 30th"),
    ("every February 31st at 10:00", "February has no 31st"),
    ("every April 31st at 10:00", "April has no 31st"),
    ("every June 31st at 10:00", "June has no 31st"),
    ("every September 31st at 10:00", "September has no 31st"),
    ("every November 31st at 10:00", "November has no 31st"),
    ("every 32nd at 10:00", "no month has a day 32"),
    ("every 0th at 10:00", "no month has a day 0"),
    ("every day at 24:00", "there is no hour 24"),
    ("every day at 12:60", "there is no minute 60"),
    ("every day at 13pm", "there is no 13pm"),
    ("every 6th Monday at 10:00", "no month has a 6th Monday"),
    ("every 7 hours", "every 7 hours does not divide a day evenly"),
    ("every 25 minutes", "every 25 minutes does not divide a day evenly"),
    ("every 2 days", "every 2 days cannot be expressed"),
    ("every 0 minutes", "an interval of zero"),
    ("every hour from 17:00 to 09:00", "ends before it starts"),
    ("every day at 10:00 in Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
    ("every first at 10:00", "'first' needs 'day' or a weekday"),
])
def test_impossible_values_are_refused_with_a_reason(text, message):
    assert message in error_of(text).message


def test_an_uneven_interval_says_what_to_write_instead():
    hint = error_of("every 7 hours").hint
    assert "'every 6 hours' or 'every 8 hours'" in hint
    assert "'every day at 00:00, 07:00, 14:00 and 21:00'" in hint


def test_an_impossible_date_points_at_the_date():
    err = error_of("every day at 10:00 and every April 31st at 10:00")
    assert err.position.column == len("every day at 10:00 and every ") + 1
    assert err.position.width == len("April 31st")


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_and_blank_strings_are_refused(text):
    assert error_of(text).message in ("the schedule is empty", "the schedule is blank")


@pytest.mark.parametrize("text", ["every day at 10:00 and", "every Monday and", "every day at 10:00,"])
def test_a_dangling_and_is_refused(text):
    assert "nothing follows 'and'" in error_of(text).message


def test_an_unknown_job_zone_is_a_schedule_error():
    with pytest.raises(ScheduleError, match="unknown time zone 'Europe/Dubln'") as caught:
        compile_schedule("every day at 10:00", timezone="Europe/Dubln")
    assert caught.value.hint == "did you mean 'Europe/Dublin'?"


def test_positions_are_offset_into_the_source_file():
    err = error_of("every Wendesday at 10:00", source="job.yml", line=3, column=7)
    assert (err.position.source, err.position.line, err.position.column) == ("job.yml", 3, 13)
    assert err.render().splitlines()[:3] == [
        "job.yml:3:13: " + err.message,
        "        every Wendesday at 10:00",
        "              ^^^^^^^^^",
    ]


def test_positions_on_a_later_line_of_a_multiline_schedule_keep_their_own_column():
    err = error_of("every day at 10:00\nand every Frday at 10:00", line=5, column=9)
    assert (err.position.line, err.position.column) == (6, 11)


LABELLED = [(label, example) for label, examples in ERROR_EXAMPLES.items() for example in examples]


@pytest.mark.parametrize(("label", "text"), LABELLED, ids=[t for _, t in LABELLED])
def test_known_bad_inputs_get_their_labelled_message(label, text):
    err = error_of(text)
    assert label in err.message or err.message.startswith("unknown word")


# ---- property ---------------------------------------------------------------------------------------

VALID = [
    "every day at 17:30", "every Monday, Wednesday and Friday at 09:00", "every 2nd Tuesday at 10:00",
    "every 15 minutes from 09:00 to 17:00 on weekdays in Europe/Dublin", "every January 4th at 1:15 pm",
    "every 1st at 12:00 and every Friday at 17:00", "never", "every last day at 23:00",
]
WORDS = ["every", "and", "at", "on", "from", "to", "in", "last", "day", "Monday", "1st", "31st", "17:00",
         "5pm", ",", "never", "hours", "15", "of", "February", "30th", "UTC", "24:00", "Europe/Dublin"]


@st.composite
def mutated(draw):
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "word", "char"]))
        if action == "insert":
            text = text[:pos] + draw(st.text(max_size=3)) + text[pos:]
        elif action == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 5)):]
        elif action == "word":
            text = text[:pos] + " " + draw(st.sampled_from(WORDS)) + " " + text[pos:]
        else:
            text = text[:pos] + draw(st.characters()) + text[pos + 1:]
    return text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=60), mutated(), st.lists(st.sampled_from(WORDS), max_size=10).map(" ".join)))
def test_any_string_compiles_or_raises_only_a_schedule_error(text):
    try:
        compiled = compile_schedule(text, timezone="UTC")
    except ScheduleError as err:
        assert err.position is not None and err.position.line >= 1 and err.position.column >= 1
        assert err.render()
    else:
        assert all(isinstance(line, str) and line for line in compiled.oncalendar)


@pytest.mark.parametrize("text", ["every Monday to Monday at 09:00", "every mon-mon at 09:00"])
def test_a_weekday_range_that_ends_on_its_first_day_is_refused_with_a_hint(text):
    err = error_of(text)
    assert err.message == "the range Monday to Monday begins and ends on the same day"
    assert err.position.column == 7
    assert err.hint == "write 'every Monday' for one day a week, or end the range on another day"


def test_a_weekday_range_that_wraps_over_the_weekend_still_works():
    assert compile_schedule("every Friday to Monday at 09:00", timezone="UTC").oncalendar == (
        "Mon,Fri..Sun *-*-* 09:00:00 UTC",)
