"""Runs one job under systemd: ``python -m odin.wrapper --job NAME -- PROGRAM [ARGS...]``.

It is the ``ExecStart=`` of every job's service. It runs the program and exits with its exit code.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="odin.wrapper")
    parser.add_argument("--job", required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    env = dict(os.environ, ODIN_JOB=args.job, PYTHONUNBUFFERED="1")
    return subprocess.call(command, env=env)


if __name__ == "__main__":
    sys.exit(main())
