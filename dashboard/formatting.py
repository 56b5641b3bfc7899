"""How the dashboard writes times, durations and values for people: pure functions, also Jinja filters."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from flask import Flask


def format_when(moment: datetime | None, now: datetime | None = None) -> str:
    """``2025-06-04 17:00:00 UTC`` style text for an aware datetime; ``—`` for none."""
    if moment is None:
        return "—"
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def format_relative(moment: datetime | None, now: datetime) -> str:
    """How far ``moment`` is from ``now``: ``in 3 h 5 min``, ``12 s ago``; empty for none."""
    if moment is None:
        return ""
    seconds = (moment - now).total_seconds()
    text = format_duration(abs(seconds), precise=False)
    return f"in {text}" if seconds >= 0 else f"{text} ago"


def format_duration(seconds: float | None, precise: bool = True) -> str:
    """A duration for people: ``350 ms``, ``4.2 s``, ``3 min 5 s``, ``2 h 10 min``, ``3 d 4 h``; ``—`` for none."""
    if seconds is None:
        return "—"
    if seconds < 1 and precise:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s" if precise and seconds < 10 else f"{seconds:.0f} s"
    minutes, sec = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {sec} s"


def format_value(value: object) -> str:
    """A recorded value as compact text: strings as they are, anything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def init_filters(app: Flask) -> None:
    """Make the formatters available to templates as filters."""
    app.jinja_env.filters.update(when=format_when, relative=format_relative, duration=format_duration,
                                 value=format_value)
