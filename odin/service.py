"""Odin's use cases: deploy, modify, remove, pause, resume, run, link and the views of deployed jobs.

Every change follows one rule: parse, compile, render and verify everything first; only then write, and on any
failure put back exactly what was there before (files, job directories, enabled timers) and reload again.
Changes take a file lock, so concurrent ``odin`` commands run one after the other. The CLI and the dashboard
only format what these functions return.

A deployed job lives in three places: ``odin-<name>.service`` and ``odin-<name>.timer`` in the unit directory,
and its job directory (see :mod:`odin.jobdir`).
"""
from __future__ import annotations

import fcntl
import functools
import grp
import logging
import os
import pwd
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from odin.settings import Settings, load_settings
from odin.errors import InputError, JobFileError, JobNotFound, OdinError, StillRunning
from odin.explain import schedule_warnings
from odin.jobdir import (JOB_FILE, LIBRARY_JOB_FILE, META_DIR, STATE_FILE, DamagedJob, JobRecord, copy_list,
                         job_files, parse_record, read_record, same_files, stage)
from odin.jobfile import JobSpec, check_name, edit_job_text, load_job, parse_job
from odin.status import (JobState, JobStatus, LastRun, RunOutcome, from_usec, job_status,
                         last_run_from_record, last_run_from_unit)
from odin.systemd import TRANSIENT_DIR, Systemd, UnitStatus, busy, timer_stamp, unit_files
from odin.transaction import Transaction, read_text
from odin.units import RenderContext, UnitFiles, interpreter_for, render_units, unit_name, written_by_odin

if TYPE_CHECKING:
    from odin.summaries import RecentRuns, RunHistory

logger = logging.getLogger(__name__)

#: Told the start time of a run under way (``None`` when unknown) before a command waits for it to end.
OnWait = Callable[[datetime | None], None]

#: What ``list`` reads of each unit at first: enough for states, next runs and whether a service ever ran.
LIST_PROPERTIES = {"service": ("ExecMainStartTimestamp",), "timer": ("NextElapseUSecRealtime",)}

#: Where enabling a timer puts its link (its units say ``WantedBy=timers.target``), and systemd's config dir.
WANTS_DIR = "timers.target.wants"
CONFIG_DIR = Path("/etc/systemd/system")

#: Searched for interpreters before the caller's PATH: the directories a service sees by default.
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


#: Unit file states systemd may have cached from before a change; others (masked...) are kept as read.
CACHED_STATES = ("enabled", "disabled", "")


class Change(StrEnum):
    """What a command did to a job."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class Deployment:
    """The outcome of deploying (or modifying) one job."""

    name: str
    change: Change
    service_path: str
    timer_path: str | None
    job_dir: str
    paused: bool = False
    #: Runs its schedule will skip or move (short months, leap days, DST changes in the next year).
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class JobSummary:
    """One line of ``odin list``."""

    name: str
    runs: str
    description: str
    status: JobStatus
    #: The durations of its last runs in seconds, oldest first (as many as the history read keeps).
    durations: tuple[float, ...] = ()
    #: Why the job cannot be read, for a job in state ``damaged``; empty otherwise.
    problem: str = ""


@dataclass(frozen=True, slots=True)
class JobDetails:
    """Everything ``odin describe`` shows."""

    name: str
    spec: JobSpec
    record: JobRecord
    job_text: str
    service_path: str
    timer_path: str | None
    job_dir: str
    next_runs: tuple[datetime, ...]
    status: JobStatus
    last_runs: tuple[LastRun, ...]
    linked_from: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class RunResult:
    """A run started by ``odin run`` (or one already under way); outcome fields are set when it was waited
    for."""

    name: str
    waited: bool
    last_run: LastRun | None = None
    #: Whether the job was running already, so that no run was started.
    already_running: bool = False
    #: When that run started, when systemd says.
    running_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class Removal:
    """What ``odin remove`` deleted."""

    name: str
    removed: tuple[str, ...]
    unlinked_from: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Toggle:
    """The outcome of pause, resume, link and unlink: whether anything had to change."""

    name: str
    change: Change
    detail: str = ""


@dataclass
class _Plan:
    """One job's desired state next to its current one, all computed before anything is written."""

    spec: JobSpec
    record: JobRecord
    job_text: str
    units: UnitFiles
    files: dict[str, Path] | None  # relative path -> source file; None keeps the job directory's files
    old_service: str | None
    old_timer: str | None
    old_state: str | None
    old_job_text: str | None
    timer_enabled: bool
    dir_matches: bool

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def new(self) -> bool:
        return self.old_service is None and self.old_state is None

    @property
    def units_changed(self) -> bool:
        return (self.units.service, self.units.timer) != (self.old_service, self.old_timer)

    @property
    def meta_changed(self) -> bool:
        return (self.record.to_json(), self.job_text) != (self.old_state, self.old_job_text)

    @property
    def changed(self) -> bool:
        return self.units_changed or self.meta_changed or not self.dir_matches


class JobService:
    """The use cases, over one settings object and one systemd adapter."""

    def __init__(self, settings: Settings | None = None, systemd: Systemd | None = None):
        self.settings = settings or load_settings()
        self.systemd = systemd or Systemd()

    # ---- paths and stored state -------------------------------------------------------------------------

    def job_dir(self, name: str) -> Path:
        return self.settings.jobs_dir / name

    def unit_path(self, name: str, kind: str) -> Path:
        return self.settings.unit_dir / unit_name(name, kind)

    def record(self, name: str) -> JobRecord:
        """The stored record of job ``name``.

        :raises JobNotFound: when no such job is deployed.
        :raises DamagedJob: when its record cannot be read.
        """
        check_name(name)
        try:
            return read_record(str(self.job_dir(name) / META_DIR / STATE_FILE))
        except (FileNotFoundError, NotADirectoryError):
            raise JobNotFound(name) from None

    def timer_enabled(self, name: str) -> bool:
        """Whether the job's timer is enabled: its link in ``timers.target.wants`` is on disk.

        The link is what a reboot goes by. systemd's ``UnitFileState`` is cached until the next daemon-reload,
        and a disable without one (as ``pause`` does) leaves it saying "enabled".
        """
        link = unit_name(name, "timer")
        folders = {self.settings.unit_dir, CONFIG_DIR}
        return any(os.path.lexists(os.path.join(folder, WANTS_DIR, link)) for folder in folders)

    def _enablement_from_disk(self, statuses: dict[str, UnitStatus]) -> dict[str, UnitStatus]:
        """``statuses`` with each Odin timer's enablement read from disk (see :meth:`timer_enabled`)."""
        for unit, status in statuses.items():
            name = unit.removeprefix("odin-").removesuffix(".timer")
            if unit == unit_name(name, "timer") and status.unit_file_state in CACHED_STATES:
                enabled = self.timer_enabled(name)
                statuses[unit] = replace(status, unit_file_state="enabled" if enabled else "disabled")
        return statuses

    def records(self) -> list[JobRecord]:
        """Every deployed job's record, by name; damaged jobs are left out (:meth:`scan` names them)."""
        return self.scan()[0]

    def scan(self) -> tuple[list[JobRecord], list[DamagedJob]]:
        """Every deployed job's record, by name, and the jobs whose record cannot be read."""
        out, damaged = [], []
        base = str(self.settings.jobs_dir)
        try:
            with os.scandir(base) as entries:
                # Names never start with a dot; such entries are deploys under way or being undone.
                names = sorted(entry.name for entry in entries if not entry.name.startswith("."))
        except FileNotFoundError:
            return [], []
        for name in names:
            try:
                out.append(read_record(os.path.join(base, name, META_DIR, STATE_FILE)))
            except (FileNotFoundError, NotADirectoryError):
                continue
            except DamagedJob as err:
                damaged.append(err)
        return out, damaged

    def deployed_spec(self, name: str) -> tuple[JobSpec, str]:
        """The job file as deployed, parsed, and its text.

        :raises DamagedJob: when it is missing or not text.
        """
        record = self.record(name)
        path = self.job_dir(name) / META_DIR / JOB_FILE
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise DamagedJob(name, str(path), "is missing") from None
        except UnicodeDecodeError:
            raise DamagedJob(name, str(path), "is not UTF-8 text") from None
        return parse_job(text, source=f"{record.source} (as deployed)", path=record.source), text

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold Odin's lock: one changing command at a time on this machine."""
        path = self.settings.lock_file
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(path, "a")
        except OSError as err:
            raise OdinError(f"cannot open the lock file {path}: {err.strerror} (run odin as root?)") from None
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    # ---- deploy and modify ------------------------------------------------------------------------------

    def deploy(self, paths: Iterable[Path]) -> list[Deployment]:
        """Deploy job files and directories of job files, all or nothing, with at most one reload (none when
        every job is new).

        :raises JobFileError: on any invalid job file, before anything is written.
        :raises ScheduleError: on a bad ``runs``.
        :raises OdinError: when a step fails; the previous state has then been restored.
        """
        files = job_files(paths)
        specs = [load_job(path) for path in files]
        _check_unique(specs)
        with self.lock():
            enabled = self._enabled_timers([spec.name for spec in specs])
            plans = [self._plan(spec, read_text(Path(spec.source)), copy_list(spec),
                                enabled=spec.name in enabled) for spec in specs]
            self._check_names_free([spec for spec in specs if not self.job_dir(spec.name).exists()])
            done = self._apply(plans)
        warnings = _warnings(specs, datetime.now(UTC))
        return [replace(item, warnings=warnings.get(item.name, ())) for item in done]

    def _check_names_free(self, new: list[JobSpec]) -> None:
        """Refuse new jobs whose units would take over units Odin did not write: a unit file without Odin's
        stamp, or a unit systemd holds from elsewhere (a transient one, a package's).

        :raises JobFileError: at the job's name, naming the unit; nothing is written.
        """
        units = {unit_name(spec.name, kind): spec for spec in new for kind in ("service", "timer")}
        held = self.systemd.held(units) if units else {}
        for unit, spec in units.items():
            found = self._foreign(self.settings.unit_dir / unit, held.get(unit))
            if found:
                raise spec.error("name", f"{unit} already exists and was not written by Odin ({found})",
                                 "pick another job name: Odin does not take over units it did not write")

    @staticmethod
    def _foreign(path: Path, held: UnitStatus | None) -> str | None:
        """Where a unit named as Odin's at ``path`` comes from, when not from Odin; ``None`` when it is
        Odin's or does not exist."""
        if held is not None and (held.exists or held.active_state not in ("inactive", "failed")):
            fragment = str(held.get("FragmentPath", ""))
            if held.load_state == "masked":
                return "masked"
            if fragment.startswith(TRANSIENT_DIR + "/"):
                return "a transient unit, started with systemd-run"
            if fragment != str(path):
                return f"loaded from {fragment}" if fragment else "loaded by systemd"
        text = read_text(path)
        if text is not None and not written_by_odin(text):
            return f"{path}, without Odin's X-Odin-Version= stamp"
        others = [file for file in unit_files(path.name) if file != str(path)]
        return others[0] if others else None

    def _enabled_timers(self, names: list[str]) -> set[str]:
        """Which of these jobs have an enabled timer."""
        return {n for n in names if self.unit_path(n, "timer").exists() and self.timer_enabled(n)}

    def modify(self, name: str, *, runs: str | None = None, description: str | None = None,
               file: Path | None = None) -> Deployment:
        """Change a deployed job in place: a new schedule or description, or a whole new job file.

        :raises JobNotFound: when the job is not deployed.
        :raises InputError: when nothing is asked, the file names another job, or a value is bad.
        """
        record = self.record(name)
        if file is not None:
            if runs is not None or description is not None:
                raise InputError("give either a job file or --runs/--description, not both")
            spec = load_job(file)
            if spec.name != name:
                raise spec.error("name", f"this job file is for job '{spec.name}', not '{name}'")
            with self.lock():
                return self._apply([self._plan(spec, read_text(file), copy_list(spec))])[0]
        if runs is None and description is None:
            raise InputError("nothing to change: give --runs, --description or -f FILE")
        spec, text = self.deployed_spec(name)
        if runs is not None:
            from odin.grammar import compile_schedule

            compile_schedule(runs, timezone=spec.timezone, source="--runs")
        new_text = edit_job_text(text, {"runs": runs, "description": description})
        new_spec = parse_job(new_text, source=f"{record.source} (as deployed)", path=record.source)
        with self.lock():
            return self._apply([self._plan(new_spec, new_text, None, record.user)])[0]

    def _plan(self, spec: JobSpec, job_text: str, files: dict[str, Path] | None,
              default_user: str | None = None, links: tuple[tuple[str, ...], tuple[str, ...]] | None = None,
              enabled: bool | None = None) -> _Plan:
        """Compute one job's new state; nothing is written. ``enabled`` says whether its timer is enabled,
        when the caller already asked systemd."""
        job_dir = self.job_dir(spec.name)
        old_state, old = _stored_record(job_dir)
        intact = old is not None or old_state is None  # a damaged record is repaired by copying the job anew
        user = spec.user or default_user or (old.user if old and files is None else None) or invoking_user()
        _check_account(spec, user)
        on_success, on_failure = links or ((old.on_success, old.on_failure) if old else ((), ()))
        record = JobRecord(spec.name, spec.source, user, spec.group, on_success, on_failure,
                           spec.schedule.text, spec.description)
        context = RenderContext(python=odin_python(), interpreter=self._interpreter(spec, files),
                                job_dir=str(job_dir), user=user, group=spec.group,
                                pushgateway_url=self.settings.pushgateway_url,
                                on_success=on_success, on_failure=on_failure)
        units = render_units(spec, context)
        timer = self.unit_path(spec.name, "timer")
        old_timer = read_text(timer)
        if old_timer is None:
            enabled = False
        elif enabled is None:
            enabled = self.timer_enabled(spec.name)
        return _Plan(spec, record, job_text, units, files,
                     old_service=read_text(self.unit_path(spec.name, "service")), old_timer=old_timer,
                     old_state=old_state, old_job_text=read_text(job_dir / META_DIR / JOB_FILE),
                     timer_enabled=enabled, dir_matches=files is None or (intact and same_files(files, job_dir)))

    def _interpreter(self, spec: JobSpec, files: dict[str, Path] | None) -> str | None:
        name = interpreter_for(spec)
        if name is None:
            program = files.get(spec.file) if files else self.job_dir(spec.name) / spec.file
            if program is not None and not os.access(program, os.X_OK):
                raise spec.error("file", f"{spec.file} is not executable (chmod +x it, or set a language)")
            return None
        found = _which(name, f"{SYSTEM_PATH}:{os.environ.get('PATH', '')}")
        if found is None:
            raise spec.error("language",
                             f"{name} is not installed on this machine (needed for {spec.language})")
        return found

    def _apply(self, plans: list[_Plan]) -> list[Deployment]:
        changed = [p for p in plans if p.changed]
        if changed:
            self.systemd.ping()  # without systemd, nothing may be written: the changes could not be undone
            units = {}
            for plan in changed:
                units[plan.units.service_name] = plan.units.service
                if plan.units.timer is not None:
                    units[plan.units.timer_name] = plan.units.timer
            self.systemd.verify(units)
            with Transaction(self.systemd) as tx:
                self._write(changed, tx)
        return [self._deployment(p) for p in plans]

    def _write(self, plans: list[_Plan], tx: Transaction) -> None:
        reload = False
        for plan in plans:
            if not plan.dir_matches:
                tx.step(f"copying the files of {plan.name}")
                staged = stage(self.settings.jobs_dir, plan.name, plan.files or {},
                               {STATE_FILE: plan.record.to_json(), JOB_FILE: plan.job_text})
                tx.replace_dir(self.job_dir(plan.name), staged)
            elif plan.meta_changed:
                tx.step(f"updating the record of {plan.name}")
                job_dir = self.job_dir(plan.name)
                tx.write(job_dir / META_DIR / STATE_FILE, plan.record.to_json())
                tx.write(job_dir / META_DIR / JOB_FILE, plan.job_text)
                # The job reads its configuration from these copies (odin.config()), not from .odin/.
                for copy in (job_dir / LIBRARY_JOB_FILE, job_dir / Path(plan.spec.source).name):
                    text = read_text(copy)
                    if text != plan.job_text and (text is not None or copy.name == LIBRARY_JOB_FILE):
                        tx.write(copy, plan.job_text)
        dropped = [p.units.timer_name for p in plans if p.old_timer is not None and p.units.timer is None
                   and p.timer_enabled]
        if dropped:
            tx.step("disabling timers no longer needed")
            tx.disable(dropped)
        for plan in plans:
            if not plan.units_changed:
                continue
            # systemd loads a unit it has never seen from disk when it is first asked for; only units it
            # already holds need a reload to see their new text.
            reload = reload or plan.old_service is not None or plan.old_timer is not None
            tx.step(f"writing the units of {plan.name}")
            tx.write(self.unit_path(plan.name, "service"), plan.units.service)
            timer = self.unit_path(plan.name, "timer")
            if plan.units.timer is not None:
                tx.write(timer, plan.units.timer)
            elif plan.old_timer is not None:
                tx.delete(timer)
        if reload:
            tx.step("reloading systemd")
            tx.reload()
        starting = [p.units.timer_name for p in plans if p.units.timer is not None and p.old_timer is None]
        if starting:
            tx.step("enabling and starting the timers")
            tx.enable(starting)

    def _deployment(self, plan: _Plan) -> Deployment:
        change = Change.CREATED if plan.new else Change.UPDATED if plan.changed else Change.UNCHANGED
        paused = plan.old_timer is not None and plan.units.timer is not None and not plan.timer_enabled
        return Deployment(plan.name, change, str(self.unit_path(plan.name, "service")),
                          str(self.unit_path(plan.name, "timer")) if plan.units.timer else None,
                          str(self.job_dir(plan.name)), paused)

    # ---- remove, pause, resume, run -----------------------------------------------------------------------

    def remove(self, name: str, *, force: bool = False, timeout: float | None = None,
               on_wait: OnWait | None = None) -> Removal:
        """Stop, disable and delete a job: its units, its job directory, its timer stamp and its metrics.

        A running instance is waited for (up to ``timeout`` seconds), or stopped when ``force``. Jobs that
        link to this one lose the link. Units of that name that Odin did not write are left alone.

        :param on_wait: called with the start time of a run under way (``None`` when unknown) before waiting.
        :raises JobNotFound: when the job is not deployed.
        :raises OdinError: when the run is still going after ``timeout`` seconds; nothing is removed then.
        """
        check_name(name)
        service, timer = unit_name(name, "service"), unit_name(name, "timer")
        job_dir = self.job_dir(name)
        with self.lock():
            units = [p for p in (self.unit_path(name, "service"), self.unit_path(name, "timer"))
                     if written_by_odin(read_text(p))]
            existing = [*units, job_dir] if job_dir.exists() else units
            if not existing:
                raise JobNotFound(name)
            if self.unit_path(name, "service") in units:  # a service of that name not Odin's is left running
                if force:
                    self.systemd.stop(service)
                else:
                    try:
                        self.systemd.wait_current(service, timeout, _telling(on_wait))
                    except StillRunning as err:
                        raise OdinError(f"{name} is still running after {err.timeout:g} s: nothing was "
                                        "removed", hint=f"odin remove {name} --force stops the run") from None
            linking = [r for r in self.records() if name in r.links and r.name != name]
            plans = []
            for other in linking:
                spec, text = self.deployed_spec(other.name)
                links = (tuple(j for j in other.on_success if j != name),
                         tuple(j for j in other.on_failure if j != name))
                plans.append(self._plan(spec, text, None, other.user, links))
            with Transaction(self.systemd) as tx:
                if plans:
                    self._write(plans, tx)
                if self.unit_path(name, "timer") in units:
                    tx.step(f"disabling {timer}")
                    tx.disable([timer])
                tx.step(f"deleting the units of {name}")
                for path in units:
                    tx.delete(path)
                tx.step("reloading systemd")
                tx.reload()
            for path in units:
                self.systemd.reset_failed(path.name)
            shutil.rmtree(job_dir, ignore_errors=True)
            stamp = timer_stamp(timer)
            if self.unit_path(name, "timer") in units and stamp.exists():
                stamp.unlink()
                existing.append(stamp)
        _forget_metrics(name)
        return Removal(name, tuple(str(p) for p in existing), tuple(r.name for r in linking))

    def pause(self, name: str) -> Toggle:
        """Stop and disable a job's timer: it stays paused across reboots until resumed."""
        timer = self._timer_of(name)
        with self.lock():
            if not self.timer_enabled(name):
                return Toggle(name, Change.UNCHANGED, "already paused")
            self.systemd.disable_now(timer)
        return Toggle(name, Change.UPDATED, "paused")

    def resume(self, name: str) -> Toggle:
        """Enable and start a paused job's timer."""
        timer = self._timer_of(name)
        with self.lock():
            status = self.systemd.status(timer)
            if self.timer_enabled(name) and status.active_state == "active":
                return Toggle(name, Change.UNCHANGED, "already active")
            self.systemd.enable_now(timer)
        return Toggle(name, Change.UPDATED, "resumed")

    def _timer_of(self, name: str) -> str:
        self.record(name)
        if not self.unit_path(name, "timer").exists():
            raise InputError(f"job '{name}' has no schedule (runs: never): no timer to pause or resume")
        return unit_name(name, "timer")

    def run(self, name: str, *, wait: bool = False, timeout: float | None = None,
            on_wait: OnWait | None = None) -> RunResult:
        """Start a job now; with ``wait``, return once the run is over, with its outcome.

        A job already running is not started again: the result says so, and with ``wait`` it comes once that
        run is over, with its outcome (``on_wait`` is called with its start time first).

        :raises OdinError: when the run is still going after ``timeout`` seconds (it goes on).
        """
        self.record(name)
        service = unit_name(name, "service")
        if not wait:
            status = self.systemd.status(service)
            if busy(status):
                return RunResult(name, waited=False, already_running=True, running_since=_started(status))
            self.systemd.start(service)
            return RunResult(name, waited=False)
        joined: list[UnitStatus] = []  # the run under way, when there is one

        def joining(status: UnitStatus) -> None:
            joined.append(status)
            _telling(on_wait)(status)

        try:
            ended = self.systemd.wait_current(service, timeout, joining)
            if ended is None:
                ended = self.systemd.start_and_wait(service, timeout)
        except StillRunning as err:
            raise OdinError(f"the run of {name} is still going after {err.timeout:g} s; it goes on",
                            hint=f"odin log {name} -f follows it; odin status {name} tells how it ended"
                            ) from None
        return RunResult(name, waited=True, last_run=last_run_from_unit(ended), already_running=bool(joined),
                         running_since=_started(joined[0]) if joined else None)

    # ---- links ------------------------------------------------------------------------------------------

    def link(self, source: str, target: str, *, on_failure: bool = False) -> Toggle:
        """Start job ``target`` after each successful (or failed) run of ``source``.

        :raises InputError: when the link would make a cycle.
        """
        if source == target:
            raise InputError(f"a job cannot be linked to itself ('{source}')")
        record, _ = self.record(source), self.record(target)
        kind = "failure" if on_failure else "success"
        with self.lock():
            record = self.record(source)
            current = record.on_failure if on_failure else record.on_success
            if target in current:
                return Toggle(source, Change.UNCHANGED, f"{target} already runs on {kind} of {source}")
            path = _path(self.records(), target, source)
            if path:
                raise InputError(f"linking {source} to {target} would make a cycle: "
                                 f"{' -> '.join([source, *path])}")
            links = ((record.on_success, record.on_failure + (target,)) if on_failure
                     else (record.on_success + (target,), record.on_failure))
            self._relink(record, links)
        return Toggle(source, Change.UPDATED, f"{target} now runs on {kind} of {source}")

    def unlink(self, source: str, target: str) -> Toggle:
        """Remove any link from ``source`` to ``target``.

        :raises JobNotFound: when either job is not deployed (a link to a job no longer deployed still goes).
        :raises OdinError: when ``target`` is not linked after ``source``.
        """
        self.record(source)
        with self.lock():
            record = self.record(source)
            if target not in record.links:
                self.record(target)
                raise OdinError(f"{target} is not linked after {source}",
                                hint=f"odin describe {source} shows what runs after it")
            self._relink(record, (tuple(j for j in record.on_success if j != target),
                                  tuple(j for j in record.on_failure if j != target)))
        return Toggle(source, Change.UPDATED, f"{target} no longer runs after {source}")

    def _relink(self, record: JobRecord, links: tuple[tuple[str, ...], tuple[str, ...]]) -> None:
        spec, text = self.deployed_spec(record.name)
        self._apply([self._plan(spec, text, None, record.user, links)])

    # ---- views ------------------------------------------------------------------------------------------

    def list_jobs(self, now: datetime | None = None, *, history: RunHistory | None = None) -> list[JobSummary]:
        """Every deployed job with its status, asking systemd and the journal in batches.

        systemd gives states and next runs in one pass of a few reads per job; the journal's run summaries give
        the last runs in one pass; systemd is asked for the last run of the jobs the journal does not know.
        A job whose record cannot be read is listed in state ``damaged``, with its ``problem``.

        :param history: where to read the last runs; one that keeps its reads between calls (the dashboard's)
            makes later calls cheap, and its ``per_job`` sets how many durations each job comes with.
        """
        now = now or datetime.now(UTC)
        records, damaged = self.scan()
        names = [r.name for r in records]
        recent = _recent_runs(names, history)
        journal = {n: last for n in names if (last := _last_run(recent.get(n))) is not None}
        services = [unit_name(n, "service") for n in names]
        unit_files = _names_in(self.settings.unit_dir)
        timers = [t for t in (unit_name(n, "timer") for n in names) if t in unit_files]
        only: dict[str, tuple[str, ...]] = {unit_name(n, "service"): () for n in journal}
        only |= LIST_PROPERTIES
        statuses = self.systemd.statuses(services + timers, patterns=["odin-*"], only=only)
        # A second look, only where the first was not enough: services that ran and are not in the journal
        # or run now, and stopped timers (paused or not is their enablement).
        again = [unit for n, unit in zip(names, services)
                 if (n not in journal and statuses[unit].get("ExecMainStartTimestamp"))
                 or statuses[unit].active_state != "inactive"]
        again += [timer for timer in timers if statuses[timer].active_state != "active"]
        statuses.update(self.systemd.statuses(again))
        self._enablement_from_disk(statuses)
        jobs = [JobSummary(r.name, r.runs, r.description,
                           self._status(r.name, statuses, journal.get(r.name), now),
                           runs.durations if (runs := recent.get(r.name)) else ()) for r in records]
        jobs += [JobSummary(d.name, "", "", JobStatus(d.name, JobState.DAMAGED, RunOutcome.UNKNOWN, None, None,
                                                      None, None), problem=d.render()) for d in damaged]
        return sorted(jobs, key=lambda job: job.name)

    def status(self, name: str, now: datetime | None = None) -> JobStatus:
        """The status of one job, its last run from the journal when it can be read.

        :raises JobNotFound: when the job is not deployed.
        """
        self.record(name)
        last = _journal_runs(name, 1)
        statuses = self._enablement_from_disk(self.systemd.statuses(self._units(name)))
        return self._status(name, statuses, last[0] if last else None,
                            now or datetime.now(UTC))

    def _units(self, name: str) -> list[str]:
        """The job's units: its service, and its timer when it has one."""
        units = [unit_name(name, "service")]
        if self.unit_path(name, "timer").exists():
            units.append(unit_name(name, "timer"))
        return units

    def _status(self, name: str, statuses: dict[str, UnitStatus], last: LastRun | None,
                now: datetime) -> JobStatus:
        service = statuses[unit_name(name, "service")]
        timer = statuses.get(unit_name(name, "timer"))
        return job_status(name, service, timer, last, now)

    def describe(self, name: str, now: datetime | None = None, count: int = 5) -> JobDetails:
        """Everything about one job: its configuration, units, next runs and last runs."""
        from odin.calendar import next_runs

        now = now or datetime.now(UTC)
        record = self.record(name)
        spec, text = self.deployed_spec(name)
        statuses = self._enablement_from_disk(self.systemd.statuses(self._units(name)))
        last_runs = _journal_runs(name, count)
        if not last_runs:
            last = last_run_from_unit(statuses[unit_name(name, "service")])
            last_runs = [last] if last else []
        status = self._status(name, statuses, last_runs[0] if last_runs else None, now)
        upcoming = tuple(next_runs(spec.schedule, now, count)) if spec.schedule.oncalendar else ()
        linked_from = tuple((r.name, "failure" if name in r.on_failure else "success")
                            for r in self.records() if name in r.links)
        timer = self.unit_path(name, "timer")
        return JobDetails(name, spec, record, text, str(self.unit_path(name, "service")),
                          str(timer) if timer.exists() else None, str(self.job_dir(name)), upcoming, status,
                          tuple(last_runs), linked_from)


# ---- helpers -----------------------------------------------------------------------------------------------


def default_service() -> JobService:
    """A service with the settings in effect on this machine and the default system bus."""
    return JobService(load_settings(), Systemd())


def generate(name: str, language: str, runs: str, *, description: str | None = None,
             directory: Path = Path("."), force: bool = False) -> list[Path]:
    """Write ``<name>.yml`` and a starter program using the in-job library; return their paths.

    :raises InputError: on a bad name, language, schedule or description (as ``deploy`` would refuse them), or
        when a file exists and not ``force``; nothing is written then.
    """
    from odin.grammar import compile_schedule
    from odin.jobfile import Language, check_line
    from odin.starters import starters

    check_name(name)
    try:
        lang = Language(language.lower())
    except ValueError:
        choices = [item.value for item in Language]
        raise InputError(f"unknown language '{language}'", hint=f"languages: {', '.join(choices)}") from None
    check_line("--runs", runs)
    compile_schedule(runs, source="--runs")
    if description is not None:
        check_line("--description", description)
    files = starters(name, lang, runs, description or f"What {name} does.")
    paths = [directory / f.filename for f in files]
    parse_job(files[0].text, source=str(paths[0]))  # what deploy will check first
    existing = [str(p) for p in paths if p.exists()]
    if existing and not force:
        raise InputError(f"{', '.join(existing)} already exists", hint="use --force to overwrite")
    directory.mkdir(parents=True, exist_ok=True)
    for starter, path in zip(files, paths):
        path.write_text(starter.text, encoding="utf-8")
        if starter.executable:
            path.chmod(0o755)
    return paths


def odin_python() -> str:
    """The interpreter that runs the wrapper: this environment's ``bin/python3``, so that the units do not
    depend on whether ``odin`` or ``python -m odin`` was typed."""
    candidate = Path(sys.prefix) / "bin" / "python3"
    return str(candidate) if os.access(candidate, os.X_OK) else sys.executable


@functools.cache
def _which(command: str, search_path: str) -> str | None:
    return shutil.which(command, path=search_path)


def invoking_user() -> str:
    """The user who ran odin: ``SUDO_USER`` under sudo, else the current user."""
    sudo_user = os.environ.get("SUDO_USER")
    if sudo_user:
        return sudo_user
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def _check_account(spec: JobSpec, user: str) -> None:
    try:
        pwd.getpwuid(int(user)) if user.isdigit() else pwd.getpwnam(user)
    except KeyError:
        raise (spec.error("user", f"no user '{user}' on this machine") if spec.user
               else JobFileError(f"no user '{user}' on this machine to run job '{spec.name}'")) from None
    if spec.group:
        try:
            grp.getgrgid(int(spec.group)) if spec.group.isdigit() else grp.getgrnam(spec.group)
        except KeyError:
            raise spec.error("group", f"no group '{spec.group}' on this machine") from None


def _stored_record(job_dir: Path) -> tuple[str | None, JobRecord | None]:
    """The text of the job's stored record and the record; a damaged one has none, so that a deploy over it
    writes the whole job directory anew."""
    path = job_dir / META_DIR / STATE_FILE
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None, None
    try:
        return data.decode("utf-8", "replace"), parse_record(data, str(path))
    except DamagedJob:
        return data.decode("utf-8", "replace"), None


def _warnings(specs: list[JobSpec], base: datetime) -> dict[str, tuple[str, ...]]:
    """Each job's schedule warnings from ``base``, worked out once for jobs sharing a schedule."""
    by_schedule: dict[tuple[tuple[str, ...], str, str], tuple[str, ...]] = {}
    out = {}
    for spec in specs:
        key = (spec.schedule.oncalendar, spec.schedule.timezone, spec.schedule.text)
        if key not in by_schedule:
            by_schedule[key] = tuple(schedule_warnings(spec.schedule, base))
        out[spec.name] = by_schedule[key]
    return out


def _check_unique(specs: list[JobSpec]) -> None:
    seen: dict[str, JobSpec] = {}
    for spec in specs:
        if spec.name in seen:
            raise spec.error("name", f"job '{spec.name}' is also defined in {seen[spec.name].source}")
        seen[spec.name] = spec


def _path(records: list[JobRecord], start: str, goal: str) -> list[str]:
    """The jobs from ``start`` to ``goal`` following links, or ``[]`` when ``goal`` is unreachable."""
    graph = {r.name: r.links for r in records}
    stack, seen = [(start, [start])], {start}
    while stack:
        node, trail = stack.pop()
        if node == goal:
            return trail
        for nxt in graph.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, trail + [nxt]))
    return []


def _journal_runs(name: str, count: int) -> list[LastRun]:
    """The job's last finished runs from the journal, newest first; empty when the journal cannot tell."""
    from odin import journal
    from odin.errors import JournalError

    try:
        runs = journal.runs(name, count + 1, records=False)
    except JournalError as err:
        logger.warning("cannot read the runs of %s from the journal: %s", name, err.message)
        return []
    return [last for last in map(last_run_from_record, runs) if last is not None][:count]


def _recent_runs(names: list[str], history: RunHistory | None) -> dict[str, RecentRuns]:
    """Each job's recent runs from the journal's summaries; empty when the journal cannot be read."""
    from odin.errors import JournalError
    from odin.summaries import RunHistory

    if not names:
        return {}
    try:
        return (history or RunHistory(per_job=1)).recent(names)
    except JournalError as err:
        logger.warning("cannot read last runs from the journal: %s", err.message)
        return {}


def _last_run(recent: RecentRuns | None) -> LastRun | None:
    return last_run_from_record(recent.last) if recent is not None and recent.last is not None else None


def _names_in(directory: Path) -> set[str]:
    """The names of the entries of ``directory``; none when it does not exist."""
    try:
        with os.scandir(directory) as entries:
            return {entry.name for entry in entries}
    except (FileNotFoundError, NotADirectoryError):
        return set()


def _started(status: UnitStatus) -> datetime | None:
    """When the unit's current run started, when systemd knows."""
    return from_usec(status.get("ExecMainStartTimestamp"))


def _telling(on_wait: OnWait | None) -> Callable[[UnitStatus], None]:
    """A callback for :meth:`Systemd.wait_current` that passes the run's start time to ``on_wait``."""
    return lambda status: None if on_wait is None else on_wait(_started(status))


def _forget_metrics(name: str) -> None:
    """Delete the job's group from the Pushgateway, which never forgets one on its own."""
    try:
        from odin.pushgateway import delete_job
    except ImportError:
        return
    try:
        delete_job(name)
    except OdinError as err:
        logger.warning("could not delete the metrics of %s: %s", name, err.message)


