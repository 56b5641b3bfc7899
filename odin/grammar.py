"""The schedule parser: loads ``grammar/odin.lark`` once and turns a schedule string into a :class:`Schedule`.

Usage::

    from odin.grammar import compile_schedule
    compiled = compile_schedule("every weekday at 08:00", timezone="Europe/Dublin")
    compiled.oncalendar   # ('Mon..Fri *-*-* 08:00:00 Europe/Dublin',)

Lark's own errors never leave this module: a failed parse becomes a :class:`~odin.errors.ScheduleError`
that points at the offending word, with a caret excerpt and a did-you-mean hint.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from odin.errors import Position, ScheduleError, closest
from odin.schedule import (
    LAST, MONTH_NAMES, WEEKDAY_NAMES, WEEKEND, WORKDAYS, AtTimes, Clause, CompiledSchedule, EveryDay, Every,
    ImpossibleValue, OnDates, OnLastDay, OnLastDayOfMonths, OnMonthDays, OnNthWeekdays, OnWeekdays, Schedule,
    Span, TimeOfDay, Weekday,
)

GRAMMAR_PATH = Path(__file__).resolve().parent.parent / "grammar" / "odin.lark"

KEYWORDS = (
    "every", "everyday", "never", "at", "and", "to", "through", "from", "between", "on", "of", "the", "in",
    "day", "days", "month", "weekday", "weekdays", "weekend", "weekends", "last", "first", "second", "third",
    "fourth", "fifth", "minute", "minutes", "hour", "hours", "seconds", "noon", "midnight", "am", "pm",
) + WEEKDAY_NAMES + MONTH_NAMES

# What each terminal looks like, for "expected ..." messages and did-you-mean candidates.
TERMINAL_WORDS: dict[str, tuple[str, ...]] = {
    "WEEKDAY": WEEKDAY_NAMES,
    "MONTH": MONTH_NAMES,
    "WORKDAYS": ("weekday", "weekdays"),
    "WEEKEND": ("weekend", "weekends"),
    "DAY": ("day",),
    "EVERY": ("every",),
    "EVERYDAY": ("everyday",),
    "NEVER": ("never",),
    "AT": ("at",),
    "AND": ("and",),
    "TO": ("to",),
    "THROUGH": ("through",),
    "FROM": ("from",),
    "BETWEEN": ("between",),
    "ON": ("on",),
    "OF": ("of",),
    "THE": ("the",),
    "IN": ("in",),
    "LAST": ("last",),
    "FIRST": ("first",),
    "SECOND": ("second", "seconds"),
    "THIRD": ("third",),
    "FOURTH": ("fourth",),
    "FIFTH": ("fifth",),
    "MINUTE": ("minute", "minutes"),
    "HOUR": ("hour", "hours"),
    "MONTH_WORD": ("month",),
    "NOON": ("noon",),
    "MIDNIGHT": ("midnight",),
    "AMPM": ("am", "pm"),
}

TERMINAL_DESCRIPTIONS = {
    "CLOCK": "a time such as 17:00",
    "NUMBER": "a number",
    "ORDINAL": "a day of the month such as 1st",
    "WEEKDAY": "a weekday",
    "MONTH": "a month",
    "ZONE": "a time zone such as Europe/Dublin",
    "AND_EVERY": "'and every ...'",
    "$END": "the end of the schedule",
    "COMMA": "','",
}

# Known-bad inputs, by what is wrong with them: an error is labelled with the entry whose example fails
# in the same parser state (lark's match_examples).
ERROR_EXAMPLES: dict[str, list[str]] = {
    "this clause has no time: say when on those days, e.g. 'at 17:00'": [
        "every Wednesday", "every day", "every 1st", "every weekday", "every weekend", "every Monday and Friday",
        "every Monday to Friday", "every January 4th", "every 4th of July", "every last Friday",
        "every last day", "every 2nd Tuesday", "every 2nd Tuesday of the month", "every last day of the month",
        "every last day of February", "every Monday, Friday", "every January 4", "everyday",
        "every 1st and 15th", "every first Monday",
    ],
    "nothing follows 'and': add another item or remove the 'and'": [
        "every day at 10:00 and", "every Monday and", "every 1st and", "every 2nd and", "every January 4th and",
        "every day at 10:00,", "every Monday,", "every 1st,", "every hour on Monday and",
        "every 1st and every", "every hour between 09:00 and", "every last day of January and",
    ],
    "'and' inside a clause continues its list; start another clause with 'and every'": [
        "every Monday at 10:00 and Tuesday at 11:00", "every day at 10:00 and Monday",
        "every day at 10:00 and 1st", "every day at 10:00 and day",
    ],
    "a time needs minutes or am/pm: write 17:00, 5pm or 5:30 pm": [
        "every day at 5", "every day at 10:00 and 5", "every day at 10:00, 5", "every hour from 9",
        "every hour from 09:00 to 5", "every hour between 9",
    ],
    "'every' must be followed by a day, a weekday, a date or an interval such as '15 minutes'": [
        "every", "every day at 10:00 and every", "every at 10:00",
    ],
    "an interval needs a unit: seconds, minutes or hours": ["every 15", "every 2 at 10:00"],
    "'at' must be followed by a time such as 17:00": ["every day at", "every day at on"],
    "'in' must be followed by a time zone such as Europe/Dublin": ["every day at 10:00 in", "never in"],
    "a schedule must start with 'every', 'everyday' or 'never'": ["at 10:00", "monday at 10:00", "10:00"],
    "'never' stands alone: a job that never runs has no other clause": ["never and every day at 10:00"],
    "another clause must start with 'and every'": ["every day at 10:00 every Monday at 11:00"],
}


@functools.cache
def parser() -> Lark:
    """The LALR parser for ``grammar/odin.lark``, built once per process."""
    # The built LALR tables are kept in the user's cache folder, keyed by the grammar's hash, so a fresh
    # process loads them instead of rebuilding them (about 300 ms saved on every command start). Never a
    # shared temporary folder: the tables are a pickle, and another user could plant one there.
    return Lark(GRAMMAR_PATH.read_text(encoding="utf-8"), parser="lalr", propagate_positions=True,
                maybe_placeholders=False, cache=_table_cache_path())


def _table_cache_path() -> str | bool:
    """A private file for the parser tables, or ``False`` (build them each time) when none can be made."""
    import hashlib
    import os

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "odin"
    try:
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return False
    if not os.access(base, os.W_OK) or base.stat().st_uid != os.getuid():
        return False
    digest = hashlib.sha256(GRAMMAR_PATH.read_bytes()).hexdigest()[:16]
    return str(base / f"schedule-grammar-{digest}.lark")


def parse_schedule(text: str) -> Schedule:
    """Parse ``text`` into a :class:`Schedule`, or raise positions relative to ``text`` itself.

    :raises ScheduleError: the text is not a schedule, or names something impossible.
    """
    return _parse(text, source="<schedule>", line=1, column=1)


def compile_schedule(text: str, *, timezone: str | None = None, source: str = "<schedule>", line: int = 1,
                     column: int = 1) -> CompiledSchedule:
    """Compile a schedule string into ``OnCalendar=`` lines in a zone, with its explanation.

    :param text: the schedule, e.g. ``"every Wednesday at 17:00"``.
    :param timezone: the zone used when ``text`` has no ``in Zone`` suffix; default the machine's zone.
    :param source: the file name shown in errors.
    :param line: the line of ``source`` where ``text`` starts (1-based).
    :param column: the column of ``source`` where ``text`` starts (1-based).
    :raises ScheduleError: bad syntax, an impossible date or time, an uneven interval, an unknown zone.
    """
    from odin import oncalendar
    from odin.explain import explain
    from odin.timezones import check_zone, local_zone

    schedule = _parse(text, source=source, line=line, column=column)
    if schedule.zone is not None:
        zone = check_zone(schedule.zone, lambda msg, hint: _error(msg, text, schedule.zone_span, source, line,
                                                                   column, hint))
    elif timezone is not None:
        zone = check_zone(timezone, lambda msg, hint: ScheduleError(msg, hint=hint))
    else:
        zone = local_zone()
    lines = oncalendar.schedule_lines(schedule, zone)
    return CompiledSchedule(text=text, timezone=zone, oncalendar=lines, explanation=explain(schedule, zone),
                            schedule=schedule)


def _parse(text: str, *, source: str, line: int, column: int) -> Schedule:
    if not text.strip():
        raise _error("the schedule is empty" if not text else "the schedule is blank", text, (0, 0), source,
                     line, column, "write when the job runs, e.g. 'every day at 09:00', or 'never'")
    try:
        tree = parser().parse(text)
    except UnexpectedInput as err:
        raise _syntax_error(err, text, source, line, column) from None
    try:
        return ScheduleBuilder().transform(tree)
    except VisitError as err:
        orig = err.orig_exc
        if isinstance(orig, ImpossibleValue):
            raise _error(orig.message, text, orig.span, source, line, column, orig.hint) from None
        raise


# ---- errors -----------------------------------------------------------------------------------------


def _error(message: str, text: str, span: Span | None, source: str, line: int, column: int,
           hint: str | None = None) -> ScheduleError:
    start, end = span if span is not None else (0, len(text))
    before = text[:start]
    rel_line = before.count("\n") + 1
    rel_col = start - (before.rfind("\n") + 1) + 1
    abs_line = line + rel_line - 1
    abs_col = rel_col + column - 1 if rel_line == 1 else rel_col
    # The excerpt shows the schedule where it sits in its source: lines before it blank, its first line
    # indented to ``column``.
    shown = "\n" * (line - 1) + " " * (column - 1) + text
    width = max(1, min(end, len(text)) - start) if end > start else 1
    first_line_end = text.find("\n", start)
    if first_line_end != -1:
        width = max(1, min(width, first_line_end - start))
    return ScheduleError(message, Position(source, abs_line, abs_col, shown, width), hint)


_WORD = re.compile(r"[^\s,]+")


def _syntax_error(err: UnexpectedInput, text: str, source: str, line: int, column: int) -> ScheduleError:
    label = _label(err)
    if isinstance(err, UnexpectedToken) and err.token.type == "$END":
        pos = len(text.rstrip())
        message = label or f"the schedule ends too early: expected {_expected(err.expected)}"
        return _error(message, text, (pos, pos + 1), source, line, column, _end_hint(err.expected))
    if isinstance(err, UnexpectedCharacters):
        pos = err.pos_in_stream
        allowed = err.allowed or set()
    else:
        assert isinstance(err, UnexpectedToken)
        pos = err.token.start_pos if err.token.start_pos is not None else 0
        allowed = err.expected
    match = _WORD.match(text, pos)
    word = match.group(0) if match else text[pos:pos + 1]
    span = (pos, pos + len(word))
    suggestion = _did_you_mean(word, allowed)
    if word.isalpha() and not _is_keyword(word):
        message = f"unknown word '{word}': expected {_expected(allowed)}"
    elif label:
        message = f"{label} (found '{word}')"
    else:
        message = f"unexpected '{word}': expected {_expected(allowed)}"
    hint = f"did you mean '{suggestion}'?" if suggestion else None
    return _error(message, text, span, source, line, column, hint)


def _label(err: UnexpectedInput) -> str | None:
    if not isinstance(err, UnexpectedToken):
        return None
    try:
        return err.match_examples(parser().parse, ERROR_EXAMPLES, use_accepts=True)
    except Exception:  # noqa: BLE001 - labelling is best effort; the generic message still applies
        return None


def _is_keyword(word: str) -> bool:
    try:
        tokens = list(parser().lex(word))
    except UnexpectedInput:
        return False
    return len(tokens) == 1 and tokens[0].type not in ("ZONE", "NUMBER")


def _did_you_mean(word: str, allowed: set[str] | frozenset[str]) -> str | None:
    if not word.isalpha():
        return None
    choices = [w for name in sorted(allowed) for w in TERMINAL_WORDS.get(name, ())]
    found = closest(word, choices) if choices else None
    if found is None:
        found = closest(word, list(KEYWORDS))
    if found is not None and found.lower() == word.lower():
        return None
    return found


def _expected(names: set[str] | frozenset[str]) -> str:
    words: list[str] = []
    for name in sorted(names, key=lambda n: (n == "$END", n)):
        if name in TERMINAL_DESCRIPTIONS:
            desc = TERMINAL_DESCRIPTIONS[name]
        elif name in TERMINAL_WORDS:
            desc = "'" + TERMINAL_WORDS[name][0] + "'"
        else:
            desc = f"'{name.lower()}'"
        if desc not in words:
            words.append(desc)
    if len(words) > 6:
        words = words[:6] + ["..."]
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else "".join(words)


def _end_hint(expected: set[str]) -> str | None:
    if "AT" in expected:
        return "e.g. 'every Wednesday at 17:00'"
    return None


# ---- tree -> model ----------------------------------------------------------------------------------


def _span(node: Tree | Token) -> Span:
    if isinstance(node, Token):
        return (node.start_pos or 0, node.end_pos or 0)
    return (node.meta.start_pos, node.meta.end_pos)


_WEEKDAY_PREFIXES = {name[:3].lower(): Weekday(i) for i, name in enumerate(WEEKDAY_NAMES)}
_MONTH_PREFIXES = {name[:3].lower(): i + 1 for i, name in enumerate(MONTH_NAMES)}
_WORD_ORDINALS = {"FIRST": 1, "SECOND": 2, "THIRD": 3, "FOURTH": 4, "FIFTH": 5, "LAST": LAST}


def _weekday(token: Token) -> Weekday:
    return _WEEKDAY_PREFIXES[token.value[:3].lower()]


def _month(token: Token) -> int:
    return _MONTH_PREFIXES[token.value[:3].lower()]


def _number(token: Token) -> int:
    digits = re.match(r"\d+", token.value)
    assert digits is not None
    value = int(digits.group(0))
    return value if len(digits.group(0)) <= 4 else 10_000  # absurdly long numbers stay out of range


def _items(children: list) -> list:
    """The children that carry meaning: subtrees and value tokens, without keywords and commas."""
    return [c for c in children if not (isinstance(c, Token) and c.type in _KEYWORD_TYPES)]


_KEYWORD_TYPES = {"AND", "TO", "THROUGH", "DASH", "OF", "THE", "EVERY", "EVERYDAY", "AT", "FROM", "BETWEEN",
                  "ON", "IN", "MONTH_WORD", "AND_EVERY", "NEVER", "COMMA"}


@v_args(meta=True)
class ScheduleBuilder(Transformer):
    """Builds the frozen model bottom-up; each callback returns a model value or a plain list."""

    # -- whole string
    def never(self, meta, children):
        zone = next((c for c in children if isinstance(c, tuple)), None)
        return Schedule(clauses=(), zone=zone[0] if zone else None, zone_span=zone[1] if zone else None)

    def schedule(self, meta, children):
        clauses = tuple(c for c in children if isinstance(c, Clause))
        zone = next((c for c in children if isinstance(c, tuple)), None)
        return Schedule(clauses=clauses, zone=zone[0] if zone else None, zone_span=zone[1] if zone else None)

    def zone(self, meta, children):
        token = children[-1]
        return (str(token.value), _span(token))

    # -- clauses
    def at_clause(self, meta, children):
        days, times = _items(children)
        return Clause(days=days, times=times, span=(meta.start_pos, meta.end_pos))

    def everyday_clause(self, meta, children):
        (times,) = _items(children)
        return Clause(days=EveryDay(), times=times, span=(meta.start_pos, meta.end_pos))

    def interval_clause(self, meta, children):
        items = _items(children)
        step, step_span = items[0]
        window = next((i for i in items[1:] if isinstance(i, tuple)), None)
        days = next((i for i in items[1:] if isinstance(i, OnWeekdays)), EveryDay())
        start, end = window if window else (None, None)
        every = Every(step=step, start=start, end=end, span=(meta.start_pos, meta.end_pos) if window else step_span)
        return Clause(days=days, times=every, span=(meta.start_pos, meta.end_pos))

    interval_clause_days_first = interval_clause

    # -- days
    def every_day(self, meta, children):
        return EveryDay()

    def weekdays(self, meta, children):
        return OnWeekdays(days=children[0])

    def workdays(self, meta, children):
        return OnWeekdays(days=WORKDAYS)

    def weekend(self, meta, children):
        return OnWeekdays(days=WEEKEND)

    def weekday_list(self, meta, children):
        days: set[Weekday] = set()
        for item in _items(children):
            days |= item
        return frozenset(days)

    def one_weekday(self, meta, children):
        return frozenset({_weekday(children[0])})

    def weekday_range(self, meta, children):
        first, last = (_weekday(t) for t in _items(children))
        if first == last:
            day = WEEKDAY_NAMES[first]
            raise ImpossibleValue(f"the range {day} to {day} begins and ends on the same day",
                                  (meta.start_pos, meta.end_pos),
                                  f"write 'every {day}' for one day a week, or end the range on another day")
        span = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
        return frozenset(Weekday(d) for d in span)

    def nth_list(self, meta, children):
        return _items(children)

    def nth(self, meta, children):
        (token,) = children
        value = _number(token) if token.type == "ORDINAL" else _WORD_ORDINALS[token.type]
        return (value, token)

    def month_days(self, meta, children):
        for value, token in children[0]:
            if token.type != "ORDINAL":
                raise ImpossibleValue(f"'{token.value}' needs 'day' or a weekday after it", _span(token),
                                      "write e.g. 'every last day', 'every first Monday' or 'every 1st'")
        return OnMonthDays(days=frozenset(v for v, _ in children[0]), span=(meta.start_pos, meta.end_pos))

    def nth_weekdays(self, meta, children):
        nths, days = children[0], children[1]
        return OnNthWeekdays(ordinals=frozenset(v for v, _ in nths), days=days, span=(meta.start_pos, meta.end_pos))

    def of_month(self, meta, children):
        return None

    def dates(self, meta, children):
        return OnDates(dates=frozenset(children[0]), span=(meta.start_pos, meta.end_pos))

    def date_list(self, meta, children):
        return [d for d in _items(children)]

    def month_then_day(self, meta, children):
        month, day = _items(children)
        return self._date(_month(month), day, meta)

    def day_then_month(self, meta, children):
        day, month = _items(children)
        return self._date(_month(month), day, meta)

    def day_number(self, meta, children):
        return children[0]

    @staticmethod
    def _date(month: int, day: Token, meta) -> tuple[int, int]:
        OnDates(dates=frozenset({(month, _number(day))}), span=(meta.start_pos, meta.end_pos))
        return (month, _number(day))

    def last_day(self, meta, children):
        return OnLastDay()

    def last_day_of_months(self, meta, children):
        return OnLastDayOfMonths(months=frozenset(children[-1]))

    def month_list(self, meta, children):
        return [_month(t) for t in _items(children)]

    # -- times
    def at_times(self, meta, children):
        return AtTimes(times=tuple(_items(children)))

    def clock(self, meta, children):
        (token,) = children
        return _clock(token, None)

    def clock_ampm(self, meta, children):
        token, ampm = children
        return _clock(token, ampm)

    def hour_ampm(self, meta, children):
        number, ampm = children
        hour = _number(number)
        span = (number.start_pos or 0, ampm.end_pos or 0)
        return TimeOfDay(hour=_twelve_hour(hour, ampm, span), minute=0, span=span)

    def noon(self, meta, children):
        return TimeOfDay(hour=12, minute=0)

    def midnight(self, meta, children):
        return TimeOfDay(hour=0, minute=0)

    def one_unit(self, meta, children):
        (unit,) = children
        return (_UNIT_SECONDS[unit.type], _span(unit))

    def some_units(self, meta, children):
        number, unit = children
        count = _number(number)
        span = (number.start_pos or 0, unit.end_pos or 0)
        if unit.type == "DAY":
            raise ImpossibleValue(f"every {count} days cannot be expressed on a calendar", span,
                                  "systemd counts days within each month, so a multi-day interval would drift "
                                  "at month ends; name the days instead, e.g. 'every Monday and Thursday at 09:00'")
        if count == 0:
            raise ImpossibleValue("an interval of zero never elapses", span, "write 'never' for a job run by hand")
        return (count * _UNIT_SECONDS[unit.type], span)

    def window(self, meta, children):
        start, end = _items(children)
        return (start, end)

    def on_weekdays(self, meta, children):
        return OnWeekdays(days=children[-1])

    def on_workdays(self, meta, children):
        return OnWeekdays(days=WORKDAYS)

    def on_weekend(self, meta, children):
        return OnWeekdays(days=WEEKEND)


_UNIT_SECONDS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600}


def _clock(token: Token, ampm: Token | None) -> TimeOfDay:
    parts = [int(p) if len(p) <= 4 else 10_000 for p in token.value.split(":")]
    span = (token.start_pos or 0, (ampm or token).end_pos or 0)
    hour, minute = parts[0], parts[1]
    second = parts[2] if len(parts) > 2 else 0
    if len(token.value.split(":")[1]) != 2:
        raise ImpossibleValue(f"'{token.value}' is not a time", span, "write minutes with two digits, e.g. 09:05")
    if ampm is not None:
        hour = _twelve_hour(hour, ampm, span)
    return TimeOfDay(hour=hour, minute=minute, second=second, span=span)


def _twelve_hour(hour: int, ampm: Token, span: Span) -> int:
    if not 1 <= hour <= 12:
        raise ImpossibleValue(f"there is no {hour}{ampm.value.lower()}", span,
                              "am/pm hours go from 1 to 12 (12am is midnight, 12pm is noon)")
    pm = ampm.value.lower().startswith("p")
    return (hour % 12) + (12 if pm else 0)
