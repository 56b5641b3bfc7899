"""Time zone names: checking an IANA name and finding the machine's own zone."""
from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from odin.errors import ScheduleError


@functools.lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The :class:`ZoneInfo` for a name already checked by :func:`check_zone`."""
    return ZoneInfo(name)


def check_zone(name: str, error: Callable[[str, str | None], ScheduleError]) -> str:
    """Return ``name`` if it is a zone systemd can use, else raise ``error(message, hint)``.

    :raises ScheduleError: built by ``error``, with a did-you-mean hint when a known zone is close.
    """
    try:
        if name and not name.startswith(("/", ".")) and ".." not in name and " " not in name:
            zone(name)
            return name
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    from zoneinfo import available_timezones  # slow (reads the zone directory): error path only

    from odin.errors import closest

    names = sorted(available_timezones())
    exact = [n for n in names if n.lower() == name.lower()]
    suggestion = exact[0] if exact else closest(name, names)
    hint = f"did you mean '{suggestion}'?" if suggestion else "use an IANA name such as Europe/Dublin or UTC"
    raise error(f"unknown time zone '{name}'", hint)


def local_zone() -> str:
    """The machine's zone name: ``$TZ`` if it names a zone, else ``/etc/localtime``'s target, else UTC."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz and _usable(tz):
        return tz
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        name = target.split("zoneinfo/", 1)[1]
        if _usable(name):
            return name
    try:
        name = Path("/etc/timezone").read_text(encoding="utf-8").strip()
    except OSError:
        name = ""
    return name if name and _usable(name) else "UTC"


def _usable(name: str) -> bool:
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True
