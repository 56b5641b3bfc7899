"""The Pushgateway adapter's pure parts: reading a group's counters back and building a run's metrics."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from odin.pushgateway import _RunMetrics, previous_values, run_families

EXPOSITION = """\
# TYPE odin_job_runs_total counter
odin_job_runs_total{host="web1",instance="",job="prune"} 41
odin_job_runs_total{host="web2",instance="",job="prune"} 7
odin_job_runs_total{host="web1",instance="",job="prune2"} 100
odin_job_failures_total{host="web1",instance="",job="prune"} 3
odin_job_last_success_timestamp_seconds{host="web1",instance="",job="prune"} 1.7e+09
odin_job_success{host="web1",instance="",job="prune"} 1
odin_watch_value{host="web1",instance="",job="prune",name="odin_job_runs_total"} 5
"""


def test_previous_values_come_from_the_jobs_own_group_only():
    assert previous_values(EXPOSITION, "prune", "web1") == {
        "odin_job_runs_total": 41.0, "odin_job_failures_total": 3.0,
        "odin_job_last_success_timestamp_seconds": 1.7e9}
    assert previous_values(EXPOSITION, "prune", "web3") == {}


def test_label_values_with_quotes_are_matched_after_unescaping():
    text = 'odin_job_runs_total{host="h",job="a\\"b"} 2\n'
    assert previous_values(text, 'a"b', "h") == {"odin_job_runs_total": 2.0}


def exposition(**kwargs: object) -> str:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_RunMetrics(run_families(**kwargs)))  # type: ignore[arg-type]
    return generate_latest(registry).decode()


def samples(text: str) -> dict[str, float]:
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
            if line and not line.startswith("#")}


def test_a_successful_run_counts_up_and_sets_last_success():
    got = samples(exposition(end=2000.0, duration=1.25, exit_code=0, success=True, watches={"files": 12.0},
                             previous={"odin_job_runs_total": 4, "odin_job_failures_total": 1}))
    assert got == {"odin_job_last_run_timestamp_seconds": 2000.0, "odin_job_duration_seconds": 1.25,
                   "odin_job_exit_code": 0.0, "odin_job_success": 1.0, "odin_job_runs_total": 5.0,
                   "odin_job_failures_total": 1.0, "odin_job_last_success_timestamp_seconds": 2000.0,
                   'odin_watch_value{name="files"}': 12.0}


def test_a_failed_run_keeps_the_last_success_and_counts_a_failure():
    got = samples(exposition(end=3000.0, duration=2.0, exit_code=1, success=False, watches={},
                             previous={"odin_job_runs_total": 5, "odin_job_failures_total": 1,
                                       "odin_job_last_success_timestamp_seconds": 2000.0}))
    assert got["odin_job_success"] == 0.0 and got["odin_job_failures_total"] == 2.0
    assert got["odin_job_runs_total"] == 6.0 and got["odin_job_last_success_timestamp_seconds"] == 2000.0
    assert not any(name.startswith("odin_watch_value") for name in got)


def test_a_first_failed_run_has_no_last_success_and_no_created_series():
    got = samples(exposition(end=1.0, duration=0.5, exit_code=137, success=False, watches={}, previous={}))
    assert "odin_job_last_success_timestamp_seconds" not in got
    assert got["odin_job_exit_code"] == 137.0 and got["odin_job_runs_total"] == 1.0
    assert not any(name.endswith("_created") for name in got)
