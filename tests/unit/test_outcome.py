"""How a run's outcome and its reason follow from its exit code, its result and any interruption."""
from __future__ import annotations

import pytest

from odin.outcome import RunOutcome, decide_outcome, signal_name


@pytest.mark.parametrize(("returncode", "result_success", "interruption", "expected"), [
    (0, None, None, (RunOutcome.SUCCESS, None)),
    (0, True, None, (RunOutcome.SUCCESS, None)),
    (0, False, None, (RunOutcome.FAILURE, "the result reported failure")),
    (1, False, None, (RunOutcome.FAILURE, "the result reported failure")),
    (3, None, None, (RunOutcome.FAILURE, "exited with code 3")),
    (2, True, None, (RunOutcome.FAILURE, "exited with code 2")),
    (-9, None, None, (RunOutcome.FAILURE, "killed by SIGKILL")),
    (0, True, "timed out after 2s", (RunOutcome.FAILURE, "timed out after 2s")),
    (-15, None, "stopped by SIGTERM", (RunOutcome.FAILURE, "stopped by SIGTERM")),
], ids=["clean-exit", "result-success", "result-failure-exit-0", "result-failure", "exit-code",
        "exit-code-beats-result", "signal", "timeout-despite-exit-0", "stopped"])
def test_the_outcome_and_reason_of_a_finished_run(returncode, result_success, interruption, expected):
    assert decide_outcome(returncode, result_success, interruption) == expected


def test_signals_are_named_and_unknown_numbers_still_read():
    assert signal_name(15) == "SIGTERM"
    assert signal_name(99) == "signal 99"


def test_outcomes_are_the_strings_odin_log_prints():
    assert [str(o) for o in RunOutcome] == ["success", "failure", "running"]
