"""The systemd adapter: a handful of manager calls over D-Bus (pystemd), decoded to ``str`` and ``int``.

The only module that imports pystemd. Creating a :class:`Systemd` does no I/O; each call opens one bus, does
its work and closes it. D-Bus errors become Odin errors through :data:`ERRORS`. ``verify`` runs
``systemd-analyze verify``, which needs no running systemd.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from odin.errors import InputError, JobNotFound, StillRunning, SystemdError

logger = logging.getLogger(__name__)

_DEST = b"org.freedesktop.systemd1"
_PATH = b"/org/freedesktop/systemd1"
_MANAGER = b"org.freedesktop.systemd1.Manager"
_PROPERTIES = b"org.freedesktop.DBus.Properties"
_UNIT = "org.freedesktop.systemd1.Unit"
_SERVICE = "org.freedesktop.systemd1.Service"
_TIMER = "org.freedesktop.systemd1.Timer"
_JOB = "org.freedesktop.systemd1.Job"

#: Where systemd keeps the last trigger time of a ``Persistent=true`` timer (``stamp-<unit>``).
TIMER_STAMPS = Path("/var/lib/systemd/timers")
#: The manager's own socket: root reaches systemd there without the bus daemon in between, as ``systemctl``
#: does, which makes each call about three times quicker.
PRIVATE_SOCKET = "/run/systemd/private"

#: Properties read for each kind of unit: name -> (interface, D-Bus signature).
SERVICE_PROPERTIES = {
    "Result": (_SERVICE, "s"),
    "ExecMainStatus": (_SERVICE, "i"),
    "ExecMainCode": (_SERVICE, "i"),
    "ExecMainStartTimestamp": (_SERVICE, "t"),
    "ExecMainExitTimestamp": (_SERVICE, "t"),
    "InvocationID": (_UNIT, "ay"),
    "Job": (_UNIT, "(uo)"),
}
TIMER_PROPERTIES = {
    "UnitFileState": (_UNIT, "s"),
    "NextElapseUSecRealtime": (_TIMER, "t"),
    "LastTriggerUSec": (_TIMER, "t"),
    "Result": (_TIMER, "s"),
}
#: The properties :meth:`Systemd.status` reads, per unit suffix.
PROPERTIES = {"service": SERVICE_PROPERTIES, "timer": TIMER_PROPERTIES}

#: The system manager's unit search path (``systemd-analyze unit-paths``, less the generators' directories).
UNIT_PATHS = ("/etc/systemd/system.control", "/run/systemd/system.control", "/run/systemd/transient",
              "/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system",
              "/usr/lib/systemd/system", "/lib/systemd/system")
#: Where systemd keeps the files of transient units (``systemd-run``).
TRANSIENT_DIR = "/run/systemd/transient"

#: The bus used when no address is given and ``DBUS_SYSTEM_BUS_ADDRESS`` is unset.
DEFAULT_BUS = "unix:path=/run/dbus/system_bus_socket"


def unreachable(address: str | None, detail: str) -> SystemdError:
    """The error for a bus on which no systemd answers, saying what to do."""
    where = address or os.environ.get("DBUS_SYSTEM_BUS_ADDRESS") or DEFAULT_BUS
    return SystemdError(f"cannot reach systemd over D-Bus ({where}: {detail}): is systemd running? "
                        "On a machine without systemd, see scripts/sandbox.sh")


#: D-Bus error name -> the Odin error it becomes (given the unit concerned and systemd's message).
ERRORS: dict[str, Any] = {
    # A bus without systemd on it.
    "org.freedesktop.DBus.Error.ServiceUnknown": lambda unit, msg: unreachable(None, msg),
    "org.freedesktop.DBus.Error.NameHasNoOwner": lambda unit, msg: unreachable(None, msg),
    "org.freedesktop.systemd1.NoSuchUnit": lambda unit, msg: JobNotFound(_job_of(unit)),
    "org.freedesktop.systemd1.LoadFailed":
        lambda unit, msg: SystemdError(f"systemd cannot load {unit}: {msg}"),
    "org.freedesktop.DBus.Error.AccessDenied":
        lambda unit, msg: SystemdError(f"systemd refused access to {unit}: {msg} (run odin as root)"),
}
#: pystemd raises a class per well-known error and drops the name from those; this gives the name back.
_PYSTEMD_NAMES = {
    "DBusNoSuchUnitError": "org.freedesktop.systemd1.NoSuchUnit",
    "DBusAccessDeniedError": "org.freedesktop.DBus.Error.AccessDenied",
    "DBusFileNotFoundError": "org.freedesktop.DBus.Error.FileNotFound",
}


@dataclass(frozen=True, slots=True)
class UnitStatus:
    """What systemd says about one unit; ``properties`` holds the decoded extras of :data:`PROPERTIES`."""

    name: str
    load_state: str
    active_state: str
    sub_state: str
    unit_file_state: str
    properties: Mapping[str, str | int] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        return self.load_state not in ("not-found", "")

    @property
    def enabled(self) -> bool:
        return self.unit_file_state in ("enabled", "enabled-runtime", "linked", "linked-runtime")

    def get(self, name: str, default: str | int | None = None) -> str | int | None:
        return self.properties.get(name, default)


def timer_stamp(unit: str) -> Path:
    """The file in which systemd remembers when a persistent timer last fired."""
    return TIMER_STAMPS / f"stamp-{unit}"


def unit_files(unit: str) -> list[str]:
    """The files named ``unit`` in systemd's unit search path (:data:`UNIT_PATHS`)."""
    return [path for folder in UNIT_PATHS if os.path.lexists(path := os.path.join(folder, unit))]


def register_pystemd_signatures() -> None:
    """Teach pystemd the timer properties it lacks (it raises KeyError on them in transient units)."""
    from pystemd.systemd1 import unit_signatures

    unit_signatures.KNOWN_UNIT_SIGNATURES.setdefault(b"AccuracyUSec", b"t")
    unit_signatures.KNOWN_UNIT_SIGNATURES.setdefault(b"RandomizedDelayUSec", b"t")


class Systemd:
    """The system manager, reached on ``address`` (``DBUS_SYSTEM_BUS_ADDRESS``'s form) or the default bus."""

    def __init__(self, address: str | None = None):
        self.address = address

    @contextmanager
    def _bus(self, unit: str = "systemd", direct: bool = False) -> Iterator[_Bus]:
        """An open bus; with ``direct``, the manager's private socket when this process may use it.

        Only reads go direct: systemd tracks references (``Ref``) by bus name, which a direct connection lacks.
        """
        from pystemd.dbuslib import DBus, DBusAddress

        register_pystemd_signatures()
        from pystemd.dbusexc import DBusBaseError

        # An address named in the environment is honoured as systemctl honours it: no private socket then.
        default_bus = self.address is None and not os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")
        bus = _private_bus() if direct and default_bus else None
        if bus is None:
            bus = DBusAddress(self.address.encode()) if self.address else DBus()
            try:
                bus.open()
            except DBusBaseError as err:
                code = getattr(err, "errno", None)
                detail = os.strerror(-code) if isinstance(code, int) and code < 0 else _message(err)
                raise unreachable(self.address, detail) from None
        try:
            yield _Bus(bus)
        finally:
            bus.close()

    def ping(self) -> None:
        """Check that systemd answers on the bus, with one cheap property read.

        :raises SystemdError: when it does not, saying what to do.
        """
        with self._bus() as bus, _errors("systemd"):
            bus.get(_PATH, "org.freedesktop.systemd1.Manager", "Version", "s")

    def reload(self) -> None:
        """``systemctl daemon-reload``: re-read every unit file; returns when done."""
        with self._bus() as bus, _errors("systemd"):
            bus.manager("Reload", "", [])

    def enable_now(self, *units: str) -> None:
        """``systemctl enable --now UNITS``: enable (links from their ``[Install]``), start each, and wait
        until they are active.

        :raises SystemdError: when a unit does not become active.
        """
        if not units:
            return
        with self._bus(units[0]) as bus:
            with _errors(", ".join(units)):
                bus.manager("EnableUnitFiles", "asbb", [[u.encode() for u in units], False, True])
            jobs = []
            for unit in units:
                with _errors(unit):
                    jobs.append(bus.manager("StartUnit", "ss", [unit.encode(), b"replace"]))
            _wait_jobs(bus, jobs)
            for unit in units:
                with _errors(unit):
                    state = bus.get(bus.manager("GetUnit", "s", [unit.encode()]), _UNIT, "ActiveState", "s")
                if state != "active":
                    raise SystemdError(f"{unit} did not start: it is {state}")

    def disable_now(self, *units: str) -> None:
        """``systemctl disable --now UNITS``: stop each (a unit not loaded is fine), wait until they are
        stopped, then disable them."""
        if not units:
            return
        with self._bus(units[0]) as bus:
            _wait_jobs(bus, [job for job in (_stop(bus, unit) for unit in units) if job])
            with _errors(", ".join(units)):
                bus.manager("DisableUnitFiles", "asb", [[u.encode() for u in units], False])

    def start(self, unit: str) -> None:
        """Start ``unit`` now (returns once the start job is queued)."""
        with self._bus(unit) as bus, _errors(unit):
            bus.manager("StartUnit", "ss", [unit.encode(), b"replace"])

    def stop(self, unit: str) -> None:
        """Stop ``unit`` and wait until it has stopped; a unit that is not loaded is already stopped."""
        with self._bus(unit) as bus:
            job = _stop(bus, unit)
            if job:
                _wait_jobs(bus, [job])

    def restart(self, unit: str) -> None:
        """Restart ``unit`` (start it when it is stopped)."""
        with self._bus(unit) as bus, _errors(unit):
            bus.manager("RestartUnit", "ss", [unit.encode(), b"replace"])

    def reset_failed(self, unit: str) -> None:
        """Forget a unit's failed state, so that a removed unit disappears from systemd's lists."""
        with self._bus(unit) as bus:
            try:
                with _errors(unit):
                    bus.manager("ResetFailedUnit", "s", [unit.encode()])
            except JobNotFound:
                pass

    def status(self, unit: str) -> UnitStatus:
        """The state of ``unit``, loading it if needed (``load_state`` is ``not-found`` without a file)."""
        return self.statuses([unit])[unit]

    def statuses(self, units: Iterable[str], patterns: Iterable[str] | None = None,
                 only: Mapping[str, Iterable[str]] | None = None) -> dict[str, UnitStatus]:
        """The state of many units over one bus: one listing call, then a few property reads per unit.

        :param patterns: globs covering ``units`` (``odin-*``), cheaper for systemd to match than many names.
        :param only: the names of :data:`PROPERTIES` to read, for a unit kind (``"service"``) or for one unit
            (a unit's own entry wins); all of them by default.
        """
        units = list(units)
        if not units:
            return {}
        globs = [p.encode() for p in (patterns or units)]
        only = only or {}
        out = {}
        with self._bus(units[0], direct=True) as bus:
            with _errors("odin units"):
                rows = bus.manager("ListUnitsByPatterns", "asas", [[], globs])
                listed = {row[0].decode(): row for row in rows}
            for unit in units:
                kind = unit.rsplit(".", 1)[-1]
                table = PROPERTIES.get(kind, {})
                props = {name: table[name] for name in only.get(unit, only.get(kind, table))}
                row = listed.get(unit)
                if row is None:
                    with _errors(unit):
                        path = bus.manager("LoadUnit", "s", [unit.encode()])
                    out[unit] = _unit_status(bus, unit, path, props)
                else:
                    states = (row[2].decode(), row[3].decode(), row[4].decode())
                    out[unit] = _unit_status(bus, unit, row[6], props, states)
        return out

    def held(self, units: Iterable[str]) -> dict[str, UnitStatus]:
        """The units among ``units`` that systemd holds now, with their ``FragmentPath`` (the file each was
        loaded from; under :data:`TRANSIENT_DIR` for a transient unit). Asking loads nothing.
        """
        units = list(units)
        if not units:
            return {}
        out = {}
        with self._bus(units[0], direct=True) as bus:
            with _errors(", ".join(units)):
                rows = bus.manager("ListUnitsByPatterns", "asas", [[], [u.encode() for u in units]])
            for row in rows:
                name = row[0].decode()
                states = (row[2].decode(), row[3].decode(), row[4].decode())
                out[name] = _unit_status(bus, name, row[6], {"FragmentPath": (_UNIT, "s")}, states)
        return out

    def wait_idle(self, unit: str, timeout: float | None = None) -> UnitStatus:
        """Wait until ``unit`` is not running (nor about to run); return its status.

        :raises StillRunning: when it still runs after ``timeout`` seconds.
        """
        return self._wait(unit, lambda s: not busy(s), timeout)

    def start_and_wait(self, unit: str, timeout: float | None = None) -> UnitStatus:
        """Start ``unit`` and wait until that run is over; return the status it ended with.

        The unit is referenced on this bus meanwhile, so systemd keeps its result even when nothing else
        needs the unit (a job without a timer is otherwise unloaded as soon as it finishes).

        :raises StillRunning: when the run is not over after ``timeout`` seconds.
        """
        with self._bus(unit) as bus:
            path = _hold(bus, unit)
            with _errors(unit):
                before = bus.get(path, _UNIT, "InvocationID", "ay")
                bus.manager("StartUnit", "ss", [unit.encode(), b"replace"])

            def over(status: UnitStatus) -> bool:  # a new run, and it is over
                return status.get("InvocationID") not in ("", before) and not busy(status)

            return _await(bus, unit, path, over, timeout)

    def wait_current(self, unit: str, timeout: float | None = None,
                     on_wait: Callable[[UnitStatus], None] | None = None) -> UnitStatus | None:
        """When ``unit`` runs now (or is about to), wait until that run is over and return the status it ended
        with; ``None`` at once when it does not run. Referenced as in :meth:`start_and_wait`.

        :param on_wait: called with the running unit's status before waiting.
        :raises StillRunning: when the run is not over after ``timeout`` seconds.
        """
        with self._bus(unit) as bus:
            path = _hold(bus, unit)
            with _errors(unit):
                running = _unit_status(bus, unit, path)
            if not busy(running):
                return None
            if on_wait is not None:
                on_wait(running)
            return _await(bus, unit, path, lambda s: not busy(s), timeout)

    def _wait(self, unit: str, done: Callable[[UnitStatus], bool], timeout: float | None) -> UnitStatus:
        return _poll(lambda: self.status(unit), unit, done, timeout)

    def unit_property(self, unit: str, interface: str, name: str, signature: str) -> str | int | list:
        """One property of ``unit``, decoded (``interface`` is e.g. ``org.freedesktop.systemd1.Service``)."""
        with self._bus(unit) as bus, _errors(unit):
            path = bus.manager("LoadUnit", "s", [unit.encode()])
            return bus.get(path, interface, name, signature)

    def verify(self, files: Mapping[str, str]) -> None:
        """Check unit files with ``systemd-analyze verify`` before they are installed.

        :param files: unit file name -> text.
        :raises InputError: when systemd rejects a unit or ignores one of its lines.
        """
        analyze = shutil.which("systemd-analyze")
        if analyze is None or not files:
            logger.debug("systemd-analyze not found; units not verified")
            return
        with tempfile.TemporaryDirectory(prefix="odin-verify-") as tmp:
            for name, text in files.items():
                Path(tmp, name).write_text(text, encoding="utf-8")
            result = subprocess.run([analyze, "verify", "--man=no", *sorted(files)], cwd=tmp,
                                    capture_output=True, text=True,
                                    env={**os.environ, "SYSTEMD_LOG_COLOR": "0"})
        problems = [line.replace(f"{tmp}/", "") for line in (result.stderr + result.stdout).splitlines()
                    if result.returncode != 0 or "ignoring" in line.lower()]
        if result.returncode != 0 or problems:
            raise InputError("systemd rejects the generated units:\n  " + "\n  ".join(problems))


class _Bus:
    """A thin layer over an open pystemd bus that encodes arguments and decodes replies."""

    def __init__(self, bus: Any):
        self.bus = bus

    def manager(self, method: str, signature: str, args: list) -> Any:
        from pystemd.dbuslib import apply_signature

        call_args = apply_signature(signature.encode(), args) if signature else []
        return self.bus.call_method(_DEST, _PATH, _MANAGER, method.encode(), call_args).body

    def call(self, path: bytes, interface: str, method: str) -> Any:
        return self.bus.call_method(_DEST, path, interface.encode(), method.encode(), []).body

    def get(self, path: bytes, interface: str, name: str, signature: str) -> Any:
        value = self.bus.get_property(_DEST, path, interface.encode(), name.encode(), signature.encode())
        return decode(value, signature)


def _private_bus() -> Any:
    """An open connection to the manager's private socket, or ``None`` when it cannot be had (not root)."""
    from pystemd.dbusexc import DBusBaseError
    from pystemd.dbuslib import DBusAddress

    if os.geteuid() != 0 or not os.path.exists(PRIVATE_SOCKET):
        return None
    bus = DBusAddress(f"unix:path={PRIVATE_SOCKET}".encode(), peer_to_peer=True)
    try:
        bus.open()
    except DBusBaseError:
        bus.close()
        return None
    return bus


def decode(value: Any, signature: str) -> Any:
    """A D-Bus value as Python: bytes become ``str``, ``ay`` (an ID) becomes hex."""
    if signature == "ay":
        return bytes(value).hex()
    if signature == "(uo)":
        return value[0]  # the ID of a queued job, 0 when none
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (list, tuple)):
        return [decode(v, "") for v in value]
    return value


def _unit_status(bus: _Bus, unit: str, path: bytes, wanted: Mapping[str, tuple[str, str]] | None = None,
                 states: tuple[str, str, str] | None = None) -> UnitStatus:
    """One unit's states (read unless ``states`` come from a listing) and the ``wanted`` properties."""
    if states is None:
        states = tuple(bus.get(path, _UNIT, name, "s") for name in ("LoadState", "ActiveState", "SubState"))
    load, active, sub = states
    props: dict[str, str | int] = {}
    if load not in ("not-found", "masked"):
        if wanted is None:
            wanted = PROPERTIES.get(unit.rsplit(".", 1)[-1], {})
        for name, (interface, signature) in wanted.items():
            with _errors(unit):
                props[name] = bus.get(path, interface, name, signature)
    file_state = str(props.pop("UnitFileState", ""))
    return UnitStatus(unit, load, active, sub, file_state, props)


def _hold(bus: _Bus, unit: str) -> bytes:
    """Load ``unit`` and reference it for as long as ``bus`` is open: systemd keeps its result meanwhile."""
    with _errors(unit):
        path = bus.manager("LoadUnit", "s", [unit.encode()])
        bus.call(path, _UNIT, "Ref")
    return path


def _await(bus: _Bus, unit: str, path: bytes, done: Callable[[UnitStatus], bool],
           timeout: float | None) -> UnitStatus:
    """Poll ``unit`` on an open bus until ``done`` says so; return that status.

    :raises StillRunning: after ``timeout`` seconds.
    """

    def read() -> UnitStatus:
        with _errors(unit):
            return _unit_status(bus, unit, path)

    return _poll(read, unit, done, timeout)


def _poll(read: Callable[[], UnitStatus], unit: str, done: Callable[[UnitStatus], bool],
          timeout: float | None) -> UnitStatus:
    """Call ``read`` with a growing pause until ``done`` accepts its status; ``StillRunning`` after ``timeout``."""
    deadline = None if timeout is None else time.monotonic() + timeout
    delay = 0.02
    while True:
        status = read()
        if done(status):
            return status
        if deadline is not None and time.monotonic() > deadline:
            raise StillRunning(unit, timeout or 0)
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


def busy(status: UnitStatus) -> bool:
    """Whether the unit runs now or has a job queued (a start about to run it)."""
    running = status.active_state in ("activating", "active", "deactivating", "reloading")
    return running or bool(status.get("Job"))


def _stop(bus: _Bus, unit: str) -> bytes | None:
    """Queue a stop job for ``unit``; its path, or ``None`` when the unit is not loaded."""
    try:
        with _errors(unit):
            return bus.manager("StopUnit", "ss", [unit.encode(), b"replace"])
    except JobNotFound:
        return None


def _wait_jobs(bus: _Bus, jobs: list[bytes], timeout: float = 300.0) -> None:
    """Wait until systemd has finished these jobs: a finished job's object is gone from the bus."""
    from pystemd.dbusexc import DBusBaseError

    deadline = time.monotonic() + timeout
    delay = 0.005
    for job in jobs:
        while True:
            try:
                bus.get(job, _JOB, "State", "s")
            except DBusBaseError:
                break
            if time.monotonic() > deadline:
                raise SystemdError(f"systemd did not finish job {job.decode()} in {timeout:g} s")
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


_JOB_RE = re.compile(r"odin-(.+)\.(?:service|timer)")


def _job_of(unit: str) -> str:
    match = _JOB_RE.fullmatch(unit)
    return match.group(1) if match else unit


def _message(err: Any) -> str:
    """The message of a pystemd D-Bus error, as text."""
    return err.err_message.decode() if isinstance(err.err_message, bytes) else str(err.err_message)


@contextmanager
def _errors(unit: str) -> Iterator[None]:
    """Turn pystemd's D-Bus errors into Odin errors through :data:`ERRORS`."""
    from pystemd.dbusexc import DBusBaseError

    try:
        yield
    except DBusBaseError as err:
        name = getattr(err, "err_name", "") or _PYSTEMD_NAMES.get(type(err).__name__, "")
        if isinstance(name, bytes):
            name = name.decode()
        message = _message(err)
        make = ERRORS.get(name)
        if make is not None:
            raise make(unit, message) from None
        raise SystemdError(f"systemd failed on {unit}: {message or name or err}") from None
