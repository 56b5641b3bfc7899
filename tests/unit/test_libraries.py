"""The in-job libraries for Go, Node.js, bash and sh against the Python one, outside systemd, and
odin/libraries.py, which starts a job so that it finds its library."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from odin.libraries import LIBRARY_DIR_ENV, library_dir, prepare
from odin.records import FD_ENV, decode_record

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "tests" / "data" / "conformance"
LIBRARY = ROOT / "library"

COMMANDS = {
    "python": [sys.executable, "-u", "scenario.py"],
    "go": ["go", "run", "scenario.go"],
    "node": ["node", "scenario.js"],
    "node-esm": ["node", "scenario.mjs"],
    "bash": ["bash", "scenario.sh"],
    "sh": ["dash", "scenario.sh"],
}
OTHERS = [language for language in COMMANDS if language != "python"]


def resolved(language: str) -> list[str]:
    """The scenario's command line with an absolute program and file, as a deployed unit has them."""
    program, *rest = COMMANDS[language]
    found = shutil.which(program)
    if found is None:
        pytest.skip(f"{program} is not installed")
    return [found, *[str(SCENARIOS / arg) if arg.startswith("scenario") else arg for arg in rest]]


def run_job(command: list[str], *, pipe: bool, cwd: Path = SCENARIOS,
            environ: dict[str, str] | None = None) -> tuple[int, str, str, list[bytes]]:
    """Run ``command`` as the wrapper would (through :func:`prepare`), with or without a record pipe.

    :returns: the exit code, stdout, stderr and the record lines read from the pipe.
    """
    base = {k: v for k, v in (environ or os.environ).items() if k != FD_ENV}
    base["PYTHONPATH"] = str(ROOT)
    command, env = prepare(command, base)
    lines: list[bytes] = []
    pass_fds: tuple[int, ...] = ()
    if pipe:
        read_fd, write_fd = os.pipe()
        env[FD_ENV] = str(write_fd)
        pass_fds = (write_fd,)
    process = subprocess.Popen(command, cwd=cwd, env=env, pass_fds=pass_fds, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    if pipe:
        os.close(write_fd)
        reader = threading.Thread(target=lambda: lines.extend(_read_all(read_fd).splitlines()))
        reader.start()
    out, err = process.communicate(timeout=300)
    if pipe:
        reader.join()
        os.close(read_fd)
    return process.returncode, out.decode(), err.decode(), lines


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def facts(lines: list[bytes]) -> list[tuple[object, ...]]:
    """The records on the lines without their times."""
    return [(r["kind"], r["name"], r["value"], r["success"]) for r in map(decode_record, lines)]


@pytest.fixture(scope="module")
def python_run() -> tuple[int, str, str, list[bytes]]:
    return run_job(resolved("python"), pipe=True)


def test_the_python_scenario_records_what_the_others_are_compared_with(python_run):
    code, out, _, lines = python_run
    assert code == 1
    assert out == "scenario: checking 42 files\nscenario: done\n"
    assert facts(lines) == [
        ("watch", "count", 42, None),
        ("watch", "ratio", 0.25, None),
        ("watch", "delta", -7, None),
        ("watch", "message", 'he said "héllo"\n\tpath C:\\dir ✓ 🚀 bell\x07', None),
        ("watch", "spaces", "  spaced   out  ", None),
        ("condition", "files counted", True, None),
        ("condition", 'größe < 10 "strict"', False, None),
        ("result", "result", "checked 42 files\nzweite Zeile ✓", False),
    ]


@pytest.mark.parametrize("language", OTHERS)
def test_each_language_sends_the_records_the_python_library_sends(language, python_run):
    code, out, err, lines = run_job(resolved(language), pipe=True)
    assert (code, out, err) == (1, python_run[1], "")
    assert facts(lines) == facts(python_run[3])


@pytest.mark.parametrize("language", OTHERS)
def test_each_record_line_carries_the_protocol_version_and_a_utc_time(language):
    _, _, _, lines = run_job(resolved(language), pipe=True)
    assert lines and all(line.startswith(b'{"v":1,"kind":"') for line in lines)
    assert all(decode_record(line)["time"].utcoffset().total_seconds() == 0 for line in lines)


@pytest.mark.parametrize("language", OTHERS)
def test_run_by_hand_each_language_prints_what_the_python_library_prints(language):
    expected = run_job(resolved("python"), pipe=False)
    code, out, err, lines = run_job(resolved(language), pipe=False)
    assert (code, out, err, lines) == expected
    assert err.startswith("odin: watch count = 42\n")
    assert err.endswith("odin: result (failure): checked 42 files\nzweite Zeile ✓\n")


def test_prepare_puts_the_libraries_on_the_search_paths():
    command, env = prepare(["/usr/bin/bash", "/jobs/x/x.sh"], {"PATH": "/usr/bin", "NODE_PATH": "/n"})
    assert command == ["/usr/bin/bash", "/jobs/x/x.sh"]
    assert env[LIBRARY_DIR_ENV] == str(LIBRARY)
    assert env["PATH"] == f"{LIBRARY / 'bash'}:/usr/bin"
    assert env["NODE_PATH"] == f"{LIBRARY / 'node_path'}:/n"
    assert "NODE_OPTIONS" not in env


def test_prepare_builds_go_jobs_instead_of_go_run():
    command, env = prepare(["/usr/lib/go/bin/go", "run", "/jobs/x/main.go", "--fast"], {})
    assert command == ["/bin/sh", str(LIBRARY / "go" / "run.sh"), "/jobs/x/main.go", "--fast"]
    assert env["ODIN_GO"] == "/usr/lib/go/bin/go"


def test_prepare_preloads_the_import_hook_only_for_es_modules(tmp_path):
    (tmp_path / "package.json").write_text('{"type": "module"}')
    _, esm = prepare(["/usr/bin/node", str(tmp_path / "job.js")], {"NODE_OPTIONS": "--max-old-space-size=64"})
    _, mjs = prepare(["/usr/bin/node", "--enable-source-maps", "/jobs/x/job.mjs"], {})
    _, cjs = prepare(["/usr/bin/node", "/jobs/x/job.cjs"], {})
    hook = f'--import="{LIBRARY / "node" / "register.mjs"}"'
    assert esm["NODE_OPTIONS"] == f"--max-old-space-size=64 {hook}"
    assert mjs["NODE_OPTIONS"] == hook
    assert "NODE_OPTIONS" not in cjs


def test_the_library_folder_can_be_moved_with_an_environment_variable(tmp_path):
    assert library_dir({LIBRARY_DIR_ENV: str(tmp_path)}) == str(tmp_path)
    assert library_dir({}) == str(LIBRARY)
    assert prepare(["sh", "x.sh"], {LIBRARY_DIR_ENV: str(tmp_path)})[1]["PATH"].startswith(f"{tmp_path}/bash:")
