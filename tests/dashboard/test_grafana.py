"""The Grafana dashboard and the example scrape config: every query runs against a real Prometheus that scrapes
the real Pushgateway Odin's runs pushed to, and returns data."""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

GRAFANA = Path(__file__).resolve().parents[2] / "dashboard" / "grafana"
LABEL_VALUES = re.compile(r"label_values\((?P<metric>[^,]+),\s*(?P<label>\w+)\)")


def dashboard() -> dict:
    return json.loads((GRAFANA / "odin.json").read_text())


def dashboard_queries() -> list[tuple[str, str]]:
    """(where, PromQL) for every panel target and the job variable, with ``$job`` meaning every job."""
    found = []
    for panel in dashboard()["panels"]:
        for target in panel["targets"]:
            found.append((f"{panel['title']} {target['refId']}", target["expr"].replace("$job", ".+")))
    for variable in dashboard()["templating"]["list"]:
        match = LABEL_VALUES.fullmatch(variable["query"]["query"])
        found.append((f"variable {variable['name']}", f"count by ({match['label']}) ({match['metric']})"))
    return found


def test_the_dashboard_is_importable_with_a_prometheus_data_source_input():
    board = dashboard()
    assert [i["name"] for i in board["__inputs"]] == ["DS_PROMETHEUS"]
    assert board["uid"] == "odin-jobs" and board["title"] == "Odin jobs"
    assert len({p["id"] for p in board["panels"]}) == len(board["panels"])
    for panel in board["panels"]:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
        assert panel["targets"] and all(t["expr"] for t in panel["targets"])


def test_the_dashboard_uses_every_metric_odin_pushes():
    text = " ".join(expr for _, expr in dashboard_queries())
    for metric in ("odin_job_last_run_timestamp_seconds", "odin_job_last_success_timestamp_seconds",
                   "odin_job_duration_seconds", "odin_job_exit_code", "odin_job_success", "odin_job_runs_total",
                   "odin_job_failures_total", "odin_watch_value"):
        assert metric in text


def test_the_example_scrape_config_keeps_the_pushed_labels():
    config = yaml.safe_load((GRAFANA / "prometheus.yml").read_text())
    [job] = config["scrape_configs"]
    assert job["honor_labels"] is True
    if shutil.which("promtool"):
        checked = subprocess.run(["promtool", "check", "config", str(GRAFANA / "prometheus.yml")],
                                 capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@pytest.fixture
def prometheus(tmp_path, sandboxed, wait_until):  # type: ignore[no-untyped-def]
    """Debian's Prometheus on a free loopback port, scraping the sandbox's Pushgateway every second."""
    gateway = os.environ.get("ODIN_PUSHGATEWAY_URL")
    if not gateway or not shutil.which("prometheus"):
        pytest.skip("needs ODIN_PUSHGATEWAY_URL (the sandbox's Pushgateway) and Debian's prometheus")
    example = yaml.safe_load((GRAFANA / "prometheus.yml").read_text())
    example["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    example["scrape_configs"][0]["static_configs"] = [{"targets": [urllib.parse.urlsplit(gateway).netloc]}]
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump(example))
    url = f"http://127.0.0.1:{_free_port()}"
    with open(tmp_path / "prometheus.log", "wb") as log:
        process = subprocess.Popen(["prometheus", f"--config.file={config}",
                                    f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address={url[7:]}",
                                    "--log.level=warn"], stdout=subprocess.DEVNULL, stderr=log)
    try:
        wait_until(lambda: _ready(url), timeout=60)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/-/ready", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def _query(url: str, expr: str) -> list[dict]:
    answer = _get(f"{url}/api/v1/query?{urllib.parse.urlencode({'query': expr})}")
    assert answer["status"] == "success", answer
    return answer["data"]["result"]


def test_every_query_in_the_dashboard_returns_data_from_runs_odin_pushed(deploy, service, prometheus, wait_until):
    good = deploy("import odin\nodin.watch(17, name='files')\nodin.result('fine')\n")
    bad = deploy("import sys\nprint('failing on purpose')\nsys.exit(4)\n")
    for name in (good, good, bad):
        service.run(name, wait=True, timeout=30)

    def success_of(name: str) -> list[str]:
        return [r["value"][1] for r in _query(prometheus, f'odin_job_success{{job="{name}"}}')]

    wait_until(lambda: success_of(good) == ["1"] and success_of(bad) == ["0"], timeout=60)
    for where, expr in dashboard_queries():
        result = wait_until(lambda: _query(prometheus, expr), timeout=30)  # counters need two scrapes
        assert result, f"{where}: {expr} returned no data"
    assert float(_query(prometheus, dashboard_queries()[1][1])[0]["value"][1]) >= 1  # the failing job counted
    runs = _query(prometheus, f'odin_job_runs_total{{job="{good}"}}')
    assert [r["value"][1] for r in runs] == ["2"]
    watched = _query(prometheus, f'odin_watch_value{{job="{good}"}}')
    assert [(r["metric"]["name"], r["value"][1]) for r in watched] == [("files", "17")]
