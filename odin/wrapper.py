"""Runs one job under systemd: ``python -m odin.wrapper --job NAME -- PROGRAM [ARGS...]``.

It is the ``ExecStart=`` of every job's service. It starts the program (Python unbuffered, with ``import
odin`` available), whose stdout and stderr go straight to journald; it reads the records the job writes to
the pipe named by ``ODIN_RECORD_FD`` and writes them to the journal as structured entries (see
:mod:`odin.entries`); at the end it writes the run's summary entry and pushes metrics when
``ODIN_PUSHGATEWAY_URL`` is set. Signals are passed on to the program; a stopped or timed-out run is
recorded as such. The wrapper's own troubles become warnings and never change the job's outcome.

Exit status: the program's; when a signal killed the program, the wrapper ends by the same signal; when
the job's result reported failure but the program exited 0, 1.
"""
from __future__ import annotations

import fcntl
import os
import select
import signal
import sys
import time
from datetime import datetime, timezone

from odin.entries import Batcher, Fields, start_fields, summary_fields, warning_fields
from odin.journal import SOCKET_PATH, JournalWriter
from odin.outcome import RunOutcome, decide_outcome, signal_name
from odin.program import Program
from odin.records import (FD_ENV, JOB_ENV, MAX_LINE_BYTES, RUN_ENV, Kind, RecordError, decode_record,
                          format_time)

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
RUNTIME_DIR = "/run/odin"
RECORD_FD = 3
PIPE_SIZE = 1 << 20
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
MAX_METRIC_NAMES = 200
PUSH_TIMEOUT = 2.0


class Reporter:
    """Sends the run's entries to the journal, or prints their messages to stderr when it is unreachable."""

    def __init__(self, job: str, run: str, writer: JournalWriter):
        self.job, self.run, self.writer = job, run, writer
        self.warnings = 0
        self._lost = False

    def send(self, fields: Fields) -> None:
        try:
            self.writer.send(fields)
        except Exception as err:  # noqa: BLE001 - any trouble with the journal: keep the run going
            if not self._lost:
                print(f"odin: {err}; entries go to stderr", file=sys.stderr, flush=True)
                self._lost = True
            print(f"odin: {fields.get('MESSAGE', '')}", file=sys.stderr, flush=True)

    def warn(self, message: str, line: bytes | None = None) -> None:
        self.warnings += 1
        self.send(warning_fields(self.job, self.run, message, line))


class Collector:
    """Splits the pipe's bytes into lines, checks each record and hands it to the batcher."""

    def __init__(self, reporter: Reporter):
        self.reporter = reporter
        self.batcher = Batcher(reporter.job, reporter.run)
        self.result: dict[str, object] | None = None
        self.numbers: dict[str, float] = {}
        self._buffer = b""
        self._skipping = False

    def feed(self, chunk: bytes, now: float) -> None:
        received = datetime.now(timezone.utc)
        lines = (self._buffer + chunk).split(b"\n")
        self._buffer = lines.pop()
        for line in lines:
            if self._skipping:
                self._skipping = False
                continue
            self._line(line, now, received)
        if len(self._buffer) > MAX_LINE_BYTES:
            self.reporter.warn(f"record line longer than {MAX_LINE_BYTES} bytes dropped", self._buffer)
            self._buffer, self._skipping = b"", True

    def _line(self, line: bytes, now: float, received: datetime) -> None:
        if not line.strip():
            return
        try:
            record = decode_record(line, received)
        except RecordError as err:
            self.reporter.warn(f"record line ignored: {err}", line)
            return
        if record["kind"] is Kind.RESULT:
            self.result = record
        elif record["kind"] is Kind.WATCH:
            self._number(str(record["name"]), record["value"])
        self.batcher.add(record, now, len(line))

    def _number(self, name: str, value: object) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if name in self.numbers or len(self.numbers) < MAX_METRIC_NAMES:
                self.numbers[name] = float(value)

    def flush(self, now: float, force: bool = False) -> None:
        if force or self.batcher.wait(now) == 0:
            for fields in self.batcher.take():
                self.reporter.send(fields)

    def finish(self, now: float) -> None:
        if self._buffer and not self._skipping:
            self._line(self._buffer, now, datetime.now(timezone.utc))
        self._buffer = b""
        self.flush(now, force=True)


class Stops:
    """Passes signals on to the program and remembers the first one that asks the run to stop."""

    def __init__(self) -> None:
        self.program: Program | None = None
        self.signal: int | None = None

    def install(self) -> None:
        for sig in FORWARDED:
            signal.signal(sig, self._handle)

    def _handle(self, signum: int, _frame: object) -> None:
        if self.signal is None and signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
            self.signal = signum
        if self.program is not None:
            self.program.send_signal(signum)


USAGE = "usage: python -m odin.wrapper --job NAME -- PROGRAM [ARGS...]"


def parse_arguments(argv: list[str]) -> tuple[str, list[str]] | None:
    """The job name and the program's command line, or ``None`` when ``argv`` does not fit the usage.

    Parsed by hand: this runs before every job, and argparse costs more to import than the rest.
    """
    if len(argv) >= 2 and argv[0] == "--job":
        job, rest = argv[1], argv[2:]
    elif argv and argv[0].startswith("--job="):
        job, rest = argv[0][len("--job="):], argv[1:]
    else:
        return None
    command = rest[1:] if rest[:1] == ["--"] else rest
    return (job, command) if job and command else None


def library_path(package_dir: str = PACKAGE_DIR, library_dir: str | None = None) -> str:
    """A directory holding only ``odin`` (a link to this package), to put on a job's ``PYTHONPATH``.

    :param library_dir: by default ``python`` in ``ODIN_RUNTIME_DIR`` (``/run/odin``).
    :returns: ``library_dir``; or the package's parent directory when ``library_dir`` cannot be made (a job
        running as a user who cannot write ``/run``), though that directory may hold other packages too.
    """
    library_dir = library_dir or os.path.join(os.environ.get("ODIN_RUNTIME_DIR") or RUNTIME_DIR, "python")
    link = os.path.join(library_dir, "odin")
    try:
        if os.readlink(link) == package_dir:
            return library_dir
    except OSError:
        pass
    try:
        os.makedirs(library_dir, mode=0o755, exist_ok=True)
        temporary = f"{link}.{os.getpid()}"
        os.symlink(package_dir, temporary)
        os.replace(temporary, link)
        return library_dir
    except OSError:
        return os.path.dirname(package_dir)


def yaml_path(search: list[str] = sys.path) -> str | None:
    """The directory holding Odin's own PyYAML, for ``odin.config()`` in a job whose interpreter lacks it."""
    for entry in search:
        if entry and os.path.isfile(os.path.join(entry, "yaml", "__init__.py")):
            return entry
    return None


def job_environment(environ: dict[str, str] | os._Environ[str], job: str, run: str, fd: int,
                    python_path: str, yaml_dir: str | None) -> dict[str, str]:
    """The program's environment: the wrapper's, plus the job, run and record pipe, unbuffered Python
    and ``import odin`` reachable."""
    env = dict(environ)
    env.update({JOB_ENV: job, RUN_ENV: run, FD_ENV: str(fd), "PYTHONUNBUFFERED": "1"})
    env["PYTHONPATH"] = os.pathsep.join(p for p in (python_path, environ.get("PYTHONPATH")) if p)
    if yaml_dir:
        env["ODIN_YAML_PATH"] = yaml_dir
    return env


def record_pipe() -> tuple[int, int]:
    """A pipe for records: the read end high and close-on-exec, the write end on fd 3 when it is free
    (a single digit keeps ``>&3`` working in every shell)."""
    read_fd, write_fd = os.pipe()
    high = fcntl.fcntl(read_fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(read_fd)
    read_fd = high
    if write_fd != RECORD_FD and not _is_open(RECORD_FD):
        os.dup2(write_fd, RECORD_FD, inheritable=False)
        os.close(write_fd)
        write_fd = RECORD_FD
    try:
        fcntl.fcntl(read_fd, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except OSError:
        pass  # the default 64 KiB still works; the job just blocks sooner
    os.set_blocking(read_fd, False)
    return read_fd, write_fd


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def collect(program: Program, read_fd: int, collector: Collector) -> int:
    """Read records until the program exits, then return its return code."""
    poller = select.epoll()
    poller.register(read_fd, select.EPOLLIN)
    if program.exit_fd is not None:
        poller.register(program.exit_fd, select.EPOLLIN)
    pipe_open = True
    try:
        while program.poll() is None:
            wait = collector.batcher.wait(time.monotonic())
            if program.exit_fd is None:
                wait = 0.05 if wait is None else min(wait, 0.05)
            for fd, _ in poller.poll(-1 if wait is None else wait):
                if fd == read_fd and pipe_open:
                    pipe_open = _read(read_fd, collector)
                    if not pipe_open:
                        poller.unregister(read_fd)
            collector.flush(time.monotonic())
    finally:
        poller.close()
    # The program is gone; take what it wrote, but not what a leftover child may still write.
    while pipe_open and _read(read_fd, collector):
        collector.flush(time.monotonic())
    return program.wait()


def _read(read_fd: int, collector: Collector) -> bool:
    """Read one chunk; false at end of file or when nothing is waiting."""
    try:
        chunk = os.read(read_fd, 1 << 16)
    except BlockingIOError:
        return False
    if chunk:
        collector.feed(chunk, time.monotonic())
    return bool(chunk)


def own_unit() -> str | None:
    """The systemd unit this process runs in, from its cgroup path."""
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as file:
            for line in file:
                name = line.rstrip("\n").rsplit("/", 1)[-1]
                if name.endswith(".service"):
                    return name
    except OSError:
        pass
    return None


def stop_reason(signum: int) -> str:
    """Why the run was stopped: a timeout when systemd says so, else the signal."""
    name = signal_name(signum)
    unit = own_unit()
    if unit is not None:
        import subprocess

        try:
            shown = subprocess.run(["systemctl", "show", "--property=Result", "--property=TimeoutStartUSec",
                                    unit], capture_output=True, text=True, timeout=5).stdout
            props = dict(line.split("=", 1) for line in shown.splitlines() if "=" in line)
            if props.get("Result") == "timeout":
                return f"timed out after {props.get('TimeoutStartUSec', '?')} (TimeoutStartSec=), stopped with {name}"
        except (OSError, subprocess.SubprocessError):
            pass
    return f"stopped by {name}"


class MetricsPush:
    """Pushes the run's metrics. Loading ``prometheus_client`` and reading the group's counters start in a
    thread as soon as the program runs, so that a job of any length hides their cost; a Pushgateway that is
    down or slow only costs a warning."""

    def __init__(self, reporter: Reporter, url: str):
        import threading

        self.reporter, self.url = reporter, url
        self._previous: dict[str, float] | None = None
        self._error: Exception | None = None
        self._thread = threading.Thread(target=self._prepare, name="odin-metrics", daemon=True)
        self._thread.start()

    def _prepare(self) -> None:
        try:
            from odin.pushgateway import read_previous

            self._previous = read_previous(self.reporter.job, url=self.url, timeout=PUSH_TIMEOUT)
        except Exception as err:  # noqa: BLE001 - reported when the run ends
            self._error = err

    def push(self, *, end: float, duration: float, returncode: int, success: bool,
             watches: dict[str, float]) -> None:
        self._thread.join(3 * PUSH_TIMEOUT)
        try:
            if self._thread.is_alive():
                raise TimeoutError("no answer")
            if self._error is not None:
                raise self._error
            from odin.pushgateway import push_run

            push_run(self.reporter.job, url=self.url, end=end, duration=duration,
                     exit_code=returncode if returncode >= 0 else 128 - returncode, success=success,
                     watches=watches, previous=self._previous, timeout=PUSH_TIMEOUT)
        except Exception as err:  # noqa: BLE001 - no metrics problem may change the run's outcome
            self.reporter.warn(f"metrics not pushed to {self.url}: {err}")


def main(argv: list[str] | None = None) -> int:
    """Run the job and return the wrapper's exit status (see the module docs)."""
    parsed = parse_arguments(sys.argv[1:] if argv is None else argv)
    if parsed is None:
        print(USAGE, file=sys.stderr)
        return 2
    job, command = parsed
    try:
        run = Run(job, command)
    except Exception as err:  # noqa: BLE001
        # Odin could not even prepare the run: still run the program, so the job's own outcome stands.
        print(f"odin: the wrapper failed before the program started: {err!r}", file=sys.stderr)
        import subprocess

        try:
            return subprocess.call(command)
        except OSError:
            return 127
    returncode, interruption = run.execute()
    return run.finish(returncode, interruption)


class Run:
    """One run of the job: prepared (start entry, pipe, environment), executed, then finished (summary,
    metrics, exit status)."""

    def __init__(self, job: str, command: list[str]):
        self.job = job
        self.id = os.environ.get("INVOCATION_ID") or os.urandom(16).hex()
        writer = JournalWriter(os.environ.get("ODIN_JOURNAL_SOCKET", SOCKET_PATH))
        self.reporter = Reporter(job, self.id, writer)
        self.stops = Stops()
        self.stops.install()
        self.read_fd, self.write_fd = record_pipe()
        self.started, self.started_clock = time.time(), time.monotonic()
        self.start_text = format_time(datetime.fromtimestamp(self.started, timezone.utc))
        self.reporter.send(start_fields(job, self.id, self.start_text, command))
        self.command, self.env = program_environment(self.reporter, command, self.write_fd)
        self.collector = Collector(self.reporter)
        self.pushgateway_url = os.environ.get("ODIN_PUSHGATEWAY_URL")
        self.pusher: MetricsPush | None = None

    def execute(self) -> tuple[int, str | None]:
        """Start the program and read its records until it ends: its return code, and what cut it short."""
        try:
            program = self.stops.program = Program.start(self.command, self.env, self.write_fd)
        except OSError as err:
            return (127 if isinstance(err, FileNotFoundError) else 126), \
                f"cannot start {self.command[0]}: {err.strerror}"
        finally:
            os.close(self.write_fd)
        try:
            if self.pushgateway_url:
                self.pusher = MetricsPush(self.reporter, self.pushgateway_url)
            returncode = collect(program, self.read_fd, self.collector)
        except Exception as err:  # noqa: BLE001 - a wrapper bug must not lose the job's outcome
            self.reporter.warn(f"the wrapper failed while reading records: {err!r}")
            returncode = program.wait()
        return returncode, None

    def finish(self, returncode: int, interruption: str | None) -> int:
        """Write the last records and the summary, push the metrics, and return the wrapper's exit status."""
        try:
            self.collector.finish(time.monotonic())
        except Exception as err:  # noqa: BLE001
            self.reporter.warn(f"the wrapper failed while writing records: {err!r}")
        duration = time.monotonic() - self.started_clock
        if interruption is None and self.stops.signal is not None:
            interruption = stop_reason(self.stops.signal)
        result = self.collector.result
        outcome, reason = decide_outcome(returncode, None if result is None else bool(result["success"]),
                                         interruption)
        end = self.started + duration
        self.reporter.send(summary_fields(
            self.job, self.id, start=self.start_text, end=format_time(datetime.fromtimestamp(end, timezone.utc)),
            duration=duration, returncode=returncode, outcome=str(outcome),
            result=None if result is None else str(result["value"]), reason=reason,
            records=self.collector.batcher.count, warnings=self.reporter.warnings))
        if self.pusher is not None:
            self.pusher.push(end=end, duration=duration, returncode=returncode,
                             success=outcome is RunOutcome.SUCCESS, watches=self.collector.numbers)
        self.reporter.writer.close()
        return exit_status(returncode, outcome)


def program_environment(reporter: Reporter, command: list[str], fd: int) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that start the program with every in-job library reachable."""
    env = job_environment(os.environ, reporter.job, reporter.run, fd, library_path(), yaml_path())
    try:
        from odin.libraries import prepare

        return prepare(command, env)
    except Exception as err:  # noqa: BLE001 - without the other languages' set-up the program may still run
        reporter.warn(f"could not set up the in-job libraries: {err!r}")
        return command, env


def exit_status(returncode: int, outcome: RunOutcome) -> int:
    """The program's exit status; a signal that killed the program is raised again on the wrapper."""
    if returncode < 0:
        try:
            signal.signal(-returncode, signal.SIG_DFL)
        except (OSError, ValueError):
            pass  # SIGKILL and SIGSTOP have no handler to reset
        os.kill(os.getpid(), -returncode)
        return 128 - returncode
    if returncode == 0 and outcome is RunOutcome.FAILURE:
        return 1
    return returncode


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)  # nothing is left to clean up; skipping the interpreter's teardown ends the run sooner
