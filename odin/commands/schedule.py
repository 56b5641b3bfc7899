"""``odin schedule``: explain a schedule string and preview its next runs.

Only Typer is imported at module level; the parser (Lark) and the calendar load when the command runs,
so other commands start without them.
"""
from __future__ import annotations

from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("schedule")
    def schedule_command(
        text: str = typer.Argument(..., help="The schedule, e.g. 'every weekday at 08:00'."),
        tz: Optional[str] = typer.Option(None, "--tz", help="Time zone (IANA name) when TEXT has no 'in Zone'."),
        base: Optional[str] = typer.Option(None, "--base", help="Show runs after this ISO-8601 time (default now)."),
        count: int = typer.Option(5, "--count", min=1, max=10_000, help="How many next runs to show."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object (a stable contract)."),
    ) -> None:
        """Explain a schedule: its OnCalendar= lines, meaning, next runs and warnings."""
        typer.echo(render_schedule(text, tz=tz, base=base, count=count, as_json=as_json))


def render_schedule(text: str, *, tz: str | None, base: str | None, count: int, as_json: bool) -> str:
    """The text ``odin schedule`` prints.

    :raises ScheduleError: the schedule or zone is bad.
    :raises InputError: ``base`` is not an ISO-8601 time.
    """
    import json
    from datetime import datetime, timezone

    from odin.calendar import next_runs
    from odin.explain import schedule_warnings
    from odin.grammar import compile_schedule
    from odin.timezones import zone

    compiled = compile_schedule(text, timezone=tz)
    start = _parse_base(base, compiled.timezone) if base else datetime.now(timezone.utc)
    runs = next_runs(compiled, start, count)
    warnings = schedule_warnings(compiled, start)
    if as_json:
        return json.dumps({
            "input": text,
            "timezone": compiled.timezone,
            "oncalendar": list(compiled.oncalendar),
            "next": [r.isoformat() for r in runs],
            "explanation": compiled.explanation,
            "warnings": warnings,
        }, ensure_ascii=False)
    lines = [f"OnCalendar={line}" for line in compiled.oncalendar] or ["OnCalendar= (none: never runs on its own)"]
    lines += ["", compiled.explanation]
    if compiled.oncalendar:
        lines += ["", f"Next {len(runs)} run{'s' if len(runs) != 1 else ''} ({compiled.timezone}):"]
        lines += [f"  {r:%a %Y-%m-%d %H:%M:%S %Z} ({r.isoformat()})" for r in runs]
    if warnings:
        lines += ["", "Warnings:"] + [f"  - {w}" for w in warnings]
    del zone
    return "\n".join(lines)


def _parse_base(value: str, zone_name: str):
    from datetime import datetime

    from odin.errors import InputError
    from odin.timezones import zone

    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00") if value.strip().endswith("Z")
                                        else value.strip())
    except ValueError:
        raise InputError(f"--base: '{value}' is not an ISO-8601 time",
                         hint="e.g. --base 2025-03-09T00:00:00-05:00 or --base 2025-03-09") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone(zone_name))
