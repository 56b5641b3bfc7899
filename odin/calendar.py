"""Next run times of a compiled schedule, computed the way systemd 252 computes a timer's next elapse.

systemd walks the calendar fields of an ``OnCalendar=`` spec from the year down to the second, checking
each candidate with the C library's ``mktime()`` in the spec's zone; when ``mktime()`` normalizes a
candidate (a wall time skipped by a DST change) it continues from the normalized time, or gives up on
the day when that time lies *behind* the candidate. Which times DST skips or repeats therefore depends
on glibc's ``mktime()`` itself, including the offset it remembers between calls to resolve repeated
wall times. :class:`_Clock` reproduces that ``mktime()`` over :mod:`zoneinfo`, and :func:`next_elapse`
follows systemd's search step by step, so the results equal ``systemd-analyze calendar`` (the unit
tests compare them) without starting a process: ``odin list`` can ask for many jobs cheaply.

Usage::

    next_runs(compile_schedule("every weekday at 08:00"), base=datetime.now(UTC), count=5)
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from odin.oncalendar import CalendarSpec, Chain, Component, schedule_specs
from odin.schedule import CompiledSchedule
from odin.timezones import zone as zone_info

USEC = 1_000_000
MAX_YEAR = 2199  # systemd stops looking past this year
MAX_ITERATIONS = 1000  # systemd's guard against endless searches
_EPOCH_DAYS = date(1970, 1, 1).toordinal()

# Indices into a broken-down time, kept as a list because candidates may be out of range (day 32).
YEAR, MON, MDAY, HOUR, MIN, SEC, ISDST = range(7)


def next_runs(compiled: CompiledSchedule, base: datetime, count: int) -> list[datetime]:
    """The next ``count`` runs strictly after ``base``: the union of every line, each time once, sorted.

    :param base: an aware datetime (a naive one is read as wall time in the schedule's zone).
    :returns: aware datetimes in the schedule's zone; fewer than ``count`` only if the schedule ends.
    """
    if count <= 0 or not compiled.oncalendar:
        return []
    tz = zone_info(compiled.timezone)
    if base.tzinfo is None:
        base = base.replace(tzinfo=tz)
    start = _to_usec(base)
    found: set[int] = set()
    for spec in schedule_specs(compiled.schedule, compiled.timezone):
        usec = start
        for _ in range(count):
            nxt = next_elapse(spec, tz, usec)
            if nxt is None:
                break
            found.add(nxt)
            usec = nxt
    return [_from_usec(u, tz) for u in sorted(found)[:count]]


def _to_usec(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))
    return (delta.days * 86_400 + delta.seconds) * USEC + delta.microseconds


def _from_usec(usec: int, tz: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(usec // USEC, tz).replace(microsecond=usec % USEC)


def _fields_seconds(year: int, mon: int, mday: int, hour: int, minute: int, sec: int) -> int:
    """A broken-down time, possibly out of range, as seconds since the epoch if it were UTC."""
    year += mon // 12
    days = date(year, mon % 12 + 1, 1).toordinal() - _EPOCH_DAYS + mday - 1
    return ((days * 24 + hour) * 60 + minute) * 60 + sec


class _Clock:
    """glibc's ``localtime_r()`` and ``mktime()`` for one zone.

    ``mktime()`` guesses the UTC offset of the wall time it is given from the offset of its previous
    result, and refines the guess by converting back; for a repeated wall time (DST ending) the guess
    decides which of the two instants it returns, and for a skipped one (DST starting) glibc's rule for
    oscillating guesses decides which way it normalizes. Both are reproduced here, state included.
    """

    def __init__(self, tz: ZoneInfo):
        self.tz = tz
        self.offset = 0  # glibc's remembered guess: result minus wall time, in seconds

    def _local(self, t: int) -> tuple[int, int]:
        """Wall time of ``t`` as UTC-like seconds, and whether DST is in effect (``tm_isdst``)."""
        moment = datetime.fromtimestamp(t, self.tz)
        utcoffset = moment.utcoffset()
        dst = moment.dst()
        return t + int(utcoffset.total_seconds()) if utcoffset else t, 1 if dst else 0

    def localtime(self, t: int) -> list[int]:
        moment = datetime.fromtimestamp(t, self.tz)
        return [moment.year, moment.month - 1, moment.day, moment.hour, moment.minute, moment.second,
                1 if moment.dst() else 0]

    def mktime(self, tm: list[int]) -> int | None:
        """Normalize ``tm`` in place (fields and ``tm_isdst``) and return its time, or ``None`` on failure."""
        year, mon, mday, hour, minute, sec_requested, isdst = tm
        sec = min(max(sec_requested, 0), 59)
        try:
            wall = _fields_seconds(year, mon, mday, hour, minute, sec)
        except (ValueError, OverflowError):
            return None
        t0 = wall + self.offset
        t = t1 = t2 = t0
        dst2 = 0
        probes = 6
        while True:
            local, local_dst = self._local(t)
            guess = t + (wall - local)
            if guess == t:
                break
            if t == t1 and t != t2 and (dst2 <= local_dst if isdst < 0 else (isdst != 0) != (local_dst != 0)):
                break  # oscillating across a skipped hour: keep t, as glibc does
            probes -= 1
            if probes == 0:
                return None
            t1, t2, t, dst2 = t2, t, guess, local_dst
        if guess == t and isdst >= 0 and (isdst != 0) != (local_dst != 0):
            t = self._search_dst(t, wall, isdst)
        self.offset = t - wall
        if sec_requested != sec:
            t += sec_requested - sec
        tm[:] = self.localtime(t)
        return t

    def _search_dst(self, t: int, wall: int, isdst: int) -> int:
        stride = 601_200
        bound = 536_454_000 // 2 + stride
        for delta in range(stride, bound, stride):
            for direction in (-1, 1):
                other = t + delta * direction
                local, local_dst = self._local(other)
                if (local_dst != 0) == (isdst != 0):
                    return other + (wall - local)
        return t


def _usec_chain(chain: Chain | None) -> Chain:
    if chain is None:
        return (Component(0, -1, USEC),)
    return tuple(Component(c.start * USEC, c.stop * USEC if c.stop >= 0 else -1, c.repeat * USEC)
                 for c in chain)


class _Search:
    """systemd's ``find_next()`` for one spec, over one :class:`_Clock`."""

    def __init__(self, spec: CalendarSpec, clock: _Clock):
        self.spec = spec
        self.clock = clock
        self.seconds = _usec_chain(spec.seconds)

    def end_of_month(self, tm: list[int], day: int) -> int:
        t = list(tm)
        t[MON] += 1
        t[MDAY] = 1 - day
        if self.clock.mktime(t) is None or t[MON] != tm[MON]:
            return -1
        return t[MDAY]

    def matching(self, chain: Chain | None, tm: list[int], value: int, day_field: bool = False) -> tuple[int, int]:
        """(r, new value): r is -1 for no match, 1 when the value moved, 0 when it already matched."""
        if chain is None:
            return 0, value
        best = None
        eom = day_field and self.spec.end_of_month
        for c in chain:
            start, stop = c.start, c.stop
            if eom:
                start = self.end_of_month(tm, c.start)
                stop = self.end_of_month(tm, c.stop)
                if stop > 0:
                    start, stop = stop, start
            if start >= value:
                if best is None or start < best:
                    best = start
            elif c.repeat > 0:
                k = start + c.repeat * -(-(value - start) // c.repeat)
                if (best is None or k < best) and (stop < 0 or k <= stop):
                    best = k
        if best is None:
            return -1, value
        return (1 if best != value else 0), best

    def within_bounds(self, tm: list[int]) -> int:
        """1 if ``tm`` is a real wall time, 0 if it was normalized forward (``tm`` updated), -1 otherwise."""
        if tm[YEAR] > MAX_YEAR:
            return -1
        t = list(tm)
        if self.clock.mktime(t) is None:
            return -1
        cmp = 0
        for field, reset, value in ((YEAR, MON, 0), (MON, MDAY, 1), (MDAY, HOUR, 0), (HOUR, MIN, 0),
                                    (MIN, SEC, 0)):
            if t[field] != tm[field]:
                cmp = 1 if t[field] > tm[field] else -1
                t[reset] = value
                break
        else:
            if t[SEC] != tm[SEC]:
                cmp = 1 if t[SEC] > tm[SEC] else -1
        if cmp < 0:
            return -1
        if cmp > 0:
            tm[:] = t
        return 1 if cmp == 0 else 0

    def matches_weekday(self, tm: list[int]) -> bool:
        if self.spec.weekdays is None:
            return True
        t = list(tm)
        if self.clock.mktime(t) is None:
            return False
        return date(t[YEAR], t[MON] + 1, t[MDAY]).weekday() in self.spec.weekdays

    def find_next(self, tm: list[int], usec: int) -> tuple[list[int], int] | None:
        spec, clock = self.spec, self.clock
        c = list(tm)
        start_usec = usec
        keep_dst = False
        for _ in range(MAX_ITERATIONS):
            clock.mktime(c)
            if not keep_dst:
                c[ISDST] = -1
            # year: always '*'
            if self.within_bounds(c) <= 0:
                return None

            r, month = self.matching(spec.months, c, c[MON] + 1)
            c[MON] = month - 1
            if r > 0:
                c[MDAY], c[HOUR], c[MIN], c[SEC], usec = 1, 0, 0, 0, 0
            if r < 0 or (r := self.within_bounds(c)) < 0:
                c[YEAR] += 1
                c[MON], c[MDAY], c[HOUR], c[MIN], c[SEC], usec = 0, 1, 0, 0, 0, 0
                continue
            if r == 0:
                continue

            r, c[MDAY] = self.matching(spec.days, c, c[MDAY], day_field=True)
            if r > 0:
                c[HOUR], c[MIN], c[SEC], usec = 0, 0, 0, 0
            if r < 0 or (r := self.within_bounds(c)) < 0:
                c[MON] += 1
                c[MDAY], c[HOUR], c[MIN], c[SEC], usec = 1, 0, 0, 0, 0
                continue
            if r == 0:
                continue

            if not self.matches_weekday(c):
                c[MDAY] += 1
                c[HOUR], c[MIN], c[SEC], usec = 0, 0, 0, 0
                continue

            r, c[HOUR] = self.matching(spec.hours, c, c[HOUR])
            if r > 0:
                c[MIN], c[SEC], usec = 0, 0, 0
            if r < 0 or (r := self.within_bounds(c)) < 0:
                c[MDAY] += 1
                c[HOUR], c[MIN], c[SEC], usec = 0, 0, 0, 0
                continue
            if r == 0:
                continue

            r, c[MIN] = self.matching(spec.minutes, c, c[MIN])
            if r > 0:
                c[SEC], usec = 0, 0
            if r < 0 or (r := self.within_bounds(c)) < 0:
                c[HOUR] += 1
                c[MIN], c[SEC], usec = 0, 0, 0
                continue
            if r == 0:
                continue

            r, combined = self.matching(self.seconds, c, c[SEC] * USEC + usec)
            c[SEC], usec = divmod(combined, USEC)
            if r < 0 or (r := self.within_bounds(c)) < 0:
                c[MIN] += 1
                c[SEC], usec = 0, 0
                continue
            if r == 0:
                continue

            # A normalization that went backwards can land on or before the start; systemd then moves
            # on an hour and keeps mktime()'s own DST flag from there on.
            if c[:SEC + 1] < tm[:SEC + 1] or (c[:SEC + 1] == tm[:SEC + 1] and usec + 1 <= start_usec):
                keep_dst = True
                c[HOUR] += 1
                continue
            return c, usec
        return None


def next_elapse(spec: CalendarSpec, tz: ZoneInfo, after_usec: int) -> int | None:
    """The first elapse of ``spec`` strictly after ``after_usec`` (µs since the epoch), or ``None``."""
    clock = _Clock(tz)
    usec = after_usec + 1
    t, sub = divmod(usec, USEC)
    tm = clock.localtime(t)
    found = _Search(spec, clock).find_next(tm, sub)
    if found is None:
        return None
    tm, sub = found
    result = clock.mktime(tm)
    if result is None:
        return None
    return result * USEC + sub
