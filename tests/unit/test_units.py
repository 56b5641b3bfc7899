"""Unit rendering: the directives each job gets, escaping of everything from the YAML, and systemd's own verdict."""
from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from odin import __version__
from odin.errors import InputError
from odin.jobfile import Language, load_job, parse_job
from odin.units import RenderContext, interpreter_for, program_command, quote, render_units, written_by_odin

DATA = Path(__file__).parent.parent / "data" / "jobs"
PYTHON = shutil.which("python3", path="/usr/bin:/bin") or "/usr/bin/python3"
CONTEXT = RenderContext(python=PYTHON, interpreter="/usr/bin/python3", job_dir="/var/lib/odin/jobs/nightly",
                        user="root")

needs_analyze = pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")


def job(extra: str = "", **replacements: str) -> str:
    text = ('job:\n  name: "nightly"\n  language: "python3"\n  file: "nightly.py"\n'
            '  runs: "every day at 02:00 and every Friday at 17:00"\n  timezone: "Europe/Dublin"\n' + extra)
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text


def spec_of(extra: str = "", **replacements: str):
    return parse_job(job(extra, **replacements), source="/srv/jobs/nightly/job.yml")


def lines(text: str) -> list[str]:
    return text.splitlines()


def verify(tmp_path: Path, units) -> subprocess.CompletedProcess:
    """Run ``systemd-analyze verify`` on rendered units, as written to disk."""
    names = [units.service_name]
    (tmp_path / units.service_name).write_text(units.service)
    if units.timer is not None:
        (tmp_path / units.timer_name).write_text(units.timer)
        names.append(units.timer_name)
    return subprocess.run(["systemd-analyze", "verify", "--man=no", *names], cwd=tmp_path, capture_output=True,
                          text=True)


def test_the_original_job_renders_the_expected_pair():
    spec = load_job(DATA / "original" / "docker_prune.yml")
    units = render_units(spec, RenderContext(python="/opt/odin/bin/python", interpreter="/usr/bin/python3",
                                             job_dir="/var/lib/odin/jobs/docker_prune", user="alice"))
    source = spec.source
    assert units.service == f"""\
# Written by Odin: change the job file and run `odin deploy` rather than editing this file.
[Unit]
Description=Prunes dangling images and volumes.
X-Odin-Version={__version__}
X-Odin-Source={source}

[Service]
Type=oneshot
ExecStart="/opt/odin/bin/python" "-m" "odin.wrapper" "--job" "docker_prune" "--" "/usr/bin/python3" "-u" \
"/var/lib/odin/jobs/docker_prune/docker_prune.py"
WorkingDirectory=/var/lib/odin/jobs/docker_prune
User=alice
SyslogIdentifier=odin-docker_prune
LogExtraFields=ODIN_JOB=docker_prune
LogRateLimitIntervalSec=0
"""
    assert units.timer == f"""\
# Written by Odin: change the job file and run `odin deploy` rather than editing this file.
[Unit]
Description=Prunes dangling images and volumes.
X-Odin-Version={__version__}
X-Odin-Source={source}

[Timer]
OnCalendar={spec.schedule.oncalendar[0]}
AccuracySec=1s
Persistent=true
Unit=odin-docker_prune.service

[Install]
WantedBy=timers.target
"""


def test_each_clause_gets_its_own_oncalendar_line():
    timer = render_units(spec_of(), CONTEXT).timer
    assert [line for line in lines(timer) if line.startswith("OnCalendar=")] == [
        "OnCalendar=*-*-* 02:00:00 Europe/Dublin", "OnCalendar=Fri *-*-* 17:00:00 Europe/Dublin"]


def test_timer_options_follow_the_job_file():
    timer = render_units(spec_of('  catch_up: false\n  jitter: "2m"\n  accuracy: "250ms"\n'), CONTEXT).timer
    assert "Persistent=false" in lines(timer)
    assert "RandomizedDelaySec=120s" in lines(timer)
    assert "AccuracySec=250ms" in lines(timer)


def test_a_timeout_is_a_start_timeout_because_runtime_max_does_nothing_on_oneshot():
    service = render_units(spec_of('  timeout: "10m"\n'), CONTEXT).service
    assert "TimeoutStartSec=600s" in lines(service)
    assert not any(line.startswith("RuntimeMaxSec") for line in lines(service))


def test_retries_restart_on_failure_within_a_bounded_window():
    service = render_units(spec_of('  timeout: "1m"\n  retries: {count: 2, delay: "10s"}\n'), CONTEXT).service
    assert {"Restart=on-failure", "RestartSec=10s", "StartLimitBurst=3", "StartLimitIntervalSec=211s"} <= set(
        lines(service))


def test_units_odin_renders_carry_its_stamp_and_others_do_not():
    units = render_units(spec_of(), CONTEXT)
    assert written_by_odin(units.service) and written_by_odin(units.timer)
    hand_written = "[Unit]\nDescription=X-Odin-Version=1 in a description\n[Service]\nExecStart=/bin/true\n"
    assert not written_by_odin(hand_written)
    assert not written_by_odin("")
    assert not written_by_odin(None)


def test_a_job_that_never_runs_on_its_own_has_no_timer():
    units = render_units(spec_of(**{"every day at 02:00 and every Friday at 17:00": "never"}), CONTEXT)
    assert units.timer is None
    assert "Type=oneshot" in lines(units.service)


def test_links_become_on_success_and_on_failure():
    context = dataclasses.replace(CONTEXT, on_success=("report", "cleanup"), on_failure=("alert",))
    service = render_units(spec_of(), context).service
    unit_section = service.split("[Service]")[0]
    assert [line for line in lines(unit_section) if line.startswith("On")] == [
        "OnSuccess=odin-report.service", "OnSuccess=odin-cleanup.service", "OnFailure=odin-alert.service"]


def test_user_group_environment_and_pushgateway():
    spec = spec_of('  user: "nobody"\n  group: "nogroup"\n  env: {A: "1"}\n  env_file: "/etc/nightly.env"\n')
    service = render_units(spec, dataclasses.replace(CONTEXT, pushgateway_url="http://127.0.0.1:9091")).service
    assert lines(service)[lines(service).index("User=nobody") + 1:][:4] == [
        "Group=nogroup", 'Environment="A=1"', 'Environment="ODIN_PUSHGATEWAY_URL=http://127.0.0.1:9091"',
        "EnvironmentFile=/etc/nightly.env"]


def test_a_relative_env_file_is_read_from_the_job_directory():
    service = render_units(spec_of('  env_file: "nightly.env"\n'), CONTEXT).service
    assert "EnvironmentFile=/var/lib/odin/jobs/nightly/nightly.env" in lines(service)


@pytest.mark.parametrize("language, file, interpreter, expected", [
    ("python3", "a.py", "/usr/bin/python3", ("/usr/bin/python3", "-u", "/j/a.py")),
    ("python", "a.py", "/usr/bin/python3", ("/usr/bin/python3", "-u", "/j/a.py")),
    ("node", "a.js", "/usr/bin/node", ("/usr/bin/node", "/j/a.js")),
    ("go", "main.go", "/usr/bin/go", ("/usr/bin/go", "run", "/j/main.go")),
    ("go", "bin/tool", None, ("/j/bin/tool",)),
    ("bash", "a.sh", "/usr/bin/bash", ("/usr/bin/bash", "/j/a.sh")),
    ("sh", "a.sh", "/usr/bin/sh", ("/usr/bin/sh", "/j/a.sh")),
    ("exec", "run", None, ("/j/run",)),
], ids=["python3", "python", "node", "go source", "go binary", "bash", "sh", "exec"])
def test_each_language_runs_its_file_with_its_interpreter(language, file, interpreter, expected):
    spec = spec_of(**{'"python3"': f'"{language}"', '"nightly.py"': f'"{file}"'})
    assert interpreter_for(spec) == (None if interpreter is None else Path(interpreter).name)
    assert program_command(spec, interpreter, "/j") == expected


def test_args_follow_the_program():
    spec = spec_of('  args: ["--dry-run", "two words"]\n')
    assert program_command(spec, "/usr/bin/python3", "/j")[-2:] == ("--dry-run", "two words")


@pytest.mark.parametrize("value, rendered", [
    ("100%", '"100%%"'), ("$HOME", '"$$HOME"'), ('say "hi"', '"say \\"hi\\""'), ("back\\slash", '"back\\\\slash"'),
    ("a; rm -rf /", '"a; rm -rf /"'), ("it's", "\"it's\""), ("%n%s", '"%%n%%s"'),
], ids=["percent", "dollar", "double quotes", "backslash", "semicolon", "single quote", "specifiers"])
def test_exec_start_words_are_quoted_for_systemd(value, rendered):
    assert quote(value, dollars=True) == rendered


def test_environment_values_keep_dollars_and_escape_quotes_and_percents():
    service = render_units(spec_of('  env: {MSG: \'say "hi" to $USER at 100% \\ ok\'}\n'), CONTEXT).service
    assert 'Environment="MSG=say \\"hi\\" to $USER at 100%% \\\\ ok"' in lines(service)


def test_a_percent_in_the_description_is_doubled():
    assert "Description=Cleans 100%% of it" in lines(render_units(spec_of('  description: "Cleans 100% of it"\n'),
                                                                  CONTEXT).service)


@pytest.mark.parametrize("field, value", [
    ("description", "ok\nExecStartPre=/bin/evil"), ("description", "ends with \\"),
    ("args", ("fine", "bad\nline")), ("env", (("A", "x\rExecStart=/bin/evil"),)),
], ids=["newline in description", "trailing backslash", "newline in args", "carriage return in env"])
def test_nothing_can_smuggle_a_directive_into_a_unit(field, value):
    spec = dataclasses.replace(spec_of(), **{field: value})
    with pytest.raises(InputError):
        render_units(spec, CONTEXT)


def test_units_are_stamped_with_odins_version_and_the_job_file():
    units = render_units(spec_of(), CONTEXT)
    for text in (units.service, units.timer):
        unit_section = text.split("[Unit]")[1].split("\n\n")[0]
        assert f"X-Odin-Version={__version__}" in lines(unit_section)
        assert "X-Odin-Source=/srv/jobs/nightly/job.yml" in lines(unit_section)


HOSTILE = ('  description: "100% \\"quoted\\" $HOME; it\'s \\\\ fine"\n'
           '  env: {A: "$x %n \\"q\\" \\\\", B: 8080}\n'
           '  args: ["a b", "$HOME", "%s", "semi;colon", "back\\\\slash", "\\"", "\'"]\n')


@needs_analyze
@pytest.mark.parametrize("extra, replacements", [
    ("", {}),
    (HOSTILE, {}),
    ('  timeout: "10m"\n  retries: {count: 3, delay: "5s"}\n  jitter: "30s"\n  catch_up: false\n', {}),
    ("", {"every day at 02:00 and every Friday at 17:00": "never"}),
    ("", {"every day at 02:00 and every Friday at 17:00": "every 15 minutes from 09:00 to 17:00"}),
    ('  user: "backup"\n  group: "backup"\n  env_file: "nightly.env"\n', {}),
], ids=["plain", "hostile values", "timeouts and retries", "never", "interval window", "user and env file"])
def test_systemd_accepts_every_generated_pair_without_a_warning(tmp_path, extra, replacements):
    context = dataclasses.replace(CONTEXT, on_success=("next",), on_failure=("alert",),
                                  pushgateway_url="http://127.0.0.1:9091")
    result = verify(tmp_path, render_units(spec_of(extra, **replacements), context))
    assert (result.returncode, result.stderr + result.stdout) == (0, "")


@needs_analyze
@pytest.mark.parametrize("language", [lang.value for lang in Language])
def test_systemd_accepts_the_units_of_every_language(tmp_path, language):
    spec = spec_of(**{'"python3"': f'"{language}"'})
    interpreter = interpreter_for(spec)
    path = shutil.which(interpreter, path="/usr/bin:/bin") if interpreter else None
    result = verify(tmp_path, render_units(spec, dataclasses.replace(CONTEXT, interpreter=path)))
    assert (result.returncode, result.stderr + result.stdout) == (0, "")
