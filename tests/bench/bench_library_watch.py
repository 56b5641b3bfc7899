"""Prints the cost of one watch call in each in-job library, writing to a real pipe that is read and discarded.

    .venv/bin/python tests/bench/bench_library_watch.py [CALLS]

Each program times its own loop, so start-up and (for Go) the build are left out.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from odin.libraries import prepare
from odin.records import FD_ENV

PROGRAMS = {
    "python": ("job.py", "import time, odin\nn = int(__import__('sys').argv[1])\nt = time.perf_counter()\n"
                         "for i in range(n):\n    odin.watch(i, 'i')\nprint(time.perf_counter() - t)\n"),
    "go": ("job.go", 'package main\nimport ("fmt"; "os"; "strconv"; "time"; "odin.local/odin")\n'
                     "func main() {\n\tn, _ := strconv.Atoi(os.Args[1])\n\tt := time.Now()\n"
                     '\tfor i := 0; i < n; i++ {\n\t\todin.Watch(i, "i")\n\t}\n'
                     "\tfmt.Println(time.Since(t).Seconds())\n}\n"),
    "node": ("job.js", "const odin = require('odin');\nconst n = Number(process.argv[2]);\n"
                       "const t = process.hrtime.bigint();\nfor (let i = 0; i < n; i++) odin.watch(i, 'i');\n"
                       "console.log(Number(process.hrtime.bigint() - t) / 1e9);\n"),
    "bash": ("job.sh", '. odin.sh\nt=$(date +%s%N)\ni=0\n'
                       'while [ $i -lt "$1" ]; do odin_watch i $i; i=$((i + 1)); done\n'
                       'echo $(( $(date +%s%N) - t ))e-9\n'),
}
INTERPRETERS = {"python": [sys.executable, "-u"], "go": ["go", "run"], "node": ["node"], "bash": ["bash"],
                "dash": ["dash"]}


def measure(language: str, folder: Path, calls: int) -> float:
    file, source = PROGRAMS["bash" if language == "dash" else language]
    (folder / file).write_text(source)
    program, *flags = INTERPRETERS[language]
    command, env = prepare([shutil.which(program) or program, *flags, str(folder / file), str(calls)],
                           dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2])))
    read_fd, write_fd = os.pipe()
    env[FD_ENV] = str(write_fd)
    drain = threading.Thread(target=lambda: [None for _ in iter(lambda: os.read(read_fd, 1 << 16), b"")])
    drain.start()
    done = subprocess.run(command, cwd=folder, env=env, pass_fds=(write_fd,), capture_output=True, text=True,
                          timeout=600)
    os.close(write_fd)
    drain.join()
    os.close(read_fd)
    if done.returncode != 0:
        raise SystemExit(f"{language}: {done.stderr}")
    return float(done.stdout.split()[-1])


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    print(f"watch() cost per call, {calls} calls to a pipe (shells: {calls // 20})")
    with tempfile.TemporaryDirectory() as tmp:
        for language in INTERPRETERS:
            if shutil.which(INTERPRETERS[language][0]) is None:
                print(f"{language:8} skipped: not installed")
                continue
            n = calls // 20 if language in ("bash", "dash") else calls
            folder = Path(tmp) / language
            folder.mkdir()
            seconds = measure(language, folder, n)
            print(f"{language:8} {seconds / n * 1e6:10.2f} µs")


if __name__ == "__main__":
    main()
