"""Runs under real systemd: records in the journal, ``odin log``, Pushgateway metrics, timeouts and stops.

Each test writes its own ``odin-t-<hex>.service`` (what ``odin deploy`` renders: a oneshot service whose
``ExecStart=`` is the wrapper) and removes it afterwards, with its Pushgateway group. Run inside the
sandbox: ``scripts/sandbox.sh exec NAME .venv/bin/python -m pytest tests/system/test_observability.py``.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from odin.pushgateway import delete_job, previous_values
from polling import wait_until_true

pytestmark = [
    pytest.mark.system,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root to install units"),
    pytest.mark.skipif(not os.path.isdir("/run/systemd/system"), reason="needs a running systemd (the sandbox)"),
]

UNIT_DIR = Path("/etc/systemd/system")
SYSTEM_PYTHON = "/usr/bin/python3"
WAIT = 20.0  # seconds: runs here start real interpreters under a real systemd


def systemctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["systemctl", *args], capture_output=True, text=True)


def unit_property(unit: str, name: str) -> str:
    return systemctl("show", f"--property={name}", "--value", unit).stdout.strip()


def journal(*matches: str) -> list[dict[str, object]]:
    out = subprocess.run(["journalctl", "-q", "--all", "-o", "json", "--no-pager", *matches],
                         capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def odin_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "odin", *args], capture_output=True, text=True, timeout=60)


def gateway_samples(url: str, job: str) -> dict[str, float]:
    with urllib.request.urlopen(f"{url}/metrics", timeout=5) as response:
        text = response.read().decode()
    found = {}
    for line in text.splitlines():
        if f'job="{job}"' in line and line.startswith(("odin_job_", "odin_watch_value")):
            name, _, value = line.rpartition(" ")
            found[name.replace(f'host="{socket.gethostname()}",instance="",job="{job}"', "")
                  .replace("{,", "{").replace("{}", "")] = float(value)
    return found


@dataclass
class Job:
    """A job installed as its own service unit, as ``odin deploy`` would."""

    name: str
    directory: Path
    pushgateway: str | None

    @property
    def unit(self) -> str:
        return f"odin-{self.name}.service"

    def install(self, program: str, command: list[str], timeout: str | None = None,
                pushgateway: str | None = None) -> None:
        (self.directory / command[-1]).write_text(textwrap.dedent(program))
        (self.directory / "odin_job.yml").write_text(f"job:\n  name: {self.name}\n")
        gateway = pushgateway or self.pushgateway
        lines = ["[Unit]", f"Description=Odin test job {self.name}", "[Service]", "Type=oneshot",
                 f"WorkingDirectory={self.directory}", f"SyslogIdentifier=odin-{self.name}",
                 f"LogExtraFields=ODIN_JOB={self.name}",
                 f"ExecStart={sys.executable} -m odin.wrapper --job {self.name} -- {' '.join(command)}"]
        if gateway:
            lines.append(f"Environment=ODIN_PUSHGATEWAY_URL={gateway}")
        if timeout:
            lines.append(f"TimeoutStartSec={timeout}")
        (UNIT_DIR / self.unit).write_text("\n".join(lines) + "\n")
        systemctl("daemon-reload")

    def start(self, wait: bool = True) -> int:
        return systemctl("start", *(() if wait else ("--no-block",)), self.unit).returncode

    def summaries(self) -> list[dict[str, object]]:
        return journal(f"ODIN_JOB={self.name}", "ODIN_KIND=summary")

    def wait_for_summaries(self, count: int = 1) -> list[dict[str, object]]:
        return wait_until_true(lambda: len(found := self.summaries()) >= count and found,
                               timeout=WAIT, message="the run's summary")

    def log(self, *args: str) -> dict[str, object]:
        done = odin_cli("log", self.name, "--json", *args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


@pytest.fixture
def job(tmp_path: Path) -> Iterator[Job]:
    made = Job(f"t-{uuid.uuid4().hex[:10]}", tmp_path, os.environ.get("ODIN_PUSHGATEWAY_URL"))
    tmp_path.chmod(0o755)
    yield made
    systemctl("stop", made.unit)
    (UNIT_DIR / made.unit).unlink(missing_ok=True)
    systemctl("daemon-reload")
    systemctl("reset-failed", made.unit)
    if made.pushgateway:
        delete_job(made.name, made.pushgateway)


class Gateway:
    """A Pushgateway of a test's own, which it may stop and start again on the same port."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.unit = f"odin-t-pgw-{uuid.uuid4().hex[:8]}.service"

    def start(self) -> None:
        subprocess.run(["systemd-run", "--quiet", f"--unit={self.unit}", "/usr/bin/prometheus-pushgateway",
                        f"--web.listen-address=127.0.0.1:{self.port}"], check=True)
        wait_until_true(self.ready, timeout=WAIT, message="the Pushgateway")

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        systemctl("stop", self.unit)
        systemctl("reset-failed", self.unit)


@pytest.fixture
def own_pushgateway() -> Iterator[Gateway]:
    gateway = Gateway()
    gateway.start()
    yield gateway
    gateway.stop()


WATCHING_JOB = """
    import odin
    listeners = 3
    odin.watch(listeners)
    odin.watch(0.75, name="hit ratio")
    colour = "blue"
    odin.watch(colour)
    print("checked", listeners)
    if odin.condition(listeners < 10):
        odin.result("all quiet")
    odin.result("too busy")
"""


def test_each_record_is_in_the_journal_in_odin_log_and_numbers_in_the_pushgateway(job, pushgateway_url):
    job.install(WATCHING_JOB, [SYSTEM_PYTHON, "-u", "job.py"])
    assert job.start() == 0
    [summary] = job.wait_for_summaries()
    run = summary["ODIN_RUN"]
    assert run == summary["_SYSTEMD_INVOCATION_ID"] and len(run) == 32 and summary["ODIN_OUTCOME"] == "success"
    assert summary["ODIN_EXIT_CODE"] == "0" and summary["ODIN_RESULT"] == "all quiet"
    entries = journal(f"ODIN_RUN={run}", "ODIN_KIND=watch", "ODIN_KIND=condition", "ODIN_KIND=result")
    assert [(e["ODIN_KIND"], e["ODIN_NAME"], json.loads(e["ODIN_VALUE"])) for e in entries] == [
        ("watch", "listeners", 3), ("watch", "hit ratio", 0.75), ("watch", "colour", "blue"),
        ("condition", "listeners < 10", True), ("result", "result", "all quiet")]
    assert all(e["ODIN_JOB"] == job.name and e["_SYSTEMD_INVOCATION_ID"] == run for e in entries)

    logged = job.log()
    assert logged["job"] == job.name
    [latest] = logged["runs"]
    assert (latest["run"], latest["outcome"], latest["exit_code"], latest["result"]) == (run, "success", 0, "all quiet")
    assert latest["duration_s"] > 0 and latest["end"] >= latest["start"]
    assert [(r["kind"], r["name"], r["value"]) for r in latest["records"]] == [
        ("watch", "listeners", 3), ("watch", "hit ratio", 0.75), ("watch", "colour", "blue"),
        ("condition", "listeners < 10", True), ("result", "result", "all quiet")]

    metrics = gateway_samples(pushgateway_url, job.name)
    assert metrics['odin_watch_value{name="listeners"}'] == 3
    assert metrics['odin_watch_value{name="hit ratio"}'] == 0.75
    assert not any("colour" in name for name in metrics)
    assert metrics["odin_job_success"] == 1 and metrics["odin_job_exit_code"] == 0
    assert metrics["odin_job_runs_total"] == 1 and metrics["odin_job_failures_total"] == 0
    assert metrics["odin_job_last_success_timestamp_seconds"] == metrics["odin_job_last_run_timestamp_seconds"]


def test_a_false_condition_fails_the_unit_and_the_counters_grow_across_runs(job, pushgateway_url):
    job.install("""
        import odin
        queue = odin.watch(42)
        if odin.condition(queue < 10):
            odin.result("queue is short")
        odin.result(f"queue has {queue} items")
    """, [SYSTEM_PYTHON, "-u", "job.py"])
    assert job.start() != 0
    assert unit_property(job.unit, "ActiveState") == "failed"
    assert unit_property(job.unit, "Result") == "exit-code"
    [summary] = job.wait_for_summaries()
    assert (summary["ODIN_OUTCOME"], summary["ODIN_EXIT_CODE"]) == ("failure", "1")
    assert summary["ODIN_REASON"] == "the result reported failure"
    metrics = gateway_samples(pushgateway_url, job.name)
    assert metrics["odin_job_success"] == 0 and metrics["odin_job_failures_total"] == 1
    assert "odin_job_last_success_timestamp_seconds" not in metrics

    assert job.start() != 0
    job.wait_for_summaries(2)
    metrics = gateway_samples(pushgateway_url, job.name)
    assert metrics["odin_job_runs_total"] == 2 and metrics["odin_job_failures_total"] == 2
    [latest, _] = job.log("--runs", "2")["runs"]
    assert latest["outcome"] == "failure" and latest["result"] == "queue has 42 items"


def test_ten_thousand_printed_lines_are_all_kept_in_order(job):
    job.install("""
        for i in range(10_000):
            print(f"line {i}")
    """, [SYSTEM_PYTHON, "-u", "job.py"])
    assert job.start() == 0
    run = job.wait_for_summaries()[0]["ODIN_RUN"]
    expected = [f"line {i}" for i in range(10_000)]
    output = wait_until_true(lambda: (o := job.log("--run", run)["runs"][0]["output"]) == expected and o,
                             timeout=WAIT, message="all 10,000 lines")
    assert len(output) == 10_000


def test_output_that_is_not_utf8_stays_readable(job):
    job.install("""
        import sys
        sys.stdout.buffer.write(b"caf\\xe9 latin-1\\n")
        sys.stdout.buffer.write("naïve ✓ utf-8\\n".encode())
        sys.stdout.buffer.write(b"\\x1b[31mred\\x1b[0m\\n")
    """, [SYSTEM_PYTHON, "-u", "job.py"])
    assert job.start() == 0
    run = job.wait_for_summaries()[0]["ODIN_RUN"]
    output = wait_until_true(lambda: len(o := job.log("--run", run[:12])["runs"][0]["output"]) == 3 and o, timeout=WAIT)
    assert output == ["caf\\xe9 latin-1", "naïve ✓ utf-8", "\x1b[31mred\x1b[0m"]
    text = odin_cli("log", job.name, "--run", run).stdout
    assert "caf\\xe9 latin-1" in text and "naïve ✓ utf-8" in text


def test_a_pushgateway_stopped_during_a_run_leaves_the_outcome_unchanged(job, own_pushgateway):
    gateway = own_pushgateway
    go = job.directory / "go"
    job.install(f"""
        import os, time, odin
        odin.watch(1, name="started")
        while not os.path.exists({str(go)!r}):
            time.sleep(0.01)
        odin.result("done anyway")
    """, [SYSTEM_PYTHON, "-u", "job.py"], pushgateway=gateway.url)
    assert job.start(wait=False) == 0
    wait_until_true(lambda: journal(f"ODIN_JOB={job.name}", "ODIN_NAME=started"),
                    timeout=WAIT, message="the job to run")
    gateway.stop()
    go.write_text("")
    [summary] = job.wait_for_summaries()
    assert summary["ODIN_OUTCOME"] == "success" and summary["ODIN_EXIT_CODE"] == "0"
    wait_until_true(lambda: unit_property(job.unit, "ActiveState") == "inactive",
                    timeout=WAIT, message="the run to end")
    assert unit_property(job.unit, "Result") == "success"
    [warning] = wait_until_true(lambda: journal(f"ODIN_JOB={job.name}", "ODIN_KIND=warning"),
                                timeout=WAIT, message="the warning")
    assert warning["MESSAGE"].startswith(f"metrics not pushed to {gateway.url}: ")
    assert job.log()["runs"][0]["outcome"] == "success"
    # With the Pushgateway back, the next run is pushed again.
    gateway.start()
    assert job.start() == 0
    wait_until_true(lambda: gateway_samples(gateway.url, job.name).get("odin_job_success") == 1,
                    timeout=WAIT, message="a push after the restart")


def test_an_unreachable_pushgateway_only_costs_a_warning(job):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    job.install('import odin\nodin.watch(5, name="n")\n', [SYSTEM_PYTHON, "-u", "job.py"], pushgateway=closed)
    assert job.start() == 0
    [summary] = job.wait_for_summaries()
    assert summary["ODIN_OUTCOME"] == "success"
    [warning] = wait_until_true(lambda: journal(f"ODIN_JOB={job.name}", "ODIN_KIND=warning"), timeout=WAIT)
    assert "metrics not pushed" in warning["MESSAGE"] and warning["PRIORITY"] == "4"


def test_a_run_killed_by_its_timeout_is_a_failure_with_the_reason(job, pushgateway_url):
    job.install("""
        import time, odin
        odin.watch("sleeping", name="state")
        time.sleep(60)
    """, [SYSTEM_PYTHON, "-u", "job.py"], timeout="1s")
    assert job.start() != 0
    assert unit_property(job.unit, "Result") == "timeout"
    [summary] = job.wait_for_summaries()
    assert summary["ODIN_OUTCOME"] == "failure"
    assert summary["ODIN_REASON"] == "timed out after 1s (TimeoutStartSec=), stopped with SIGTERM"
    assert summary["ODIN_SIGNAL"] == "SIGTERM" and "ODIN_EXIT_CODE" not in summary
    [latest] = job.log()["runs"]
    assert latest["outcome"] == "failure" and latest["reason"].startswith("timed out after 1s")
    assert latest["exit_code"] is None
    assert [r["value"] for r in latest["records"]] == ["sleeping"]
    assert gateway_samples(pushgateway_url, job.name)["odin_job_exit_code"] == 128 + 15


def test_a_stopped_run_is_recorded_as_stopped(job):
    job.install("""
        import time, odin
        odin.watch(1, name="started")
        time.sleep(60)
    """, [SYSTEM_PYTHON, "-u", "job.py"])
    job.start(wait=False)
    wait_until_true(lambda: journal(f"ODIN_JOB={job.name}", "ODIN_NAME=started"),
                    timeout=WAIT, message="the job to run")
    running = job.log()["runs"][0]
    assert running["outcome"] == "running" and running["end"] is None
    assert systemctl("stop", job.unit).returncode == 0
    [summary] = job.wait_for_summaries()
    assert (summary["ODIN_OUTCOME"], summary["ODIN_REASON"]) == ("failure", "stopped by SIGTERM")


def test_a_hundred_thousand_watches_lose_none_and_make_few_journal_entries(job):
    job.install("""
        import odin
        for i in range(100_000):
            odin.watch(i)
    """, [SYSTEM_PYTHON, "-u", "job.py"])
    assert job.start() == 0
    [summary] = job.wait_for_summaries()
    assert summary["ODIN_RECORDS"] == "100000"
    run = summary["ODIN_RUN"]
    entries = journal(f"ODIN_RUN={run}", "ODIN_KIND=watch")
    assert len(entries) <= 1000
    assert sum(int(e.get("ODIN_COUNT", 1)) for e in entries) == 100_000
    [latest] = job.log()["runs"]
    assert [r["value"] for r in latest["records"]] == list(range(100_000))
    assert {r["name"] for r in latest["records"]} == {"i"}


def test_a_bad_record_line_is_a_warning_and_never_fails_the_run(job):
    job.install("""
        echo 'this is not json' >&$ODIN_RECORD_FD
        echo '{"v":1,"kind":"watch","name":"disk","value":91}' >&$ODIN_RECORD_FD
        echo done
    """, ["/bin/bash", "job.sh"])
    assert job.start() == 0
    [summary] = job.wait_for_summaries()
    assert summary["ODIN_OUTCOME"] == "success" and summary["ODIN_WARNINGS"] == "1"
    [warning] = journal(f"ODIN_JOB={job.name}", "ODIN_KIND=warning")
    assert warning["MESSAGE"].startswith("record line ignored: not valid JSON")
    assert warning["ODIN_LINE"] == "this is not json"
    [latest] = job.log()["runs"]
    assert [(r["name"], r["value"]) for r in latest["records"]] == [("disk", 91)]


def test_odin_log_lists_runs_and_shows_one_run_in_order(job):
    job.install("""
        import odin
        print("first line")
        odin.watch(7, name="seven")
        print("last line")
    """, [SYSTEM_PYTHON, "-u", "job.py"])
    assert job.start() == 0 and job.start() == 0
    run = max(job.wait_for_summaries(2), key=lambda s: s["ODIN_START"])["ODIN_RUN"]
    table = odin_cli("log", job.name).stdout.splitlines()
    assert table[0].split() == ["RUN", "START", "DURATION", "OUTCOME", "RESULT"]
    assert len(table) == 3 and all(" success" in row for row in table[1:])
    assert table[1].startswith(run[:12])
    shown = odin_cli("log", job.name, "--run", run[:10]).stdout.splitlines()
    assert shown[0].startswith(f"run {run} of {job.name}: succeeded after ")
    body = [line.split("  ", 1)[1] for line in shown[shown.index("") + 1:]]
    assert body == ["first line", "[watch] seven = 7", "last line"]
    missing = odin_cli("log", job.name, "--run", "ffffffff")
    assert missing.returncode == 1 and "no run 'ffffffff'" in missing.stderr


def test_odin_log_follow_prints_a_running_job_live_and_ends_with_its_outcome(job):
    go = job.directory / "go"
    job.install(f"""
        import os, time, odin
        print("waiting", flush=True)
        odin.watch(1, name="started")
        while not os.path.exists({str(go)!r}):
            time.sleep(0.01)
        odin.result("went", success=False)
    """, [SYSTEM_PYTHON, "-u", "job.py"])
    job.start(wait=False)
    wait_until_true(lambda: journal(f"ODIN_JOB={job.name}", "ODIN_NAME=started"),
                    timeout=WAIT, message="the job to run")
    follower = subprocess.Popen([sys.executable, "-m", "odin", "log", job.name, "-f"], stdout=subprocess.PIPE,
                                text=True)
    assert follower.stdout is not None
    first = follower.stdout.readline()
    assert first.split("  ", 1)[1].strip() in ("waiting", "[watch] started = 1")
    go.write_text("")
    rest = follower.communicate(timeout=30)[0].splitlines()
    assert follower.returncode == 1
    assert rest[-1].startswith("run ") and ": failed after " in rest[-1]
    assert rest[-1].endswith("went; the result reported failure")
    assert any(line.endswith("[result] failure: went") for line in rest)


def test_odin_log_follow_of_one_run_prints_it_when_ended_and_follows_it_while_running(job):
    go = job.directory / "go"
    job.install(f"""
        import os, time
        print("started", flush=True)
        while not os.path.exists({str(go)!r}):
            time.sleep(0.01)
        print("went", flush=True)
    """, [SYSTEM_PYTHON, "-u", "job.py"])
    go.write_text("")
    assert job.start() == 0
    [ended] = [s["ODIN_RUN"] for s in job.wait_for_summaries(1)]
    shown = subprocess.run([sys.executable, "-m", "odin", "log", job.name, "--run", ended[:8], "-f"],
                           capture_output=True, text=True, timeout=20)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].startswith(f"run {ended} of {job.name}: succeeded after ")
    assert [line.split("  ", 1)[1] for line in lines[lines.index("") + 1:]] == ["started", "went"]

    go.unlink()
    job.start(wait=False)
    starts = wait_until_true(lambda: len(found := journal(f"ODIN_JOB={job.name}", "ODIN_KIND=start")) == 2
                             and found, timeout=WAIT, message="the second run to start")
    running = starts[-1]["ODIN_RUN"]
    follower = subprocess.Popen([sys.executable, "-m", "odin", "log", job.name, "--run", running, "-f"],
                                stdout=subprocess.PIPE, text=True)
    assert follower.stdout is not None
    assert follower.stdout.readline().split("  ", 1)[1].strip() == "started"
    go.write_text("")
    rest = follower.communicate(timeout=30)[0].splitlines()
    assert follower.returncode == 0
    assert rest[-1].startswith(f"run {running} of {job.name}: succeeded after ")


def test_removing_a_job_deletes_its_pushgateway_group(job, pushgateway_url):
    job.install('import odin\nodin.watch(1, name="n")\n', [SYSTEM_PYTHON, "-u", "job.py"])
    assert job.start() == 0
    wait_until_true(lambda: gateway_samples(pushgateway_url, job.name), timeout=WAIT, message="the push")
    assert delete_job(job.name, pushgateway_url) is True
    assert gateway_samples(pushgateway_url, job.name) == {}
    assert previous_values("", job.name, socket.gethostname()) == {}
