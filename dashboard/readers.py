"""The dashboard's readers: the service's read functions and actions, turned into the view models pages show.

:class:`Readers` is built from the app's config by :func:`dashboard.init_app`; it does no I/O until asked. Job
state, schedules and actions come from :class:`odin.service.JobService`, exactly as the ``odin`` command gets
them; runs come from :mod:`odin.journal`. The jobs page's last runs and sparklines come from one
:class:`odin.summaries.RunHistory` per app, which keeps what it has read and then reads only new summaries.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from dashboard.models import JobDetail, JobRow, RecordView, RunPage, RunView, Series

if TYPE_CHECKING:
    from odin.summaries import RunHistory

#: Outcomes (of ``odin status`` and of run summaries) grouped for the jobs page's filter.
FAILURES = frozenset({"failed", "failure", "timeout", "killed", "not-started"})


def outcome_group(outcome: str | None) -> str:
    """``success``, ``failure`` or ``none`` (never ran, or unknown) for an outcome."""
    if outcome == "success":
        return "success"
    return "failure" if outcome in FAILURES else "none"


@dataclass(frozen=True, slots=True)
class Readers:
    """Where the dashboard reads from and acts through.

    :param bus_address: the system bus (``DBUS_SYSTEM_BUS_ADDRESS`` form), ``None`` for the default.
    :param journal_dir: a journal directory to read, ``None`` for the local journal.
    """

    bus_address: str | None = None
    journal_dir: str | None = None
    sparkline_runs: int = 20
    chart_runs: int = 200
    history: RunHistory = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        from odin.summaries import RunHistory

        object.__setattr__(self, "history", RunHistory(self.sparkline_runs, self.journal_dir or ""))

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> Readers:
        """Readers for an app's config keys ``ODIN_BUS_ADDRESS`` and ``ODIN_JOURNAL_DIR``."""
        bus, journal_dir = config.get("ODIN_BUS_ADDRESS"), config.get("ODIN_JOURNAL_DIR")
        return cls(bus_address=str(bus) if bus else None, journal_dir=str(journal_dir) if journal_dir else None)

    def service(self):  # type: ignore[no-untyped-def]
        """The use cases, over this machine's settings and the configured bus."""
        from odin.settings import load_settings
        from odin.service import JobService
        from odin.systemd import Systemd

        return JobService(load_settings(), Systemd(self.bus_address))

    # ---- pages ------------------------------------------------------------------------------------------------

    def job_rows(self, now: datetime | None = None) -> list[JobRow]:
        """Every job with its schedule, state, next and last run, and its recent durations."""
        rows = []
        for job in self.service().list_jobs(now, history=self.history):
            status = job.status
            outcome = str(status.outcome)
            rows.append(JobRow(name=job.name, description=job.description, schedule=job.runs,
                               state=str(status.state), next_run=status.next_run, last_run=status.last_started,
                               outcome=outcome, group=outcome_group(outcome), durations=job.durations))
        return rows

    def job_detail(self, name: str, now: datetime | None = None) -> JobDetail:
        """One job's configuration, schedule, next 10 runs, schedule warnings and last result."""
        from odin import journal

        now = now or datetime.now(UTC)
        details = self.service().describe(name, now, count=10)
        spec, schedule = details.spec, details.spec.schedule
        last = journal.runs(name, 1, records=False)
        return JobDetail(
            name=name, description=spec.description, state=str(details.status.state),
            schedule=schedule.text, explanation=schedule.explanation, oncalendar=tuple(schedule.oncalendar),
            next_runs=tuple(details.next_runs), warnings=_warnings(schedule, now),
            config=_config(details), units=tuple(p for p in (details.service_path, details.timer_path) if p),
            last_result=last[0].result if last else None,
            last_outcome=str(last[0].outcome) if last else None)

    def run_page(self, name: str, page: int, per_page: int) -> RunPage:
        """Runs ``(page - 1) * per_page`` to ``page * per_page`` of the job, newest first."""
        from odin import journal

        runs = journal.runs(name, page * per_page + 1, records=False)
        shown = runs[(page - 1) * per_page:page * per_page]
        return RunPage(tuple(_run_view(r) for r in shown), page, per_page, len(runs) > page * per_page)

    def run(self, name: str, run_id: str) -> RunView | None:
        """One run with its records and output lines."""
        from odin import journal

        found = journal.run(name, run_id, output=True)
        return None if found is None else _run_view(found)

    def charts(self, name: str) -> tuple[Series, list[Series]]:
        """The durations of the last runs, and one series per numeric watched value (its last value per run)."""
        from odin import journal

        summaries = journal.read_entries([f"ODIN_JOB={name}", "ODIN_KIND=summary"], limit=self.chart_runs)
        durations = Series("duration", tuple(
            (_ms(e.get("ODIN_START"), e), float(e["ODIN_DURATION"])) for e in summaries
            if _is_number(e.get("ODIN_DURATION"))))
        watches = journal.read_entries([f"ODIN_JOB={name}", "ODIN_KIND=watch"], limit=10 * self.chart_runs)
        last: dict[tuple[str, str], tuple[int, float]] = {}
        for entry in watches:
            value = _number(entry.get("ODIN_VALUE"))
            if value is not None:
                last[(entry.get("ODIN_NAME", ""), entry.get("ODIN_RUN", ""))] = (_ms(entry.get("ODIN_TIME"), entry),
                                                                              value)
        by_name: dict[str, list[tuple[int, float]]] = {}
        for (watch, _), point in last.items():
            by_name.setdefault(watch, []).append(point)
        series = [Series(watch, tuple(sorted(points)[-self.chart_runs:])) for watch, points in sorted(by_name.items())]
        return durations, series

    def running_since(self, name: str, now: datetime | None = None) -> int | None:
        """When the job's current run started (µs since the epoch), or ``None`` when it is not running."""
        now = now or datetime.now(UTC)
        status = self.service().status(name, now)
        if status.running_for is None:
            return None
        started = now - status.running_for - timedelta(seconds=1)  # the wrapper's first entry may precede it
        return int(started.timestamp() * 1_000_000)

    # ---- actions ----------------------------------------------------------------------------------------------

    def run_now(self, name: str) -> str:
        """Start the job now; one already running is not started again."""
        from dashboard.formatting import format_when

        result = self.service().run(name)
        if result.already_running:
            since = f" (since {format_when(result.running_since)})" if result.running_since else ""
            return f"{name}: already running{since}"
        return f"{name}: started"

    def pause(self, name: str) -> str:
        """Pause the job's timer."""
        return f"{name}: {self.service().pause(name).detail}"

    def resume(self, name: str) -> str:
        """Resume the job's timer."""
        return f"{name}: {self.service().resume(name).detail}"


def _warnings(schedule: object, now: datetime) -> tuple[str, ...]:
    try:
        from odin.explain import schedule_warnings
    except ImportError:
        return ()
    return tuple(str(w) for w in schedule_warnings(schedule, now))


def _config(details) -> tuple[tuple[str, str], ...]:  # type: ignore[no-untyped-def]
    """The job's settings as key/value text; environment values are not shown, only their names."""
    spec, record = details.spec, details.record
    rows = [("name", spec.name), ("description", spec.description), ("language", str(spec.language)),
            ("file", spec.file), ("runs", spec.schedule.text), ("timezone", spec.schedule.timezone),
            ("user", record.user or ""), ("group", record.group or spec.group or ""),
            ("args", " ".join(spec.args)), ("environment", ", ".join(k for k, _ in spec.env)),
            ("env_file", spec.env_file or ""), ("timeout", str(spec.timeout) if spec.timeout else ""),
            ("retries", str(spec.retries) if spec.retries else ""), ("catch_up", "yes" if spec.catch_up else "no"),
            ("jitter", str(spec.jitter) if spec.jitter else ""), ("accuracy", str(spec.accuracy)),
            ("runs after success of", ", ".join(n for n, k in details.linked_from if k == "success")),
            ("runs after failure of", ", ".join(n for n, k in details.linked_from if k == "failure")),
            ("starts on success", ", ".join(record.on_success)), ("starts on failure", ", ".join(record.on_failure)),
            ("job file", record.source), ("job directory", details.job_dir)]
    return tuple((key, value) for key, value in rows if value)


def _run_view(run) -> RunView:  # type: ignore[no-untyped-def]
    return RunView(run=run.run, start=run.start, end=run.end, duration_s=run.duration_s, exit_code=run.exit_code,
                   outcome=str(run.outcome), result=run.result,
                   records=tuple(RecordView(str(r.kind), r.name, r.value, r.time) for r in run.records),
                   output=tuple(line.text for line in run.output), reason=run.reason, signal=run.signal)


def _is_number(text: str | None) -> bool:
    return _number(text) is not None


def _number(text: str | None) -> float | None:
    try:
        value = json.loads(text) if text is not None else None
    except ValueError:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _ms(iso: str | None, entry: Mapping[str, str]) -> int:
    if iso:
        try:
            return int(datetime.fromisoformat(iso).timestamp() * 1000)
        except ValueError:
            pass
    return int(entry.get("__REALTIME_TIMESTAMP") or 0) // 1000
