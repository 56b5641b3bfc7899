"""``odin schedule``: its text output, its JSON contract, and exit code 2 with nothing on stdout on errors."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest




def test_json_follows_the_contract_exactly(cli):
    code, out, err = cli("schedule", "every day at 02:30", "--tz", "America/New_York",
                         "--base", "2025-03-08T00:00:00-05:00", "--count", "3", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "input": "every day at 02:30",
        "timezone": "America/New_York",
        "oncalendar": ["*-*-* 02:30:00 America/New_York"],
        "next": ["2025-03-08T02:30:00-05:00", "2025-03-10T02:30:00-04:00", "2025-03-11T02:30:00-04:00"],
        "explanation": "Runs every day at 02:30, America/New_York time.",
        "warnings": ["Sun 2025-03-09: 02:30 does not exist in America/New_York (clocks jump from 02:00 to 03:00), "
                     "so that run is skipped"],
    }


def test_next_runs_are_strictly_after_base(cli):
    code, out, _ = cli("schedule", "every hour", "--tz", "UTC", "--base", "2025-01-01T00:00:00+00:00",
                       "--count", "2", "--json")
    assert code == 0
    assert json.loads(out)["next"] == ["2025-01-01T01:00:00+00:00", "2025-01-01T02:00:00+00:00"]


def test_a_naive_base_is_read_in_the_schedules_zone(cli):
    code, out, _ = cli("schedule", "every day at 09:00 in Europe/Dublin", "--base", "2025-07-01T08:59",
                       "--count", "1", "--json")
    assert code == 0
    assert json.loads(out)["next"] == ["2025-07-01T09:00:00+01:00"]


def test_never_has_no_lines_and_no_runs(cli):
    code, out, _ = cli("schedule", "never", "--tz", "UTC", "--json")
    data = json.loads(out)
    assert (code, data["oncalendar"], data["next"], data["warnings"]) == (0, [], [], [])


def test_text_output_shows_lines_explanation_runs_and_warnings(cli):
    code, out, _ = cli("schedule", "every 31st at 12:00", "--tz", "UTC", "--base", "2025-01-01T00:00:00Z",
                       "--count", "2")
    assert code == 0
    assert out.splitlines() == [
        "OnCalendar=*-*-31 12:00:00 UTC",
        "",
        "Runs on the 31st of every month at 12:00, UTC time.",
        "",
        "Next 2 runs (UTC):",
        "  Fri 2025-01-31 12:00:00 UTC (2025-01-31T12:00:00+00:00)",
        "  Mon 2025-03-31 12:00:00 UTC (2025-03-31T12:00:00+00:00)",
        "",
        "Warnings:",
        "  - the 31st is skipped in February, April, June, September and November "
        "(write 'every last day' for the end of every month)",
    ]


@pytest.mark.parametrize(("argv", "message"), [
    (["every Wendesday at 10:00"], "odin: <schedule>:1:7: unknown word 'Wendesday'"),
    (["every Wednesday"], "odin: <schedule>:1:16: this clause has no time"),
    (["every February 30th at 10:00"], "odin: <schedule>:1:7: February has no 30th"),
    (["every day at 10:00", "--tz", "Nowhere/City"], "odin: unknown time zone 'Nowhere/City'"),
    (["every day at 10:00", "--base", "yesterday"], "odin: --base: 'yesterday' is not an ISO-8601 time"),
    (["every day at 10:00", "--json", "--tz", "Mars/Base"], "odin: unknown time zone 'Mars/Base'"),
])
def test_errors_exit_2_with_the_message_on_stderr_and_nothing_on_stdout(cli, argv, message):
    code, out, err = cli("schedule", *argv)
    assert (code, out) == (2, "")
    assert err.startswith(message)
    assert "Traceback" not in err


def test_the_typo_error_shows_caret_and_suggestion(cli):
    _, _, err = cli("schedule", "every Wendesday at 10:00")
    assert err.splitlines()[1:] == ["  every Wendesday at 10:00", "        ^^^^^^^^^", "did you mean 'Wednesday'?"]


def test_the_command_works_as_a_real_process_without_systemd():
    done = subprocess.run([sys.executable, "-m", "odin", "schedule", "every weekday at 08:00", "--tz", "UTC",
                           "--base", "2025-01-03T09:00:00+00:00", "--count", "1", "--json"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["next"] == ["2025-01-06T08:00:00+00:00"]


def test_the_command_does_not_load_heavy_modules():
    probe = ("import sys; from odin.cli import main\n"
             "try:\n    main(['schedule', 'every hour', '--tz', 'UTC', '--count', '1'])\n"
             "except SystemExit:\n    pass\n"
             "print(sorted(m for m in ('pystemd', 'flask', 'prometheus_client') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_count_below_one_exits_2_with_nothing_on_stdout(cli):
    code, out, err = cli("schedule", "every day at 09:00", "--count", "0")
    assert (code, out) == (2, "")
    assert "0 is not in the range 1<=x<=10000" in err
