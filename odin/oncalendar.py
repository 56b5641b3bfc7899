"""Compiling the schedule model into systemd calendar specs and their ``OnCalendar=`` strings (pure).

A :class:`CalendarSpec` mirrors what systemd holds after parsing an ``OnCalendar=`` value: a weekday
set and, per field, a chain of :class:`Component` (``start``, ``stop`` for ranges, ``repeat`` for
``/step``). :func:`render` prints it exactly as ``systemd-analyze calendar`` prints its "Normalized
form", so every line Odin writes is already normalized.

One clause becomes one line, except when its times are not a product of hours x minutes x seconds
(``at 09:00 and 17:30``) or its days mix counting from the start and from the end of the month
(``every 2nd and last Friday``): then it becomes the few lines whose union is exactly the clause.
Clauses are never merged, because inside one line systemd ANDs the weekday with the date.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from odin.schedule import (
    LAST, SECONDS_PER_DAY, AtTimes, Clause, EveryDay, Every, OnDates, OnLastDay, OnLastDayOfMonths, OnMonthDays,
    OnNthWeekdays, OnWeekdays, Schedule,
)

WEEKDAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True, order=True)
class Component:
    """One comma-separated part of a field: ``start``, ``start..stop`` or ``start/repeat``."""

    start: int
    stop: int = -1
    repeat: int = 0


Chain = tuple[Component, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarSpec:
    """One ``OnCalendar=`` expression; ``None`` in a field means ``*``. The year is always ``*``."""

    weekdays: frozenset[int] | None = None
    months: Chain | None = None
    days: Chain | None = None
    end_of_month: bool = False
    hours: Chain | None = None
    minutes: Chain | None = None
    seconds: Chain | None = None
    zone: str | None = None


@dataclass(frozen=True, slots=True)
class _DayPattern:
    weekdays: frozenset[int] | None = None
    months: frozenset[int] | None = None
    days: frozenset[int] | None = None
    end_of_month: bool = False


@dataclass(frozen=True, slots=True)
class _TimePattern:
    hours: frozenset[int]
    minutes: frozenset[int]
    seconds: frozenset[int]


def schedule_lines(schedule: Schedule, zone: str | None) -> tuple[str, ...]:
    """Every ``OnCalendar=`` line of a schedule (none for ``never``), each once, in clause order."""
    return tuple(render(spec) for spec in schedule_specs(schedule, zone))


def schedule_specs(schedule: Schedule, zone: str | None) -> tuple[CalendarSpec, ...]:
    """The calendar specs of every clause, without duplicates, in clause order."""
    specs: dict[CalendarSpec, None] = {}
    for clause in schedule.clauses:
        for spec in clause_specs(clause, zone):
            specs.setdefault(spec, None)
    return tuple(specs)


def to_oncalendar(clause: Clause, zone: str | None = None) -> tuple[str, ...]:
    """The ``OnCalendar=`` line(s) of one clause, in ``zone`` (no suffix when ``None``)."""
    return tuple(render(spec) for spec in clause_specs(clause, zone))


def clause_specs(clause: Clause, zone: str | None) -> tuple[CalendarSpec, ...]:
    """The calendar specs whose union is exactly ``clause``."""
    specs = []
    for day in _day_patterns(clause):
        for time in _time_patterns(clause.times):
            specs.append(CalendarSpec(
                weekdays=day.weekdays,
                months=_chain(day.months, 1, 12),
                days=_chain(day.days, 1, 31) if not day.end_of_month else _chain(day.days, 1, 31, star=False),
                end_of_month=day.end_of_month,
                hours=_chain(time.hours, 0, 23),
                minutes=_chain(time.minutes, 0, 59),
                seconds=_chain(time.seconds, 0, 59),
                zone=zone,
            ))
    return tuple(specs)


# ---- days -------------------------------------------------------------------------------------------

_NTH_DAYS = {n: frozenset(range(7 * n - 6, min(7 * n, 31) + 1)) for n in range(1, 6)}


def _day_patterns(clause: Clause) -> list[_DayPattern]:
    days = clause.days
    if isinstance(days, EveryDay):
        return [_DayPattern()]
    if isinstance(days, OnWeekdays):
        return [_DayPattern(weekdays=_weekday_set(days.days))]
    if isinstance(days, OnMonthDays):
        return [_DayPattern(days=days.days)]
    if isinstance(days, OnLastDay):
        return [_DayPattern(days=frozenset({1}), end_of_month=True)]
    if isinstance(days, OnLastDayOfMonths):
        return [_DayPattern(months=days.months, days=frozenset({1}), end_of_month=True)]
    if isinstance(days, OnNthWeekdays):
        weekdays = _weekday_set(days.days)
        patterns = []
        counted = frozenset().union(*(_NTH_DAYS[n] for n in days.ordinals if n != LAST))
        if counted:
            patterns.append(_DayPattern(weekdays=weekdays, days=counted))
        if LAST in days.ordinals:
            patterns.append(_DayPattern(weekdays=weekdays, days=frozenset(range(1, 8)), end_of_month=True))
        return patterns
    if isinstance(days, OnDates):
        by_month: dict[int, set[int]] = defaultdict(set)
        for month, day in days.dates:
            by_month[month].add(day)
        return [_DayPattern(months=months, days=day_set)
                for day_set, months in _group(by_month).items()]
    raise TypeError(f"unknown day spec {days!r}")  # pragma: no cover


def _weekday_set(days: frozenset) -> frozenset[int] | None:
    values = frozenset(int(d) for d in days)
    return None if len(values) == 7 else values


# ---- times ------------------------------------------------------------------------------------------


def _time_patterns(times: AtTimes | Every) -> list[_TimePattern]:
    full_hours, full_minutes = frozenset(range(24)), frozenset(range(60))
    if isinstance(times, Every) and times.start is None:
        step = times.step
        # Steps that tile their own unit are one product; no need to list every second of the day.
        if 60 % step == 0:
            return [_TimePattern(full_hours, full_minutes, frozenset(range(0, 60, step)))]
        if step % 60 == 0 and 3600 % step == 0:
            return [_TimePattern(full_hours, frozenset(range(0, 60, step // 60)), frozenset({0}))]
        if step % 3600 == 0 and SECONDS_PER_DAY % step == 0:
            return [_TimePattern(frozenset(range(0, 24, step // 3600)), frozenset({0}), frozenset({0}))]
    seconds_of_day = times.times() if isinstance(times, Every) else sorted({t.seconds for t in times.times})
    return _products(seconds_of_day)


def _products(seconds_of_day: list[int]) -> list[_TimePattern]:
    """Split a set of times of day into hour x minute x second products, earliest first."""
    by_minute: dict[tuple[int, int], set[int]] = defaultdict(set)
    for t in seconds_of_day:
        by_minute[(t // 3600, t // 60 % 60)].add(t % 60)
    patterns = []
    for seconds, minutes_of_day in _group(by_minute).items():
        by_hour: dict[int, set[int]] = defaultdict(set)
        for hour, minute in minutes_of_day:
            by_hour[hour].add(minute)
        for minutes, hours in _group(by_hour).items():
            patterns.append(_TimePattern(hours, minutes, seconds))
    patterns.sort(key=lambda p: (min(p.hours), min(p.minutes), min(p.seconds)))
    return patterns


def _group(mapping: dict) -> dict[frozenset, frozenset]:
    """Invert ``key -> set of values`` into ``set of values -> keys sharing it``, in first-seen order."""
    groups: dict[frozenset, set] = {}
    for key in sorted(mapping):
        groups.setdefault(frozenset(mapping[key]), set()).add(key)
    return {values: frozenset(keys) for values, keys in groups.items()}


# ---- rendering --------------------------------------------------------------------------------------


def _chain(values: frozenset[int] | None, low: int, high: int, *, star: bool = True) -> Chain | None:
    """The shortest exact chain for a set of values; ``None`` (``*``) for all of ``low..high``."""
    if values is None:
        return None
    ordered = sorted(values)
    if star and ordered == list(range(low, high + 1)):
        return None
    if len(ordered) >= 2:
        step = ordered[1] - ordered[0]
        progression = all(b - a == step for a, b in zip(ordered, ordered[1:]))
        if (progression and step >= 2 and ordered[0] - low < step and ordered[-1] + step > high
                and (len(ordered) >= 3 or ordered[0] == low == 0)):
            return (Component(ordered[0], -1, step),)
    chain: list[Component] = []
    run_start = previous = ordered[0]
    for value in ordered[1:] + [None]:
        if value is not None and value == previous + 1:
            previous = value
            continue
        if previous - run_start >= 2:
            chain.append(Component(run_start, previous, 1))
        else:
            chain.extend(Component(v) for v in range(run_start, previous + 1))
        if value is not None:
            run_start = previous = value
    return tuple(chain)


def _format_chain(chain: Chain | None) -> str:
    if chain is None:
        return "*"
    parts = []
    for c in chain:
        text = f"{c.start:02d}"
        if c.stop >= 0:
            text += f"..{c.stop:02d}"
        elif c.repeat:
            text += f"/{c.repeat}"
        parts.append(text)
    return ",".join(parts)


def _format_weekdays(days: frozenset[int]) -> str:
    ordered = sorted(days)
    parts = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{WEEKDAY_ABBREVIATIONS[ordered[i]]}..{WEEKDAY_ABBREVIATIONS[ordered[j]]}")
        else:
            parts.extend(WEEKDAY_ABBREVIATIONS[d] for d in ordered[i:j + 1])
        i = j + 1
    return ",".join(parts)


def render(spec: CalendarSpec) -> str:
    """The spec as systemd's normalized ``OnCalendar=`` text."""
    date = f"*-{_format_chain(spec.months)}{'~' if spec.end_of_month else '-'}{_format_chain(spec.days)}"
    time = f"{_format_chain(spec.hours)}:{_format_chain(spec.minutes)}:{_format_chain(spec.seconds)}"
    text = f"{date} {time}"
    if spec.weekdays is not None:
        text = f"{_format_weekdays(spec.weekdays)} {text}"
    if spec.zone:
        text = f"{text} {spec.zone}"
    return text
