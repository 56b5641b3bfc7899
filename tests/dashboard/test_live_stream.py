"""The live view's journal command and its parsing of journal entries into events."""
import json

from dashboard.live import LiveEvent, journal_command, parse_entry


def test_following_from_now_asks_for_no_old_lines():
    cmd = journal_command("backup", since_us=None, journal_dir=None)
    assert cmd[:3] == ["journalctl", "--follow", "--output=json"]
    assert "--lines=0" in cmd
    assert cmd[-1] == "ODIN_JOB=backup"


def test_following_a_running_run_replays_it_from_its_start_in_the_given_directory():
    cmd = journal_command("backup", since_us=1_700_000_000_250_000, journal_dir="/run/x/log/journal")
    assert "--since=@1700000000.250000" in cmd
    assert "--lines=all" in cmd
    assert "--directory=/run/x/log/journal" in cmd


def test_an_output_line_becomes_an_output_event_with_its_run():
    line = json.dumps({"MESSAGE": "<script>alert(1)</script>", "__REALTIME_TIMESTAMP": "1700000000000001",
                       "_SYSTEMD_INVOCATION_ID": "abc", "ODIN_JOB": "backup"}).encode()
    assert parse_entry(line) == LiveEvent(kind="output", time_us=1700000000000001, run="abc",
                                          text="<script>alert(1)</script>")


def test_a_watch_record_keeps_its_name_and_value():
    line = json.dumps({"MESSAGE": "watch n = 3", "__REALTIME_TIMESTAMP": "5", "ODIN_RUN": "r1",
                       "ODIN_KIND": "watch", "ODIN_NAME": "n", "ODIN_VALUE": "3"}).encode()
    event = parse_entry(line)
    assert (event.kind, event.name, event.value, event.run) == ("watch", "n", "3", "r1")


def test_non_utf8_output_arrives_as_readable_text():
    line = json.dumps({"MESSAGE": [104, 105, 255], "__REALTIME_TIMESTAMP": "5"}).encode()
    assert parse_entry(line).text == "hi\ufffd"


def test_unknown_kinds_are_notes_and_garbage_is_skipped():
    line = json.dumps({"MESSAGE": "x", "__REALTIME_TIMESTAMP": "5", "ODIN_KIND": "start"}).encode()
    assert parse_entry(line).kind == "start"
    assert parse_entry(b"not json") is None


def test_an_event_is_one_sse_message_with_json_data():
    text = LiveEvent(kind="output", time_us=5, run="r", text="a\nb").to_sse()
    assert text.startswith("event: line\ndata: ")
    assert text.endswith("\n\n") and text.count("\n") == 3
    assert json.loads(text.split("data: ", 1)[1])["text"] == "a\nb"


def test_an_event_carries_its_journal_cursor_as_its_id_so_a_reconnect_resumes_after_it():
    line = json.dumps({"MESSAGE": "x", "__REALTIME_TIMESTAMP": "5", "__CURSOR": "s=1;i=2"}).encode()
    assert parse_entry(line).to_sse().startswith("id: s=1;i=2\nevent: line\n")
    cmd = journal_command("backup", since_us=5, journal_dir=None, after_cursor="s=1;i=2")
    assert "--after-cursor=s=1;i=2" in cmd and not any(a.startswith("--since") for a in cmd)
