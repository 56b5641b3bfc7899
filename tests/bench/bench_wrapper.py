"""Benchmark: what the wrapper adds to a run, against the same trivial program as a bare unit.

Run inside the sandbox, as root: ``scripts/sandbox.sh exec NAME .venv/bin/python tests/bench/bench_wrapper.py``.
Prints the median wall time of ``systemctl start`` for oneshot units running ``/bin/true`` (or
``BENCH_PROGRAM``) directly and through the wrapper, the CPU time per run and the wrapper's peak RSS.

The wrapper is measured twice: as this checkout installs it (an editable install, whose import hook loads
part of the standard library at every Python start), and from a regular install (a private venv holding a
copy of the package, as ``pip install`` lays it out). With ``ODIN_PUSHGATEWAY_URL`` set it is measured with a
push too, then again around a 0.3 s program, whose run hides the cost of loading the Pushgateway client.
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import uuid
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "40"))
UNIT_DIR = Path("/etc/systemd/system")
PROGRAM = os.environ.get("BENCH_PROGRAM", "/bin/true").split()
ROOT = Path(__file__).resolve().parents[2]


def regular_install(where: Path) -> str:
    """A venv with a copy of the odin package and this venv's dependencies on its path; its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    shutil.copytree(ROOT / "odin", site / "odin", ignore=shutil.ignore_patterns("__pycache__"))
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "compileall", "-q", str(site / "odin")], check=True)
    return str(python)


def unit_text(exec_start: str, job: str, pushgateway: str | None) -> str:
    env = f"Environment=ODIN_PUSHGATEWAY_URL={pushgateway}\n" if pushgateway else ""
    return (f"[Service]\nType=oneshot\nSyslogIdentifier=odin-{job}\nLogExtraFields=ODIN_JOB={job}\n"
            f"Environment=ODIN_LIBRARY_DIR={ROOT / 'library'}\n{env}ExecStart={exec_start}\n")


def wrapper_command(python: str, program: list[str], job: str) -> list[str]:
    return [python, "-m", "odin.wrapper", "--job", job, "--", *program]


def start_ms(unit: str) -> float:
    began = time.perf_counter()
    subprocess.run(["systemctl", "start", unit], check=True)
    return (time.perf_counter() - began) * 1000


HARNESS = """
import resource, statistics, subprocess, sys
rounds, command = int(sys.argv[1]), sys.argv[2:]
cpu = []
for _ in range(rounds):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000)
print(statistics.median(cpu), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def cpu_and_rss(command: list[str], pushgateway: str | None) -> tuple[float, float]:
    """Median CPU milliseconds per run (the program included) and peak RSS in MiB, run in a service."""
    props = ["-p", f"Environment=ODIN_PUSHGATEWAY_URL={pushgateway}"] if pushgateway else []
    out = subprocess.run(["systemd-run", "--quiet", "--wait", "--pipe", "--collect", *props,
                          "-p", f"Environment=ODIN_LIBRARY_DIR={ROOT / 'library'}",
                          sys.executable, "-c", HARNESS, str(ROUNDS), *command],
                         capture_output=True, text=True, check=True)
    cpu, rss = out.stdout.split()[-2:]
    return float(cpu), int(rss) / 1024


def measure(title: str, variants: dict[str, tuple[list[str], str | None]], tag: str) -> None:
    """Print the median wall time and CPU time of each variant, and what the wrapper adds to the first."""
    units = {name: f"odin-bench-{tag}-{i}.service" for i, name in enumerate(variants)}
    try:
        for name, (command, push) in variants.items():
            (UNIT_DIR / units[name]).write_text(unit_text(" ".join(command), f"bench-{tag}", push))
        subprocess.run(["systemctl", "daemon-reload"], check=True)
        times: dict[str, list[float]] = {name: [] for name in variants}
        for name in variants:
            start_ms(units[name])  # warm the page cache
        for _ in range(ROUNDS):  # interleaved, so that load from elsewhere hits every variant alike
            for name in variants:
                times[name].append(start_ms(units[name]))
        bare_name = next(iter(variants))
        bare = statistics.median(times[bare_name])
        print(f"{title}; {ROUNDS} rounds; median wall time of systemctl start:")
        for name, values in times.items():
            added = "" if name == bare_name else f"  (added {statistics.median(values) - bare:.1f} ms)"
            print(f"  {name}: {statistics.median(values):.1f} ms{added}")
        print("  median CPU time per run (user + system, program included) and peak RSS:")
        bare_cpu = cpu_and_rss(*variants[bare_name])[0]
        for name, (command, push) in variants.items():
            cpu, rss = cpu_and_rss(command, push)
            added = "" if name == bare_name else f"  (added {cpu - bare_cpu:.1f} ms), peak RSS {rss:.1f} MiB"
            print(f"    {name}: {cpu:.1f} ms{added}")
    finally:
        for unit in units.values():
            (UNIT_DIR / unit).unlink(missing_ok=True)
        subprocess.run(["systemctl", "daemon-reload"], check=False)
        subprocess.run(["systemctl", "reset-failed"], check=False, capture_output=True)


def main() -> None:
    tag = uuid.uuid4().hex[:8]
    gateway = os.environ.get("ODIN_PUSHGATEWAY_URL")
    scratch = Path(tempfile.mkdtemp(prefix="odin-bench-"))
    try:
        regular = regular_install(scratch / "venv")
        variants = {
            f"bare {' '.join(PROGRAM)}": (PROGRAM, None),
            "wrapper, editable install": (wrapper_command(sys.executable, PROGRAM, f"bench-{tag}-e"), None),
            "wrapper, regular install": (wrapper_command(regular, PROGRAM, f"bench-{tag}-r"), None),
        }
        if gateway:
            variants["wrapper, regular install, with a push"] = (
                wrapper_command(regular, PROGRAM, f"bench-{tag}-p"), gateway)
        measure(f"program {' '.join(PROGRAM)}", variants, tag)
        if gateway:
            # The Pushgateway client loads while the program runs: a job this long hides its cost.
            longer = ["/bin/sleep", "0.3"]
            measure("program /bin/sleep 0.3", {
                "bare /bin/sleep 0.3": (longer, None),
                "wrapper, regular install, with a push": (wrapper_command(regular, longer, f"bench-{tag}-l"), gateway),
            }, tag)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if gateway:
            from odin.pushgateway import delete_job

            for suffix in "pl":
                delete_job(f"bench-{tag}-{suffix}", gateway)


if __name__ == "__main__":
    main()
