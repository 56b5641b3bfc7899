"""The record protocol, version 1: encoding, decoding and every reason a line is refused."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from odin.records import (PROTOCOL_VERSION, Kind, RecordError, decode_record, encode_record, format_time,
                          parse_time, to_json_value, utc_now_text)


def test_an_encoded_record_is_one_json_line_with_version_kind_name_value_and_time():
    line = encode_record("watch", "listeners", 3)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    data = json.loads(line)
    assert data["v"] == PROTOCOL_VERSION == 1
    assert (data["kind"], data["name"], data["value"]) == ("watch", "listeners", 3)
    assert "success" not in data
    assert parse_time(data["time"]).utcoffset().total_seconds() == 0


def test_a_result_carries_success():
    data = json.loads(encode_record("result", "result", "done", False))
    assert data["success"] is False and data["value"] == "done"


def test_newlines_quotes_and_non_ascii_round_trip_on_a_single_line():
    value = 'line one\nline "two"\t\\ café ✓ \x00'
    line = encode_record("watch", "text\nname", value)
    assert line.count(b"\n") == 1
    record = decode_record(line)
    assert record["value"] == value and record["name"] == "text\nname"


@pytest.mark.parametrize(("value", "expected"), [
    (float("nan"), "NaN"), (float("inf"), "Infinity"), (float("-inf"), "-Infinity"),
    ((1, 2), [1, 2]), ({"a": (1.5, None)}, {"a": [1.5, None]}), (frozenset([7]), [7]),
    ({1: "x"}, {"1": "x"}),
], ids=["nan", "infinity", "minus-infinity", "tuple", "nested-tuple", "set", "int-key"])
def test_values_json_cannot_hold_are_made_representable(value, expected):
    assert json.loads(encode_record("watch", "v", value))["value"] == expected


def test_an_object_without_a_json_form_is_recorded_as_its_repr():
    class Thing:
        def __repr__(self) -> str:
            return "<thing 7>"

    assert decode_record(encode_record("watch", "t", Thing()))["value"] == "<thing 7>"
    assert to_json_value([Thing()]) == ["<thing 7>"]


def test_the_time_text_is_utc_with_microseconds_and_z():
    text = utc_now_text()
    assert len(text) == len("2025-06-04T17:00:00.000123Z") and text.endswith("Z")
    assert abs(parse_time(text).timestamp() - datetime.now(timezone.utc).timestamp()) < 5


def test_format_time_writes_any_aware_time_in_utc():
    moment = datetime.fromisoformat("2025-06-04T19:00:00.5+02:00")
    assert format_time(moment) == "2025-06-04T17:00:00.500000Z"


def test_decoding_gives_kind_name_value_aware_time_and_success():
    record = decode_record(b'{"v":1,"kind":"condition","name":"x < 3","value":true,'
                           b'"time":"2025-06-04T17:00:00.000001Z"}')
    assert record == {"kind": Kind.CONDITION, "name": "x < 3", "value": True,
                      "time": datetime(2025, 6, 4, 17, 0, 0, 1, tzinfo=timezone.utc),
                      "time_text": "2025-06-04T17:00:00.000001Z", "success": None}


def test_a_record_without_time_takes_the_time_it_was_received():
    received = datetime(2025, 1, 1, tzinfo=timezone.utc)
    record = decode_record('{"v":1,"kind":"watch","name":"n","value":1}', received)
    assert record["time"] == received and record["time_text"] == "2025-01-01T00:00:00.000000Z"


def test_unknown_keys_are_ignored_so_version_1_can_grow():
    record = decode_record('{"v":1,"kind":"watch","name":"n","value":1,"unit":"ms","time":"2025-01-01T00:00:00Z"}')
    assert record["value"] == 1


def test_a_result_name_defaults_to_result():
    record = decode_record('{"v":1,"kind":"result","value":"ok","success":true,"time":"2025-01-01T00:00:00Z"}')
    assert record["name"] == "result" and record["success"] is True


@pytest.mark.parametrize(("line", "message"), [
    ("not json", "not valid JSON"),
    ("[1, 2]", "expected a JSON object, got list"),
    ('{"kind":"watch","name":"n","value":1}', "missing protocol version"),
    ('{"v":2,"kind":"watch","name":"n","value":1}', "protocol version 2; this wrapper speaks version 1"),
    ('{"v":1,"kind":"gauge","name":"n","value":1}', "unknown kind 'gauge'"),
    ('{"v":1,"kind":"watch","value":1}', "needs a non-empty string 'name'"),
    ('{"v":1,"kind":"watch","name":"n"}', "needs a 'value'"),
    ('{"v":1,"kind":"condition","name":"c","value":"yes"}', "must be true or false"),
    ('{"v":1,"kind":"result","name":"result","value":"m"}', "needs 'success'"),
    ('{"v":1,"kind":"watch","name":"n","value":1,"time":"yesterday"}', "not an ISO-8601 time"),
    ('{"v":1,"kind":"watch","name":"n","value":1,"time":"2025-01-01T00:00:00"}', "no UTC offset"),
], ids=["not-json", "not-object", "no-version", "newer-version", "unknown-kind", "no-name", "no-value",
        "condition-not-bool", "result-without-success", "bad-time", "naive-time"])
def test_a_bad_line_is_refused_with_the_reason(line, message):
    with pytest.raises(RecordError, match=message):
        decode_record(line, datetime.now(timezone.utc))


def test_a_record_with_bytes_that_are_not_utf8_is_kept_with_replacement_characters():
    line = b'{"v": 1, "kind": "watch", "name": "city", "value": "Z\xfcrich", "time": "2026-01-01T00:00:00Z"}\n'
    record = decode_record(line)
    assert (record["name"], record["value"]) == ("city", "Z\ufffdrich")
