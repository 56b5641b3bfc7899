"""Conformance: the same scenario in Python, Go, Node.js (CommonJS and ES module), bash and sh, deployed and run
under the real systemd, leaves the same journal entries, the same ``odin log --json`` and the same Pushgateway
metrics, but for times, durations and run IDs.

The scenario (tests/data/conformance/scenario.*) watches numbers and text with spaces, quotes, a backslash, a tab,
a newline, a control character and non-ASCII letters, checks a true and a false condition, prints two lines and
ends with a result whose message has a newline: a failed run with exit code 1.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "tests" / "data" / "conformance"

#: language → (the job file's ``language``, the scenario file, the program that must be installed)
LANGUAGES = {
    "python": ("python3", "scenario.py", "python3"),
    "go": ("go", "scenario.go", "go"),
    "node": ("node", "scenario.js", "node"),
    "node-esm": ("node", "scenario.mjs", "node"),
    "bash": ("bash", "scenario.sh", "bash"),
    "sh": ("sh", "scenario.sh", "sh"),
}
OTHERS = [language for language in LANGUAGES if language != "python"]
MESSAGE = 'he said "héllo"\n\tpath C:\\dir ✓ 🚀 bell\x07'
RESULT = "checked 42 files\nzweite Zeile ✓"
#: Journal fields that differ from run to run or name the program rather than what it recorded.
VARYING = {"ODIN_RUN", "ODIN_TIME", "ODIN_START", "ODIN_END", "ODIN_DURATION", "ODIN_COMMAND"}
#: Metrics that hold times or durations.
TIMING_METRICS = {"odin_job_last_run_timestamp_seconds", "odin_job_last_success_timestamp_seconds",
                  "odin_job_duration_seconds", "push_time_seconds", "push_failure_time_seconds"}

pytestmark = [
    pytest.mark.system,
    pytest.mark.skipif(os.geteuid() != 0, reason="deploying jobs needs root"),
    pytest.mark.skipif(Path("/proc/1/comm").read_text().strip() != "systemd",
                       reason="needs a running systemd: run inside scripts/sandbox.sh exec"),
]


@dataclass(frozen=True, slots=True)
class Observed:
    """What one language's run left behind, with everything that may vary removed."""

    exit_code: int | None
    #: The wrapper's entries (start, records, summary) in order, then the program's output lines in order:
    #: the two reach journald by separate paths, so how they interleave is not part of the protocol.
    journal: tuple[list[dict[str, str]], list[dict[str, str]]]
    log_runs: list[dict[str, object]]
    log_run: dict[str, object]
    metrics: dict[tuple[str, tuple[tuple[str, str], ...]], float]


def odin_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "odin", *args], capture_output=True, text=True, timeout=300)
    if check and done.returncode != 0:
        raise AssertionError(f"odin {' '.join(args)} failed ({done.returncode}): {done.stdout}{done.stderr}")
    return done


def write_job(folder: Path, name: str, language: str) -> Path:
    job_language, scenario, _ = LANGUAGES[language]
    folder.mkdir(parents=True)
    shutil.copy(SCENARIOS / scenario, folder / scenario)
    job_file = folder / "job.yml"
    job_file.write_text(
        'provider: {name: "odin", version: "1.0.0"}\n'
        f"job:\n  name: {json.dumps(name)}\n  description: \"Conformance scenario in {language}\"\n"
        f"  language: {json.dumps(job_language)}\n  file: {json.dumps(scenario)}\n  runs: \"never\"\n"
        '  timeout: "5m"\n')
    return job_file


def journal_entries(name: str) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The job's journal entries as fields, with times, run IDs and the job's name made neutral: the wrapper's
    entries, then the program's output."""
    shown = subprocess.run(["journalctl", "--no-pager", "-o", "json", f"ODIN_JOB={name}"], capture_output=True,
                           text=True, timeout=60, check=True).stdout
    entries = []
    for line in shown.splitlines():
        raw = json.loads(line)
        fields = {}
        for key, value in raw.items():
            if key.startswith("_") or key in VARYING:
                continue
            if isinstance(value, list):  # journalctl shows a non-UTF-8 field as a list of bytes
                value = bytes(value).decode("utf-8", "backslashreplace")
            fields[key] = str(value).replace(name, "JOB")
        if fields.get("ODIN_KIND") == "start":
            fields.pop("MESSAGE", None)  # names the program, which differs by language
        if "MESSAGE" in fields:
            fields["MESSAGE"] = re.sub(r"after [0-9.]+ s", "after T s", fields["MESSAGE"])
        entries.append(fields)
    return [e for e in entries if "ODIN_KIND" in e], [e for e in entries if "ODIN_KIND" not in e]


def neutral_run(run: dict[str, object]) -> dict[str, object]:
    kept = {k: v for k, v in run.items() if k not in ("run", "start", "end", "duration_s")}
    kept["records"] = [{k: v for k, v in record.items() if k != "time"} for record in run["records"]]
    return kept


def gateway_metrics(name: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    url = os.environ.get("ODIN_PUSHGATEWAY_URL")
    if not url:
        return {}
    with urllib.request.urlopen(f"{url.rstrip('/')}/metrics", timeout=10) as response:
        text = response.read().decode()
    metrics = {}
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)\{(.*)\} (\S+)", line)
        if not match or match[1] in TIMING_METRICS:
            continue
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match[2]))
        if labels.get("job") != name:
            continue
        labels.pop("job")
        labels.pop("instance", None)
        metrics[(match[1], tuple(sorted(labels.items())))] = float(match[3])
    return metrics


def observe(name: str) -> Observed:
    runs = json.loads(odin_cli("log", name, "--json", "--runs", "5").stdout)["runs"]
    assert len(runs) == 1, runs
    one = json.loads(odin_cli("log", name, "--json", "--run", str(runs[0]["run"])).stdout)["runs"]
    return Observed(exit_code=runs[0]["exit_code"], journal=journal_entries(name),
                    log_runs=[neutral_run(run) for run in runs], log_run=neutral_run(one[0]),
                    metrics=gateway_metrics(name))


@pytest.fixture(scope="module")
def observed(tmp_path_factory) -> dict[str, Observed]:
    """Deploy the scenario in every language at once, run each job once, read back what it left, remove it."""
    token = secrets.token_hex(3)
    names = {language: f"odin-t-{token}-{language}" for language in LANGUAGES
             if shutil.which(LANGUAGES[language][2])}
    root = tmp_path_factory.mktemp("conformance")
    files = [write_job(root / language, name, language) for language, name in names.items()]
    odin_cli("deploy", *[arg for path in files for arg in ("-f", str(path))])
    try:
        for name in names.values():
            odin_cli("run", name, "--wait", "--timeout", "240", check=False)
        yield {language: observe(name) for language, name in names.items()}
    finally:
        for name in names.values():
            odin_cli("remove", name, "--force", check=False)


def other(observed: dict[str, Observed], language: str) -> Observed:
    if language not in observed:
        pytest.skip(f"{LANGUAGES[language][2]} is not installed")
    return observed[language]


def test_the_python_run_is_recorded_as_the_scenario_wrote_it(observed):
    python = observed["python"]
    assert python.exit_code == 1
    assert python.log_run["outcome"] == "failure"
    assert python.log_run["result"] == RESULT
    assert python.log_run["output"] == ["scenario: checking 42 files", "scenario: done"]
    assert [(r["kind"], r["name"], r["value"]) for r in python.log_run["records"]] == [
        ("watch", "count", 42), ("watch", "ratio", 0.25), ("watch", "delta", -7), ("watch", "message", MESSAGE),
        ("watch", "spaces", "  spaced   out  "), ("condition", "files counted", True),
        ("condition", 'größe < 10 "strict"', False), ("result", "result", RESULT)]
    wrapper_entries, output = python.journal
    assert [e["ODIN_KIND"] for e in wrapper_entries] == ["start", *["watch"] * 5, *["condition"] * 2, "result",
                                                         "summary"]
    assert [e["ODIN_SEQ"] for e in wrapper_entries[1:-1]] == [str(n) for n in range(8)]
    assert [e["MESSAGE"] for e in output] == ["scenario: checking 42 files", "scenario: done"]
    message = next(e for e in wrapper_entries if e.get("ODIN_NAME") == "message")
    assert json.loads(message["ODIN_VALUE"]) == MESSAGE


@pytest.mark.parametrize("language", OTHERS)
def test_the_journal_holds_the_same_entries_in_every_language(observed, language):
    assert other(observed, language).journal == observed["python"].journal


@pytest.mark.parametrize("language", OTHERS)
def test_odin_log_json_is_the_same_in_every_language(observed, language):
    run = other(observed, language)
    assert run.exit_code == observed["python"].exit_code
    assert run.log_runs == observed["python"].log_runs
    assert run.log_run == observed["python"].log_run


@pytest.mark.parametrize("language", OTHERS)
def test_the_pushgateway_holds_the_same_metrics_in_every_language(observed, language):
    if not os.environ.get("ODIN_PUSHGATEWAY_URL"):
        pytest.skip("no Pushgateway: ODIN_PUSHGATEWAY_URL is not set")
    python = observed["python"].metrics
    assert python[("odin_watch_value", (("host", os.uname().nodename), ("name", "ratio")))] == 0.25
    assert python[("odin_job_success", (("host", os.uname().nodename),))] == 0
    assert other(observed, language).metrics == python
