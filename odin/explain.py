"""What a schedule means in plain English, and what to watch out for: skipped months, leap days, DST.

:func:`explain` reads the model only (pure). :func:`schedule_warnings` also looks at the next twelve
months after ``base`` in the schedule's zone, using the same next-run computation as systemd.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from odin.schedule import (
    LAST, MONTH_NAMES, WEEKDAY_NAMES, WEEKEND, WORKDAYS, AtTimes, Clause, CompiledSchedule, EveryDay, Every,
    OnDates, OnLastDay, OnLastDayOfMonths, OnMonthDays, OnNthWeekdays, OnWeekdays, Schedule, TimeOfDay,
    describe_step, join_words, ordinal,
)

SHORT_MONTHS = (2, 4, 6, 9, 11)  # months without a 31st
MAX_LISTED = 3  # times listed per DST warning before "and N more"


def explain(schedule: Schedule, zone: str) -> str:
    """One plain-English paragraph saying when the schedule runs."""
    if schedule.never:
        return "Never runs on its own: only when started by hand or by another job."
    parts = [describe_clause(c) for c in schedule.clauses]
    text = "Runs " + join_words(parts) + f", {zone} time"
    if len(parts) > 1:
        text += "; a time matched by more than one clause runs once"
    return text + "."


def describe_clause(clause: Clause) -> str:
    """``every Wednesday at 17:00``; ``every 15 minutes from 09:00 to 17:00 on weekdays``."""
    if isinstance(clause.times, AtTimes):
        times = "at " + join_words([_time(t) for t in sorted(clause.times.times, key=lambda t: t.seconds)])
        return f"{_days(clause)} {times}"
    every = clause.times
    text = f"every {describe_step(every.step)}"
    if every.start is not None and every.end is not None:
        text += f" from {_time(every.start)} to {_time(every.end)}"
    elif every.step >= 3600 or every.step % 60 or 3600 % every.step:
        first = [_time(TimeOfDay(hour=s // 3600, minute=s // 60 % 60, second=s % 60)) for s in every.times()[:3]]
        text += f" counted from midnight ({', '.join(first)}, ...)"
    if not isinstance(clause.days, EveryDay):
        text += f", {_days(clause)}"
    return text


def _time(t: TimeOfDay) -> str:
    return str(t)


def _weekdays(days: frozenset) -> str:
    ordered = sorted(int(d) for d in days)
    if frozenset(days) == WORKDAYS:
        return "weekday (Monday to Friday)"
    if frozenset(days) == WEEKEND:
        return "Saturday and Sunday"
    if len(ordered) >= 3 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{WEEKDAY_NAMES[ordered[0]]} to {WEEKDAY_NAMES[ordered[-1]]}"
    return join_words([WEEKDAY_NAMES[d] for d in ordered])


def _days(clause: Clause) -> str:
    days = clause.days
    if isinstance(days, EveryDay):
        return "every day"
    if isinstance(days, OnWeekdays):
        return "every " + _weekdays(days.days)
    if isinstance(days, OnMonthDays):
        return "on the " + join_words([ordinal(d) for d in sorted(days.days)]) + " of every month"
    if isinstance(days, OnLastDay):
        return "on the last day of every month"
    if isinstance(days, OnLastDayOfMonths):
        return "on the last day of " + join_words([MONTH_NAMES[m - 1] for m in sorted(days.months)])
    if isinstance(days, OnNthWeekdays):
        nths = sorted(days.ordinals, key=lambda n: 99 if n == LAST else n)
        return (f"on the {join_words([ordinal(n) for n in nths])} "
                f"{join_words([WEEKDAY_NAMES[d] for d in sorted(days.days)])} of every month")
    if isinstance(days, OnDates):
        dates = sorted(days.dates)
        return "every year on " + join_words([f"{MONTH_NAMES[m - 1]} {ordinal(d)}" for m, d in dates])
    raise TypeError(f"unknown day spec {days!r}")  # pragma: no cover


# ---- warnings ---------------------------------------------------------------------------------------


def schedule_warnings(compiled: CompiledSchedule, base: datetime) -> list[str]:
    """Runs that will not happen as written: skipped months, leap-year-only dates, and DST changes in
    the twelve months after ``base`` that skip, move or merge runs."""
    warnings: list[str] = []
    for clause in compiled.schedule.clauses:
        warnings.extend(_calendar_warnings(clause, base))
    warnings.extend(_dst_warnings(compiled, base))
    return list(dict.fromkeys(warnings))


def _calendar_warnings(clause: Clause, base: datetime) -> list[str]:
    days = clause.days
    out = []
    if isinstance(days, OnMonthDays):
        for day in sorted(d for d in days.days if d >= 29):
            if day == 29:
                out.append("the 29th is skipped in February except in leap years")
            elif day == 30:
                out.append("the 30th is skipped in February")
            else:
                out.append("the 31st is skipped in February, April, June, September and November "
                           "(write 'every last day' for the end of every month)")
    elif isinstance(days, OnNthWeekdays) and 5 in days.ordinals:
        names = join_words([WEEKDAY_NAMES[d] for d in sorted(days.days)])
        out.append(f"a 5th {names} exists only in some months: the others are skipped")
    elif isinstance(days, OnDates) and (2, 29) in days.dates:
        year = base.year + (1 if (base.month, base.day) > (2, 29) else 0)
        while not _leap(year):
            year += 1
        out.append(f"February 29th exists only in leap years: it runs once every four years (next in {year})")
    return out


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _dst_warnings(compiled: CompiledSchedule, base: datetime) -> list[str]:
    if not compiled.oncalendar:
        return []
    from odin.oncalendar import schedule_specs
    from odin.timezones import zone as zone_info

    tz = zone_info(compiled.timezone)
    if base.tzinfo is None:
        base = base.replace(tzinfo=tz)
    specs = schedule_specs(compiled.schedule, compiled.timezone)
    out: list[str] = []
    for when, before, after in _transitions(tz, base, _a_year_after(base)):
        # The runs that can be affected lie within a few hours of the change; systemd's own quirks
        # (giving up on the rest of the day) are caught by one probe past that window.
        lo, hi = when - timedelta(hours=1), when + timedelta(hours=2)
        intended: set[datetime] = set()
        actual: set[datetime] = set()
        stuck = False
        for spec in specs:
            wall_lo = lo.astimezone(tz).replace(tzinfo=None)
            walls = _wall_times(spec, wall_lo, hi.astimezone(tz).replace(tzinfo=None) + timedelta(days=1))
            if walls is None:
                out.extend(_dense_change(tz, when, before, after))
                break
            runs, stuck_here = _runs_between(spec, tz, lo, hi)
            last = max((r.replace(tzinfo=None) for r in runs), default=wall_lo)
            intended.update(w for w in walls if w <= last)
            actual.update(runs)
            stuck = stuck or stuck_here
        else:
            day = (when - timedelta(microseconds=1) if after < before else when).astimezone(tz).date()
            out.extend(_describe_change(tz, day, before, after, sorted(intended), actual))
            if stuck:
                out.append(f"{day:%a %Y-%m-%d}: systemd 252 cannot work out the next run after the clock change "
                           f"in {tz.key} and stops the timer; pick times away from that hour")
    return out


def _a_year_after(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + 1, day=28)


def _runs_between(spec, tz: ZoneInfo, lo: datetime, hi: datetime) -> tuple[list[datetime], bool]:
    """systemd's runs of ``spec`` in [lo, hi) plus the first one after, and whether systemd got stuck."""
    from odin.calendar import USEC, next_elapse

    runs = []
    usec = int(lo.timestamp()) * USEC - 1
    end = int(hi.timestamp()) * USEC
    while True:
        nxt = next_elapse(spec, tz, usec)
        if nxt is None:
            return runs, True
        runs.append(datetime.fromtimestamp(nxt // USEC, tz))
        if nxt >= end:
            return runs, False
        usec = nxt


def _dense_change(tz: ZoneInfo, when: datetime, before: timedelta, after: timedelta) -> list[str]:
    local_before = (when - timedelta(seconds=1)).astimezone(tz) + timedelta(seconds=1)
    label = f"{local_before:%a %Y-%m-%d}"
    start = local_before.replace(tzinfo=None)
    if after > before:
        return [f"{label}: clocks jump from {start:%H:%M} to {start + (after - before):%H:%M} in {tz.key}: "
                f"the runs in between do not happen"]
    return [f"{label}: clocks go back from {start:%H:%M} to {start - (before - after):%H:%M} in {tz.key}: "
            f"the runs in the repeated hour happen only the first time"]


def _transitions(tz: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, timedelta, timedelta]]:
    """UTC offset changes of ``tz`` between ``start`` and ``end``: (instant, offset before, after)."""
    found = []
    step = timedelta(hours=6)
    t = start.astimezone(ZoneInfo("UTC"))
    stop = end.astimezone(ZoneInfo("UTC"))
    offset = t.astimezone(tz).utcoffset()
    while t < stop:
        nxt = t + step
        new = nxt.astimezone(tz).utcoffset()
        if new != offset:
            lo, hi = t, nxt
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(tz).utcoffset() == offset:
                    lo = mid
                else:
                    hi = mid
            found.append((hi.replace(microsecond=0), offset, new))
            offset = new
        t = nxt
    return found


def _wall_times(spec, lo: datetime, hi: datetime) -> list[datetime] | None:
    """The wall times ``spec`` names from ``lo`` to ``hi`` (naive, whether or not they exist), or ``None``
    when there are too many to list."""
    from odin.oncalendar import Chain

    def values(chain: Chain | None, low: int, high: int) -> list[int]:
        if chain is None:
            return list(range(low, high + 1))
        out = set()
        for c in chain:
            if c.stop >= 0:
                out.update(range(c.start, c.stop + 1, c.repeat or 1))
            elif c.repeat:
                out.update(range(c.start, high + 1, c.repeat))
            else:
                out.add(c.start)
        return sorted(out)

    minutes, seconds = values(spec.minutes, 0, 59), values(spec.seconds, 0, 59)
    if len(minutes) * len(seconds) > 60:
        return None
    hours = values(spec.hours, 0, 23)
    found = []
    day = lo.date()
    while day <= hi.date():
        if _day_matches(spec, day, values):
            found.extend(w for h in hours for m in minutes for s in seconds
                         if lo <= (w := datetime.combine(day, time(h, m, s))) < hi)
        day += timedelta(days=1)
    return found


def _day_matches(spec, day: date, values) -> bool:
    if spec.weekdays is not None and day.weekday() not in spec.weekdays:
        return False
    if day.month not in values(spec.months, 1, 12):
        return False
    if spec.days is None:
        return True
    if spec.end_of_month:
        last = (date(day.year + day.month // 12, day.month % 12 + 1, 1) - timedelta(days=1)).day
        return last - day.day + 1 in values(spec.days, 1, 31)
    return day.day in values(spec.days, 1, 31)


def _describe_change(tz: ZoneInfo, day: date, before: timedelta, after: timedelta, intended: list[datetime],
                     actual: set[datetime]) -> list[str]:
    label = day.strftime("%a %Y-%m-%d")
    shift = after - before
    run_walls = {a.replace(tzinfo=None) for a in actual}
    out = []
    missing = [w for w in intended if not _exists(w, tz)]
    if missing:
        jump_from = _gap_start(tz, day, shift)
        out.append(f"{label}: {_listed(missing)} {'does' if len(missing) == 1 else 'do'} not exist in {tz.key} "
                   f"(clocks jump from {jump_from:%H:%M} to {(jump_from + shift):%H:%M}), so "
                   f"{'that run is' if len(missing) == 1 else 'those runs are'} skipped")
    dropped = [w for w in intended if _exists(w, tz) and w not in run_walls]
    repeated = [w for w in intended if _exists(w, tz) and _ambiguous(w, tz)]
    if repeated:
        first = repeated[0].replace(tzinfo=tz)
        out.append(f"{label}: {_listed(repeated)} {'happens' if len(repeated) == 1 else 'happen'} twice in "
                   f"{tz.key} (clocks go back by {_duration(-shift)}); the job runs only once, "
                   f"at the first ({first:%H:%M %Z})")
    dropped = [w for w in dropped if w not in repeated]
    if dropped:
        out.append(f"{label}: systemd also skips {_listed(dropped)} that day, because of the clock change "
                   f"in {tz.key}")
    window = (intended[0], intended[-1]) if intended else None
    moved = sorted(w for w in run_walls if w not in set(intended) and window and window[0] <= w <= window[1])
    if moved:
        out.append(f"{label}: because of the clock change in {tz.key}, the job runs at {_listed(moved)} instead")
    return out


def _exists(wall: datetime, tz: ZoneInfo) -> bool:
    aware = wall.replace(tzinfo=tz)
    return aware.astimezone(ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None) == wall


def _ambiguous(wall: datetime, tz: ZoneInfo) -> bool:
    return wall.replace(tzinfo=tz, fold=0).utcoffset() != wall.replace(tzinfo=tz, fold=1).utcoffset()


def _gap_start(tz: ZoneInfo, day: date, shift: timedelta) -> datetime:
    wall = datetime.combine(day, time(0))
    while wall.date() == day:
        if not _exists(wall, tz):
            return wall
        wall += timedelta(minutes=15)
    return datetime.combine(day, time(0))  # pragma: no cover - a gap always exists on that day


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} hour{'s' if minutes // 60 != 1 else ''}" if minutes % 60 == 0 else f"{minutes} minutes"


def _listed(walls: list[datetime]) -> str:
    words = [f"{w:%H:%M:%S}" if w.second else f"{w:%H:%M}" for w in walls[:MAX_LISTED]]
    if len(walls) > MAX_LISTED:
        return ", ".join(words) + f" and {len(walls) - MAX_LISTED} more"
    return join_words(words)
