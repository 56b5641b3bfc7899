"""The dashboard's formatters for times, durations and values."""
from datetime import datetime, timedelta, timezone

import pytest

from dashboard.formatting import format_duration, format_relative, format_value, format_when

NOW = datetime(2025, 6, 4, 17, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("seconds", "text"), [
    (0.35, "350 ms"), (4.25, "4.2 s"), (42.4, "42 s"), (185, "3 min 5 s"), (7800, "2 h 10 min"),
    (273600, "3 d 4 h"), (None, "—"),
], ids=["milliseconds", "seconds-precise", "seconds", "minutes", "hours", "days", "none"])
def test_durations_read_in_the_largest_useful_units(seconds, text):
    assert format_duration(seconds) == text


def test_relative_times_say_in_or_ago():
    assert format_relative(NOW + timedelta(hours=3, minutes=5), NOW) == "in 3 h 5 min"
    assert format_relative(NOW - timedelta(seconds=12), NOW) == "12 s ago"
    assert format_relative(None, NOW) == ""


def test_times_are_shown_in_utc_whatever_their_zone():
    dublin_summer = timezone(timedelta(hours=1))
    assert format_when(datetime(2025, 6, 4, 18, 0, tzinfo=dublin_summer)) == "2025-06-04 17:00:00 UTC"
    assert format_when(None) == "—"


def test_values_keep_strings_and_write_the_rest_as_json():
    assert format_value("<b>") == "<b>"
    assert format_value([1, 2.5, None]) == "[1, 2.5, null]"
    assert format_value({"a": True}) == '{"a": true}'
