"""How a run ended: the :class:`RunOutcome` and the pure rule that decides it from the facts of the run."""
from __future__ import annotations

import signal
from enum import StrEnum


class RunOutcome(StrEnum):
    """A run's outcome; ``running`` until the wrapper writes its summary."""

    SUCCESS = "success"
    FAILURE = "failure"
    RUNNING = "running"


def signal_name(number: int) -> str:
    """``SIGTERM`` for 15; ``signal 99`` for a number Python does not name."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def decide_outcome(returncode: int, result_success: bool | None,
                   interruption: str | None = None) -> tuple[RunOutcome, str | None]:
    """The outcome of a finished run and, for a failure, the reason in a few words.

    :param returncode: the program's exit code, or minus the signal that killed it (as ``Popen`` reports).
    :param result_success: the ``success`` of the job's last result record, ``None`` when it sent none.
    :param interruption: why the run was cut short (a timeout, a stop, a failure to start), if it was.
    """
    if interruption:
        return RunOutcome.FAILURE, interruption
    if returncode < 0:
        return RunOutcome.FAILURE, f"killed by {signal_name(-returncode)}"
    if result_success is False:
        return RunOutcome.FAILURE, "the result reported failure"
    if returncode != 0:
        return RunOutcome.FAILURE, f"exited with code {returncode}"
    return RunOutcome.SUCCESS, None
