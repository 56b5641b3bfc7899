"""Benchmark: deploying 500 jobs from one directory, ``odin list`` with 500 jobs, deploying one more among them.

Everything goes through the ``odin`` command line, as a user would run it, against the real systemd of the
sandbox it runs in; give it a sandbox of its own::

    scripts/sandbox.sh up bench
    scripts/sandbox.sh exec bench .venv/bin/python tests/bench/bench_deploy.py
    scripts/sandbox.sh reset bench

Prints numbers only; there is no pass or fail.
"""
from __future__ import annotations

import argparse
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from odin.settings import load_settings  # noqa: E402
from odin.systemd import Systemd, timer_stamp  # noqa: E402


def write_jobs(folder: Path, prefix: str, count: int) -> list[str]:
    """``count`` jobs in ``folder``, each in a folder of its own (a shared folder is copied whole into each job),
    each with its own daily time."""
    names = []
    for i in range(count):
        name = f"{prefix}-{i:03d}"
        hour, minute = divmod(i * 7 % 1440, 60)
        (folder / name).mkdir()
        (folder / name / "job.sh").write_text("echo benchmark job\n")
        (folder / name / f"{name}.yml").write_text(
            f'job:\n  name: "{name}"\n  description: "Benchmark job {i}"\n  language: "sh"\n'
            f'  file: "job.sh"\n  runs: "every day at {hour:02d}:{minute:02d}"\n')
        names.append(name)
    return names


def timed(*args: str) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "odin", *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"odin {' '.join(args)} failed: {done.stderr}")
    return elapsed


def cleanup(names: list[str]) -> None:
    """Remove the benchmark's jobs in one go (``odin remove`` would reload once per job)."""
    settings, systemd = load_settings(), Systemd()
    timers = [f"odin-{n}.timer" for n in names if (settings.unit_dir / f"odin-{n}.timer").exists()]
    systemd.disable_now(*timers)
    for name in names:
        for kind in ("service", "timer"):
            (settings.unit_dir / f"odin-{name}.{kind}").unlink(missing_ok=True)
        timer_stamp(f"odin-{name}.timer").unlink(missing_ok=True)
        shutil.rmtree(settings.jobs_dir / name, ignore_errors=True)
    systemd.reload()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    prefix = f"b-{secrets.token_hex(3)}"
    names: list[str] = []
    with tempfile.TemporaryDirectory(prefix="odin-bench-") as tmp:
        folder = Path(tmp, "jobs")
        folder.mkdir()
        names = write_jobs(folder, prefix, args.jobs)
        try:
            total = timed("deploy", "-f", str(folder))
            print(f"deploy {args.jobs} jobs from one directory: {total:.2f} s total, "
                  f"{total / args.jobs * 1000:.1f} ms per job")
            again = timed("deploy", "-f", str(folder))
            print(f"redeploy the same {args.jobs} jobs, unchanged: {again:.2f} s")
            lists = [timed("list") for _ in range(args.repeat)]
            print(f"odin list with {args.jobs} jobs: median {statistics.median(lists):.3f} s "
                  f"(min {min(lists):.3f}, max {max(lists):.3f}, {args.repeat} runs)")
            extra = Path(tmp, "extra")
            extra.mkdir()
            one = write_jobs(extra, f"{prefix}-x", 1)
            names += one
            first = timed("deploy", "-f", str(extra / one[0] / f"{one[0]}.yml"))
            print(f"deploy one new job with {args.jobs} others installed: {first:.3f} s")
            same = timed("deploy", "-f", str(extra / one[0] / f"{one[0]}.yml"))
            print(f"redeploy that job unchanged: {same:.3f} s")
            modify = timed("modify", one[0], "--runs", "every day at 05:55")
            print(f"modify that job's schedule: {modify:.3f} s")
            status = [timed("status", one[0]) for _ in range(args.repeat)]
            print(f"odin status of one job: median {statistics.median(status):.3f} s")
            bare = [timed("version") for _ in range(args.repeat)]
            print(f"(odin version, the command line's own start-up: median {statistics.median(bare):.3f} s)")
        finally:
            cleanup(names)


if __name__ == "__main__":
    main()
