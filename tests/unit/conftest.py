"""Fixtures shared by the unit tests."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from odin.cli import main


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """``cli("schedule", "every day at 9:00")`` runs the command in-process: ``(exit code, stdout, stderr)``."""

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            main(list(argv))
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        out, err = capsys.readouterr()
        return code, out, err

    return run
