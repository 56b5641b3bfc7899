"""The Pushgateway adapter: pushes a run's metrics and deletes a job's group.

Each job has one group, keyed by ``job`` and ``host``. :func:`push_run` replaces the group with the
latest run's metrics, carrying over ``odin_job_runs_total``, ``odin_job_failures_total`` and
``odin_job_last_success_timestamp_seconds`` from what the group held, so the counters grow across runs::

    odin_job_last_run_timestamp_seconds       end of the last run (Unix seconds)
    odin_job_last_success_timestamp_seconds   end of the last successful run
    odin_job_duration_seconds                 the last run's duration
    odin_job_exit_code                        its exit code (128 + N when signal N ended it)
    odin_job_success                          1 when it succeeded, else 0
    odin_job_runs_total, odin_job_failures_total
    odin_watch_value{name="..."}              the last numeric value watched under each name

This is the only module that imports ``prometheus_client``.
"""
from __future__ import annotations

import re
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import delete_from_gateway, push_to_gateway
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from odin.errors import PushgatewayError

CARRIED = ("odin_job_runs_total", "odin_job_failures_total", "odin_job_last_success_timestamp_seconds")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


class _RunMetrics:
    """A collector holding one run's metric families (no ``_created`` series)."""

    def __init__(self, families: list[Metric]):
        self.families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self.families)


def previous_values(exposition: str, job: str, host: str) -> dict[str, float]:
    """The carried-over samples of the group ``job``/``host`` in a Pushgateway's ``/metrics`` text."""
    found: dict[str, float] = {}
    for line in exposition.splitlines():
        name, _, rest = line.partition("{")
        if name not in CARRIED or "}" not in rest:
            continue
        labels_text, _, value_text = rest.rpartition("}")
        labels = {k: v.replace('\\"', '"').replace("\\\\", "\\") for k, v in _LABEL.findall(labels_text)}
        if labels.get("job") == job and labels.get("host") == host:
            try:
                found[name] = float(value_text.split()[0])
            except (ValueError, IndexError):
                continue
    return found


def run_families(*, end: float, duration: float, exit_code: int, success: bool,
                 watches: Mapping[str, float], previous: Mapping[str, float]) -> list[Metric]:
    """The metric families for one run, given the group's previous carried-over values."""
    runs = previous.get("odin_job_runs_total", 0.0) + 1
    failures = previous.get("odin_job_failures_total", 0.0) + (0 if success else 1)
    last_success = end if success else previous.get("odin_job_last_success_timestamp_seconds")
    families: list[Metric] = [
        GaugeMetricFamily("odin_job_last_run_timestamp_seconds", "End of the job's last run.", value=end),
        GaugeMetricFamily("odin_job_duration_seconds", "Duration of the job's last run.", value=duration),
        GaugeMetricFamily("odin_job_exit_code", "Exit code of the job's last run (128+N for signal N).",
                          value=exit_code),
        GaugeMetricFamily("odin_job_success", "1 if the job's last run succeeded, else 0.",
                          value=1 if success else 0),
        CounterMetricFamily("odin_job_runs", "Runs of the job.", value=runs),
        CounterMetricFamily("odin_job_failures", "Failed runs of the job.", value=failures),
    ]
    if last_success is not None:
        families.append(GaugeMetricFamily("odin_job_last_success_timestamp_seconds",
                                          "End of the job's last successful run.", value=last_success))
    if watches:
        watched = GaugeMetricFamily("odin_watch_value", "Last numeric value the job watched, by name.",
                                    labels=["name"])
        for name, value in sorted(watches.items()):
            watched.add_metric([name], value)
        families.append(watched)
    return families


def read_previous(job: str, *, url: str, host: str | None = None, timeout: float = 2.0) -> dict[str, float]:
    """The carried-over values the job's group holds now (empty for a new group).

    :raises PushgatewayError: when the Pushgateway cannot be reached.
    """
    host = host or socket.gethostname()
    gateway = url.rstrip("/")
    try:
        with urllib.request.urlopen(f"{gateway}/metrics", timeout=timeout) as response:
            return previous_values(response.read().decode("utf-8", "replace"), job, host)
    except (OSError, urllib.error.URLError) as err:
        raise PushgatewayError(f"Pushgateway {gateway}: {getattr(err, 'reason', None) or err}") from None


def push_run(job: str, *, url: str, end: float, duration: float, exit_code: int, success: bool,
             watches: Mapping[str, float], previous: Mapping[str, float] | None = None,
             host: str | None = None, timeout: float = 2.0) -> None:
    """Replace the job's group with this run's metrics, counters carried over.

    :param url: the Pushgateway, e.g. ``http://127.0.0.1:9091``.
    :param end: the run's end, in Unix seconds.
    :param previous: the group's values from :func:`read_previous`; read now when not given.
    :param timeout: seconds allowed for each request.
    :raises PushgatewayError: when the Pushgateway cannot be reached or refuses the push.
    """
    host = host or socket.gethostname()
    gateway = url.rstrip("/")
    if previous is None:
        previous = read_previous(job, url=url, host=host, timeout=timeout)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_RunMetrics(run_families(  # type: ignore[arg-type]
        end=end, duration=duration, exit_code=exit_code, success=success, watches=watches,
        previous=previous)))
    try:
        push_to_gateway(gateway, job=job, registry=registry, grouping_key={"host": host}, timeout=timeout)
    except (OSError, urllib.error.URLError) as err:
        raise PushgatewayError(f"Pushgateway {gateway}: {getattr(err, 'reason', None) or err}") from None


def delete_job(job: str, url: str | None = None, host: str | None = None, timeout: float = 5.0) -> bool:
    """Delete the job's group (the Pushgateway never forgets one by itself).

    :param url: the Pushgateway; by default the one in Odin's settings (``ODIN_PUSHGATEWAY_URL``).
    :returns: false when no Pushgateway is configured, so there was nothing to delete.
    :raises PushgatewayError: when the Pushgateway cannot be reached or refuses.
    """
    if url is None:
        from odin.settings import load_settings

        url = load_settings().pushgateway_url
    if not url:
        return False
    gateway = url.rstrip("/")
    try:
        delete_from_gateway(gateway, job=job, grouping_key={"host": host or socket.gethostname()},
                            timeout=timeout)
    except (OSError, urllib.error.URLError) as err:
        raise PushgatewayError(f"Pushgateway {gateway}: {getattr(err, 'reason', None) or err}") from None
    return True
