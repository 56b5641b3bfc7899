"""The ``odin`` command itself: its version option and its help."""
from __future__ import annotations

from odin import __version__


def test_the_version_option_prints_what_the_version_command_prints(cli):
    assert cli("--version") == (0, f"odin {__version__}\n", "")
    assert cli("version") == cli("--version")


def test_the_version_option_is_listed_in_the_help(cli):
    code, out, _ = cli("--help")
    assert code == 0
    assert "--version" in out
