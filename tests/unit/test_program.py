"""Starting the job's program: finding it, what it inherits, and its return code."""
from __future__ import annotations

import os
import signal

import pytest

from odin.program import Program, find_executable


def test_a_name_is_looked_up_on_the_programs_own_path(tmp_path):
    tool = tmp_path / "tool"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    (tmp_path / "plain").write_text("")
    assert find_executable("tool", {"PATH": f"/nonexistent:{tmp_path}"}) == str(tool)
    assert find_executable("./anything", {"PATH": ""}) == "./anything"
    with pytest.raises(FileNotFoundError, match="No such file or directory: 'plain'"):
        find_executable("plain", {"PATH": str(tmp_path)})


def test_the_program_gets_the_passed_fd_and_default_signal_dispositions(tmp_path):
    read_fd, write_fd = os.pipe()
    out = tmp_path / "out"
    script = (f"ls /proc/self/fd > {out}; grep SigIgn /proc/self/status >> {out}; "
              f"echo through > /proc/self/fd/{write_fd}")
    program = Program.start(["/bin/sh", "-c", script], {"PATH": os.defpath}, write_fd)
    os.close(write_fd)
    assert program.wait() == 0 and program.returncode == 0
    with os.fdopen(read_fd) as pipe:
        assert pipe.read() == "through\n"
    fds, ignored = out.read_text().split("SigIgn:")
    assert str(write_fd) in fds.split()
    ignored_mask = int(ignored.strip(), 16)
    assert not ignored_mask & (1 << (signal.SIGPIPE - 1))


def test_the_return_code_is_the_exit_code_or_minus_the_signal():
    read_fd, write_fd = os.pipe()
    os.close(read_fd)
    exited = Program.start(["/bin/sh", "-c", "exit 7"], {}, write_fd)
    assert exited.wait() == 7
    killed = Program.start(["/bin/sh", "-c", "sleep 30"], {}, write_fd)
    assert killed.poll() is None
    killed.send_signal(signal.SIGKILL)
    assert killed.wait() == -signal.SIGKILL
    killed.send_signal(signal.SIGTERM)  # already reaped: nothing happens
    os.close(write_fd)


def test_a_missing_program_cannot_start():
    with pytest.raises(FileNotFoundError):
        Program.start(["/nonexistent/program"], {}, 1)
