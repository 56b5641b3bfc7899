"""Job files: the original format, every optional key, and errors that name the file, line, column and key."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from odin.errors import InputError, JobFileError, ScheduleError
from odin.jobfile import (Duration, Language, Retries, check_name, edit_job_text, load_job, parse_duration,
                          parse_job)

DATA = Path(__file__).parent.parent / "data" / "jobs"

MINIMAL = """\
job:
  name: "nightly"
  language: "python3"
  file: "nightly.py"
  runs: "every day at 02:00"
"""


def job_text(**extra: str) -> str:
    """The minimal job with extra ``key: value`` lines appended under ``job:``."""
    return MINIMAL + "".join(f"  {key}: {value}\n" for key, value in extra.items())


def error_of(text: str, kind: type[Exception] = JobFileError) -> InputError:
    with pytest.raises(kind) as caught:
        parse_job(text, source="job.yml")
    return caught.value


def test_the_original_format_loads_with_its_values():
    spec = load_job(DATA / "original" / "docker_prune.yml")
    assert spec.name == "docker_prune"
    assert spec.description == "Prunes dangling images and volumes."
    assert spec.language is Language.PYTHON3
    assert spec.file == "docker_prune.py"
    assert spec.schedule.text == "everyday at 17:30"
    assert spec.schedule.oncalendar[0].startswith("*-*-* 17:30:00")
    assert spec.provider_version == "1.0.0"
    assert spec.folder == str((DATA / "original").resolve())
    assert spec.source == str((DATA / "original" / "docker_prune.yml").resolve())


def test_the_defaults_are_catch_up_on_and_one_second_accuracy():
    spec = parse_job(MINIMAL, source="job.yml")
    assert spec.catch_up is True
    assert spec.accuracy == Duration(1_000_000)
    assert (spec.timeout, spec.retries, spec.jitter, spec.user, spec.env, spec.args) == (None, None, None, None, (),
                                                                                          ())
    assert spec.description == "Odin job nightly"


def test_every_optional_key_is_read():
    spec = load_job(DATA / "full" / "full.yml")
    assert spec.name == "full-job.v2"
    assert spec.language is Language.BASH
    assert spec.file == "bin/full.sh"
    assert spec.timezone == "Europe/Dublin"
    assert len(spec.schedule.oncalendar) == 2
    assert all(line.endswith("Europe/Dublin") for line in spec.schedule.oncalendar)
    assert (spec.user, spec.group) == ("root", "root")
    assert spec.env == (("GREETING", "hello $USER"), ("PORT", "8080"), ("QUOTED", 'say "hi" \\ there'))
    assert spec.env_file == "full.env"
    assert spec.args == ("one", "two words", "3")
    assert spec.timeout == Duration(600_000_000)
    assert spec.retries == Retries(2, Duration(30_000_000))
    assert spec.catch_up is False
    assert spec.jitter == Duration(60_000_000)
    assert spec.accuracy == Duration(500_000)


def test_retries_may_be_a_bare_count_with_the_default_delay():
    spec = parse_job(job_text(retries="3", timeout='"1m"'), source="job.yml")
    assert spec.retries == Retries(3, Duration(30_000_000))


@pytest.mark.parametrize("text, microseconds", [
    ("10m", 600_000_000), ("1h30m", 5_400_000_000), ("90s", 90_000_000), ("500ms", 500_000),
    ("2 hours", 7_200_000_000), ("45", 45_000_000), ("1.5s", 1_500_000), ("1d", 86_400_000_000),
], ids=["minutes", "hours and minutes", "seconds", "milliseconds", "words", "bare seconds", "fraction", "day"])
def test_durations_are_read_in_microseconds(text, microseconds):
    assert parse_duration(text) == Duration(microseconds)


@pytest.mark.parametrize("text, message", [
    ("10 parsecs", "unknown unit 'parsecs'"), ("", "empty"), ("1h 30", "a unit is missing"), ("soon", "cannot read"),
], ids=["unknown unit", "empty", "number without unit after another", "no number"])
def test_bad_durations_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_duration(text)


@pytest.mark.parametrize("microseconds, text", [(600_000_000, "600s"), (1_500_000, "1500ms"), (250, "250us")])
def test_durations_print_in_systemd_syntax(microseconds, text):
    assert str(Duration(microseconds)) == text


def test_an_unknown_key_names_file_line_column_and_suggests_the_right_one():
    err = error_of(job_text(timout='"10m"'))
    assert err.message == "unknown key 'timout' in job"
    assert (err.position.source, err.position.line, err.position.column) == ("job.yml", 6, 3)
    assert err.hint == "did you mean 'timeout'?"
    assert err.render().startswith("job.yml:6:3: unknown key 'timout' in job\n    timout: \"10m\"\n    ^^^^^^")


def test_an_unknown_top_level_key_is_an_error():
    err = error_of("jobs:\n  name: x\n")
    assert err.message == "unknown key 'jobs' in the job file"
    assert err.hint == "did you mean 'job'?"


@pytest.mark.parametrize("extra, line, column, message", [
    ({"timeout": "[1, 2]"}, 6, 12, "'timeout' must be a single value, not a list"),
    ({"catch_up": '"yes please"'}, 6, 13, "'catch_up' must be true or false"),
    ({"env": '["A=1"]'}, 6, 8, "env must be a mapping of keys to values"),
    ({"args": '"one two"'}, 6, 9, "'args' must be a list"),
    ({"retries": '{count: "three"}', "timeout": "1m"}, 6, 20, "the retry count must be a whole number"),
    ({"description": ""}, 6, 15, "'description' has no value"),
    ({"jitter": "0s"}, 6, 11, "'jitter' must be longer than zero"),
], ids=["list for a duration", "string for a bool", "list for env", "string for args", "string for a count",
        "empty value", "zero jitter"])
def test_a_wrong_type_names_the_line_and_column_of_the_value(extra, line, column, message):
    err = error_of(job_text(**extra))
    assert err.message == message
    assert (err.position.line, err.position.column) == (line, column)


@pytest.mark.parametrize("key", ["name", "language", "file", "runs"])
def test_a_missing_required_key_is_an_error(key):
    text = "".join(line + "\n" for line in MINIMAL.splitlines() if not line.strip().startswith(f"{key}:"))
    err = error_of(text)
    assert err.message == f"job has no '{key}' key"
    assert err.position.line == 1


def test_a_bad_schedule_points_into_the_job_file():
    text = MINIMAL.replace("every day at 02:00", "every wendesday at 17:00")
    err = error_of(text, ScheduleError)
    assert (err.position.source, err.position.line, err.position.column) == ("job.yml", 5, 16)
    assert "wendesday" in err.render().splitlines()[1]
    assert err.render().splitlines()[2].index("^") == err.render().splitlines()[1].index("wendesday")
    assert err.hint == "did you mean 'Wednesday'?"


def test_an_unquoted_schedule_is_located_too():
    err = error_of(MINIMAL.replace('"every day at 02:00"', "every day at 25:00"), ScheduleError)
    assert err.position.line == 5
    assert err.position.column >= 9


def test_an_unknown_language_suggests_the_closest():
    err = error_of(MINIMAL.replace('"python3"', '"pyhton3"'))
    assert err.message == "unknown language 'pyhton3'"
    assert err.hint == "did you mean 'python3'?"
    assert (err.position.line, err.position.column) == (3, 13)


def test_a_timezone_that_contradicts_the_zone_in_runs_is_refused_at_the_timezone_key():
    text = MINIMAL.replace("every day at 02:00", "every day at 9:00 in Europe/Paris")
    err = error_of(text + '  timezone: "America/New_York"\n')
    assert err.message == "'timezone' America/New_York conflicts with the zone in 'runs' (Europe/Paris)"
    assert (err.position.source, err.position.line, err.position.column) == ("job.yml", 6, 13)
    assert err.exit_code == 2


def test_the_same_zone_in_runs_and_timezone_is_fine():
    text = MINIMAL.replace("every day at 02:00", "every day at 9:00 in Europe/Paris")
    spec = parse_job(text + '  timezone: "Europe/Paris"\n', source="job.yml")
    assert spec.schedule.oncalendar == ("*-*-* 09:00:00 Europe/Paris",)


def test_an_unknown_timezone_is_refused_at_its_key():
    err = error_of(job_text(timezone='"Mars/Olympus"'))
    assert err.message == "unknown time zone 'Mars/Olympus'"
    assert err.position.line == 6


@pytest.mark.parametrize("name", ["", "has space", "a/b", "x" * 65, "..", "ünïcode", "semi;colon", "-rf", "--help",
                                  ".hidden"],
                         ids=["empty", "space", "slash", "too long", "dots only", "non-ascii", "semicolon",
                              "leading dash", "an option", "leading dot"])
def test_bad_job_names_are_refused(name):
    with pytest.raises(InputError, match="job name"):
        check_name(name)


@pytest.mark.parametrize("name", ["a", "docker_prune", "full-job.v2", "X" * 64, "_private", "7-up", "a-"])
def test_good_job_names_pass(name):
    assert check_name(name) == name


def test_the_name_rule_says_what_a_name_may_start_with():
    with pytest.raises(InputError) as caught:
        check_name("-rf")
    assert caught.value.message == ("bad job name '-rf': use 1 to 64 letters, digits, '_', '.' or '-', "
                                    "starting with a letter, digit or '_'")


def test_a_job_file_named_like_an_option_is_refused_at_its_name():
    err = error_of(MINIMAL.replace('"nightly"', '"-rf"'))
    assert "bad job name '-rf'" in err.message
    assert err.position.line == 2


def test_a_bad_name_in_a_job_file_is_a_job_file_error_at_its_line():
    err = error_of(MINIMAL.replace('"nightly"', '"night ly"'))
    assert "bad job name 'night ly'" in err.message
    assert err.position.line == 2


@pytest.mark.parametrize("file", ["../outside.py", "/etc/passwd", "a/../../b.py", "."],
                         ids=["parent", "absolute", "climbs out", "the folder itself"])
def test_the_program_must_stay_inside_the_jobs_folder(file):
    err = error_of(MINIMAL.replace('"nightly.py"', f'"{file}"'))
    assert "file" in err.message
    assert err.position.line == 4


def test_a_symbolic_link_out_of_the_folder_is_refused(tmp_path):
    (tmp_path / "job").mkdir()
    (tmp_path / "secret.py").write_text("print('outside')\n")
    os.symlink(tmp_path / "secret.py", tmp_path / "job" / "nightly.py")
    (tmp_path / "job" / "job.yml").write_text(MINIMAL)
    with pytest.raises(JobFileError, match="leads outside the job's folder") as caught:
        load_job(tmp_path / "job" / "job.yml")
    assert caught.value.position.line == 4


def test_a_missing_program_is_reported_at_the_file_key(tmp_path):
    (tmp_path / "job.yml").write_text(MINIMAL)
    with pytest.raises(JobFileError, match="'nightly.py' does not exist") as caught:
        load_job(tmp_path / "job.yml")
    assert caught.value.position.line == 4


def test_a_missing_job_file_is_a_clear_error(tmp_path):
    with pytest.raises(JobFileError, match="cannot read job file .*nope.yml: No such file"):
        load_job(tmp_path / "nope.yml")


@pytest.mark.parametrize("value", ['"line\\nbreak"', '"bell\\a"', '"cr\\r"'], ids=["newline", "bell", "return"])
def test_control_characters_are_refused(value):
    err = error_of(job_text(description=value))
    assert err.message == "'description' contains a line break or control character"


def test_a_block_scalar_loses_its_final_line_break():
    text = MINIMAL.replace('  runs: "every day at 02:00"\n', "  runs: >\n    every day\n    at 02:00\n")
    spec = parse_job(text + "  description: |\n    Nightly clean-up\n", source="job.yml")
    assert (spec.schedule.text, spec.description) == ("every day at 02:00", "Nightly clean-up")


def test_a_line_break_inside_a_block_scalar_is_still_refused():
    err = error_of(MINIMAL + "  description: |\n    first line\n    second line\n")
    assert err.message == "'description' contains a line break or control character"


def test_numbers_and_booleans_in_args_are_passed_as_written():
    spec = parse_job(job_text(args="[1, 2.5, true, -3, word]"), source="job.yml")
    assert spec.args == ("1", "2.5", "true", "-3", "word")


def test_a_null_args_item_is_named_by_its_number_and_position():
    err = error_of(job_text(args="[1, 2.5, true, null]"))
    assert err.message == "args item 4 has no value"
    assert (err.position.line, err.position.column) == (6, 24)


def test_a_tab_in_the_indentation_is_named_at_its_line_and_column():
    err = error_of(MINIMAL + "\ttimeout: 1m\n")
    assert err.message == "tabs are not allowed for indentation in YAML; use spaces"
    assert (err.position.line, err.position.column) == (6, 1)


def test_other_yaml_errors_keep_the_parser_message():
    err = error_of(MINIMAL + "  description: [unclosed\n")
    assert err.message.startswith("not valid YAML: ")


def test_a_bad_environment_variable_name_is_refused():
    err = error_of(job_text(env='{"BAD-NAME": 1}'))
    assert err.message == "bad environment variable name 'BAD-NAME'"
    assert (err.position.line, err.position.column) == (6, 9)


def test_a_duplicate_key_is_an_error():
    err = error_of(job_text(runs='"every hour"'))
    assert err.message == "key 'runs' appears twice in job"
    assert err.position.line == 6


def test_retries_without_a_timeout_are_refused():
    err = error_of(job_text(retries="2"))
    assert err.message == "'retries' needs a 'timeout' too"


def test_a_provider_other_than_odin_is_refused():
    err = error_of('provider:\n  name: "cron"\n' + MINIMAL)
    assert err.message == 'provider name must be "odin"'
    assert err.position.line == 2


def test_broken_yaml_reports_where_the_parser_stopped():
    err = error_of('job:\n  name: "x\n  language: sh\n')
    assert err.message.startswith("not valid YAML")
    assert err.position.source == "job.yml"
    assert err.position.line >= 2


@pytest.mark.parametrize("text, message", [
    ("", "the job file is empty"), ("- a\n- b\n", "the job file must be a mapping"),
    ("provider:\n  name: odin\n", "has no 'job:' section"),
], ids=["empty", "a list", "no job section"])
def test_a_file_that_is_not_a_job_is_refused(text, message):
    assert message in error_of(text).render()


def test_editing_the_schedule_keeps_everything_else_as_written():
    text = (DATA / "original" / "docker_prune.yml").read_text()
    edited = edit_job_text(text, {"runs": "every Friday at 09:00", "description": None})
    assert edited == text.replace('"everyday at 17:30"', '"every Friday at 09:00"')
    assert parse_job(edited, source="job.yml").schedule.text == "every Friday at 09:00"


def test_editing_a_missing_description_adds_it_under_the_name():
    edited = edit_job_text(MINIMAL, {"description": 'Says "hi"'})
    assert edited.splitlines()[2] == '  description: "Says \\"hi\\""'
    assert parse_job(edited, source="job.yml").description == 'Says "hi"'
