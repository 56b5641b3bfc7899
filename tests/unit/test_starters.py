"""Starter files from ``odin generate``: a valid job file and a program that uses the in-job library."""
from __future__ import annotations

import subprocess
import sys

import pytest

from odin.jobfile import Language, load_job
from odin.starters import starters


@pytest.mark.parametrize("language", list(Language), ids=[lang.value for lang in Language])
def test_the_generated_job_file_loads_as_written(tmp_path, language):
    job, program = starters("report", language, "every Monday at 09:00", 'Sends the "weekly" report')
    for starter in (job, program):
        path = tmp_path / starter.filename
        path.write_text(starter.text)
        path.chmod(0o755 if starter.executable else 0o644)
    spec = load_job(tmp_path / job.filename)
    assert (spec.name, spec.language, spec.file) == ("report", language, program.filename)
    assert spec.schedule.text == "every Monday at 09:00"
    assert spec.description == 'Sends the "weekly" report'


def test_the_python_starter_runs_with_the_library_in_test_mode(tmp_path):
    _, program = starters("report", Language.PYTHON3, "every day at 09:00", "Counts things")
    path = tmp_path / program.filename
    path.write_text(program.text)
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert "report: starting" in result.stdout
    assert "items" in result.stderr


def test_the_exec_starter_is_executable_with_a_shebang():
    _, program = starters("tool", Language.EXEC, "never", "A tool")
    assert program.executable
    assert program.text.startswith("#!/bin/sh\n")
