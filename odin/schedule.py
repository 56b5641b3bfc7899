"""The schedule model: what a schedule string means, as frozen values that know nothing of the parser.

A :class:`Schedule` is a tuple of :class:`Clause` values joined by "and" (their union), plus an optional
zone. Each clause pairs *which days* (a ``DaySpec``) with *which times of those days* (a ``TimeSpec``).
Every value checks itself in ``__post_init__`` and raises :class:`ImpossibleValue` (with the span of the
offending text, when known) for things that can never happen: hour 24, 30 February, a 32nd.
:class:`CompiledSchedule` is what the rest of Odin consumes: the text, the zone actually used, the
``OnCalendar=`` lines and the explanation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

SECONDS_PER_DAY = 86_400

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
# The most days each month can have (February 29 in leap years).
MAX_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
LAST = -1  # the ordinal of "last" in "every last Friday"

Span = tuple[int, int]  # (start, end) character offsets into the schedule text


class ImpossibleValue(ValueError):
    """A value that can never happen; ``span`` says where it was written, ``hint`` what to write instead."""

    def __init__(self, message: str, span: Span | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint


class Weekday(IntEnum):
    """Days of the week, numbered as systemd orders them (Monday first)."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6

    @property
    def title(self) -> str:
        return WEEKDAY_NAMES[self.value]

    @property
    def short(self) -> str:
        return WEEKDAY_NAMES[self.value][:3]


WORKDAYS = frozenset(Weekday(d) for d in range(5))
WEEKEND = frozenset((Weekday.SATURDAY, Weekday.SUNDAY))


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeOfDay:
    """A wall-clock time, 00:00:00 to 23:59:59."""

    hour: int
    minute: int
    second: int = 0
    span: Span | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not 0 <= self.hour <= 23:
            hint = "write 00:00 for midnight" if self.hour == 24 else "hours go from 00 to 23"
            raise ImpossibleValue(f"there is no hour {self.hour}", self.span, hint)
        if not 0 <= self.minute <= 59:
            raise ImpossibleValue(f"there is no minute {self.minute}", self.span, "minutes go from 00 to 59")
        if not 0 <= self.second <= 59:
            raise ImpossibleValue(f"there is no second {self.second}", self.span, "seconds go from 00 to 59")

    @property
    def seconds(self) -> int:
        """Seconds since midnight."""
        return self.hour * 3600 + self.minute * 60 + self.second

    def __str__(self) -> str:
        base = f"{self.hour:02d}:{self.minute:02d}"
        return f"{base}:{self.second:02d}" if self.second else base


# ---- which days -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class EveryDay:
    """Every day of the year."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OnWeekdays:
    """Some days of the week (``every Monday, Wednesday and Friday``, ``every weekday``)."""

    days: frozenset[Weekday]

    def __post_init__(self) -> None:
        if not self.days:
            raise ImpossibleValue("no day of the week given")


@dataclass(frozen=True, slots=True, kw_only=True)
class OnMonthDays:
    """Days of every month (``every 1st and 15th``); months too short for a day skip it."""

    days: frozenset[int]
    span: Span | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for day in self.days:
            if not 1 <= day <= 31:
                raise ImpossibleValue(f"no month has a day {day}", self.span, "days of the month go from 1st to 31st")


@dataclass(frozen=True, slots=True, kw_only=True)
class OnLastDay:
    """The last day of every month."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OnNthWeekdays:
    """The n-th (1-5, or :data:`LAST`) given weekday(s) of every month (``every 2nd Tuesday``)."""

    ordinals: frozenset[int]
    days: frozenset[Weekday]
    span: Span | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for n in self.ordinals:
            if n != LAST and not 1 <= n <= 5:
                raise ImpossibleValue(f"no month has a {ordinal(n)} {sorted(self.days)[0].title}", self.span,
                                      "use 1st to 5th, or last")
        if not self.days:
            raise ImpossibleValue("no day of the week given", self.span)


@dataclass(frozen=True, slots=True, kw_only=True)
class OnDates:
    """Dates of every year (``every January 4th``), as (month, day) pairs."""

    dates: frozenset[tuple[int, int]]
    span: Span | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for month, day in self.dates:
            if not 1 <= month <= 12:
                raise ImpossibleValue(f"there is no month {month}", self.span)
            if not 1 <= day <= MAX_MONTH_DAYS[month - 1]:
                name = MONTH_NAMES[month - 1]
                raise ImpossibleValue(
                    f"{name} has no {ordinal(day)}: that date never happens", self.span,
                    f"{name} has at most {MAX_MONTH_DAYS[month - 1]} days; for its last day write "
                    f"'every last day of {name}'" if day <= 31 else "days of the month go from 1st to 31st")


@dataclass(frozen=True, slots=True, kw_only=True)
class OnLastDayOfMonths:
    """The last day of some months (``every last day of February``)."""

    months: frozenset[int]


DaySpec = EveryDay | OnWeekdays | OnMonthDays | OnLastDay | OnNthWeekdays | OnDates | OnLastDayOfMonths


# ---- which times ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class AtTimes:
    """Fixed times of day (``at 09:00 and 17:00``)."""

    times: tuple[TimeOfDay, ...]

    def __post_init__(self) -> None:
        if not self.times:
            raise ImpossibleValue("no time given")


@dataclass(frozen=True, slots=True, kw_only=True)
class Every:
    """A clock-aligned interval (``every 15 minutes``), optionally limited to a window of the day.

    Without a window the grid is anchored at midnight, so the interval must divide a day evenly or the
    gap across midnight would differ from the others. With a window the grid starts at the window's
    start each day, which is exact for any interval.
    """

    step: int  # seconds
    start: TimeOfDay | None = None
    end: TimeOfDay | None = None
    span: Span | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.step <= 0:
            raise ImpossibleValue("an interval must be at least one second", self.span)
        if (self.start is None) != (self.end is None):
            raise ImpossibleValue("a window needs both a start and an end", self.span)
        if self.start is not None and self.end is not None:
            if self.end.seconds <= self.start.seconds:
                raise ImpossibleValue(
                    f"the window {self.start} to {self.end} ends before it starts", self.span,
                    "a window must not cross midnight; split it into two clauses joined by 'and every'")
            return
        if self.step > SECONDS_PER_DAY:
            raise ImpossibleValue(
                f"every {describe_step(self.step)} cannot be expressed on a calendar", self.span,
                "systemd counts days within each month, so a multi-day interval would drift at month "
                "ends; name the days instead, e.g. 'every Monday and Thursday at 09:00'")
        if SECONDS_PER_DAY % self.step:
            raise ImpossibleValue(
                f"every {describe_step(self.step)} does not divide a day evenly", self.span,
                uneven_step_hint(self.step))

    def times(self) -> list[int]:
        """Every run of one day, in seconds since midnight."""
        if self.start is None or self.end is None:
            return list(range(0, SECONDS_PER_DAY, self.step))
        return list(range(self.start.seconds, self.end.seconds + 1, self.step))


TimeSpec = AtTimes | Every


@dataclass(frozen=True, slots=True, kw_only=True)
class Clause:
    """One "every ..." phrase: the days it runs on and the times of those days."""

    days: DaySpec
    times: TimeSpec
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule:
    """A whole schedule string: the union of its clauses (none for ``never``), in ``zone`` if given."""

    clauses: tuple[Clause, ...]
    zone: str | None = None
    zone_span: Span | None = field(default=None, compare=False)

    @property
    def never(self) -> bool:
        return not self.clauses


@dataclass(frozen=True, slots=True, kw_only=True)
class CompiledSchedule:
    """A schedule ready for systemd: the ``OnCalendar=`` lines in ``timezone``, and what they mean."""

    text: str
    timezone: str
    oncalendar: tuple[str, ...]
    explanation: str
    schedule: Schedule


# ---- words ------------------------------------------------------------------------------------------


def ordinal(n: int) -> str:
    """``1`` -> ``1st``, ``22`` -> ``22nd``, :data:`LAST` -> ``last``."""
    if n == LAST:
        return "last"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def describe_step(step: int) -> str:
    """``900`` -> ``15 minutes``; ``3600`` -> ``hour``."""
    for size, unit in ((86_400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if step % size == 0:
            n = step // size
            return unit if n == 1 else f"{n} {unit}s"
    return f"{step} seconds"  # pragma: no cover - every step is a whole number of seconds


def uneven_step_hint(step: int) -> str:
    """What to write instead of an interval that does not divide a day."""
    unit = 3600 if step % 3600 == 0 else 60 if step % 60 == 0 else 1
    n = step // unit
    name = {3600: "hours", 60: "minutes", 1: "seconds"}[unit]
    whole = SECONDS_PER_DAY // unit
    lower = next(k for k in range(n, 0, -1) if whole % k == 0)
    upper = next((k for k in range(n, whole + 1) if whole % k == 0), None)
    gap = SECONDS_PER_DAY % step
    options = [f"'every {k} {name}'" for k in (lower, upper) if k is not None and k != n]
    times = [TimeOfDay(hour=s // 3600, minute=s % 3600 // 60, second=s % 60) for s in range(0, SECONDS_PER_DAY, step)]
    listed = ""
    if len(times) <= 6:
        listed = f", or the times themselves: 'every day at {join_words([str(t) for t in times])}'"
    return (f"runs anchored at midnight would be {describe_step(gap)} apart across midnight; write "
            f"{' or '.join(options)}{listed}, or add a window: 'every {describe_step(step)} from 08:00 to 20:00'")


def join_words(words: list[str]) -> str:
    """``['a', 'b', 'c']`` -> ``a, b and c``."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
