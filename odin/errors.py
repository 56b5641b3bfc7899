"""The error family: every failure Odin reports carries its own message, position and exit code.

An :class:`OdinError` renders as ``source:line:col: message``, the offending line with a caret under the
word, and a ``did you mean ...?`` hint. The CLI catches it in one place and exits with ``exit_code``;
nothing here imports the CLI or the parser.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Position:
    """Where a problem is: a 1-based line and column in ``text`` (the whole source), ``width`` chars wide."""

    source: str
    line: int
    column: int
    text: str
    width: int = 1

    def excerpt(self) -> str:
        """The offending line with a caret under the problem."""
        lines = self.text.splitlines() or [""]
        line = lines[min(self.line, len(lines)) - 1]
        return f"  {line}\n  {' ' * (self.column - 1)}{'^' * max(1, self.width)}"


class OdinError(Exception):
    """Base class: a message, an optional position and hint, and the exit code the CLI uses."""

    exit_code = 1

    def __init__(self, message: str, position: Position | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.position = position
        self.hint = hint

    def render(self) -> str:
        """The full text shown to a user: location, message, caret excerpt and hint."""
        if self.position is None:
            out = [self.message]
        else:
            p = self.position
            out = [f"{p.source}:{p.line}:{p.column}: {self.message}", p.excerpt()]
        if self.hint:
            out.append(self.hint)
        return "\n".join(out)

    def __str__(self) -> str:
        return self.render()


class InputError(OdinError):
    """Bad input from the user: exit code 2."""

    exit_code = 2


class ScheduleError(InputError):
    """A schedule string that cannot be parsed or can never run."""


class JobFileError(InputError):
    """A job file that is missing, malformed or holds a bad value."""


class JobNotFound(OdinError):
    """No job of that name is deployed."""

    def __init__(self, name: str):
        super().__init__(f"no job named '{name}' is deployed")
        self.name = name


class SystemdError(OdinError):
    """systemd refused or failed an operation."""


class StillRunning(SystemdError):
    """A run did not end within the time given to wait for it."""

    def __init__(self, unit: str, timeout: float):
        super().__init__(f"{unit} is still running after {timeout:g} s")
        self.unit = unit
        self.timeout = timeout


class JournalError(OdinError):
    """The journal could not be read."""


class PushgatewayError(OdinError):
    """The Pushgateway could not be reached or refused a request."""


def closest(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """The choice closest to ``word`` when one is close enough to be a likely typo, else ``None``."""
    import difflib  # only on the error path

    found = difflib.get_close_matches(word.lower(), [c.lower() for c in choices], n=1, cutoff=0.6)
    if not found:
        return None
    return next(c for c in choices if c.lower() == found[0])
