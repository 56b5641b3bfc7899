"""The token refresher example (examples/token_refresher), run by hand under bash and dash."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from odin.libraries import prepare

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "token_refresher" / "token_refresher.sh"
SHELLS = [shell for shell in ("bash", "dash") if shutil.which(shell)]


def refresh(shell: str, token_file: Path, refresh_before: int = 900) -> subprocess.CompletedProcess[str]:
    environ = {"PATH": os.environ["PATH"], "TOKEN_FILE": str(token_file), "REFRESH_BEFORE": str(refresh_before)}
    command, env = prepare([shell, str(SCRIPT)], environ)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)


def fields(token_file: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in token_file.read_text().splitlines())


@pytest.mark.parametrize("shell", SHELLS)
def test_a_missing_token_is_created_readable_only_by_its_owner(shell, tmp_path):
    token_file = tmp_path / "secrets" / "token"
    done = refresh(shell, token_file)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"rotated {token_file}\n"
    assert "odin: watch seconds_left = 0\nodin: condition (token is fresh) is false\n" in done.stderr
    assert "odin: watch rotated = 1\n" in done.stderr
    assert len(fields(token_file)["token"]) == 64
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert [p.name for p in token_file.parent.iterdir()] == ["token"]


@pytest.mark.parametrize("shell", SHELLS)
def test_a_fresh_token_is_left_alone(shell, tmp_path):
    token_file = tmp_path / "token"
    refresh(shell, token_file)
    before = token_file.read_text()
    done = refresh(shell, token_file)
    assert done.returncode == 0
    assert token_file.read_text() == before
    assert "odin: watch rotated = 0\n" in done.stderr
    assert done.stderr.endswith("nothing to do\n")


@pytest.mark.parametrize("shell", SHELLS)
def test_a_token_about_to_expire_is_replaced(shell, tmp_path):
    token_file = tmp_path / "token"
    refresh(shell, token_file)
    before = fields(token_file)
    done = refresh(shell, token_file, refresh_before=7200)
    assert done.returncode == 0
    assert fields(token_file)["token"] != before["token"]
    assert "odin: condition (new token in place) is true\n" in done.stderr
    assert "odin: result (success): rotated the token, it expires at " in done.stderr


@pytest.mark.parametrize("shell", SHELLS)
def test_a_token_that_cannot_be_written_fails_the_run(shell, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = refresh(shell, blocker / "token")
    assert done.returncode == 1
    assert "odin: result (failure): cannot write in " in done.stderr
