"""The job's program as a child process: started with ``posix_spawn``, its exit watched through a pidfd.

The wrapper uses this instead of :mod:`subprocess`, whose import alone costs more than everything else the
wrapper does around a short job.
"""
from __future__ import annotations

import errno
import os
import signal
from collections.abc import Mapping

# Python ignores these at start-up; a program must begin with the defaults, as subprocess ensures.
RESET_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ)


def find_executable(name: str, env: Mapping[str, str]) -> str:
    """The path that runs ``name``: itself when it holds a ``/``, else the first match on the program's
    ``PATH``.

    :raises FileNotFoundError: when no such program is on the path.
    """
    if "/" in name:
        return name
    for directory in os.get_exec_path(env):
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), name)


class Program:
    """A started program: its pid, a pidfd that becomes readable when it exits, and its return code.

    ``returncode`` follows :mod:`subprocess`: the exit code, or minus the signal that killed it.
    """

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None
        try:
            self.exit_fd: int | None = os.pidfd_open(pid)
        except OSError:
            self.exit_fd = None  # a kernel older than 5.3: the caller polls instead

    @classmethod
    def start(cls, command: list[str], env: Mapping[str, str], pass_fd: int) -> Program:
        """Start ``command`` with ``env``; of the caller's descriptors it inherits 0, 1, 2 and ``pass_fd``.

        :raises OSError: when the program cannot be run (missing, not executable).
        """
        path = find_executable(command[0], env)
        os.set_inheritable(pass_fd, True)
        return cls(os.posix_spawn(path, command, env, setsigdef=RESET_SIGNALS))

    def send_signal(self, signum: int) -> None:
        """Pass ``signum`` on, unless the program has already been reaped."""
        if self.returncode is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass

    def poll(self) -> int | None:
        """The return code once the program has exited, else ``None``; never blocks."""
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self._reaped(status)
        return self.returncode

    def wait(self) -> int:
        """Wait for the program to exit and return its return code."""
        if self.returncode is None:
            _, status = os.waitpid(self.pid, 0)
            self._reaped(status)
        assert self.returncode is not None
        return self.returncode

    def _reaped(self, status: int) -> None:
        self.returncode = os.waitstatus_to_exitcode(status)
        if self.exit_fd is not None:
            os.close(self.exit_fd)
            self.exit_fd = None
