"""Benchmark: what the wrapper adds to a run, against the same trivial program as a bare unit.

Run inside the sandbox, as root: ``scripts/sandbox.sh exec NAME .venv/bin/python tests/bench/bench_wrapper.py``.
Prints the median wall time of ``systemctl start`` for a oneshot unit running ``/bin/true`` directly and
through the wrapper (without and with a Pushgateway), and the wrapper's peak RSS.
"""
from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))
UNIT_DIR = Path("/etc/systemd/system")
PROGRAM = ["/bin/true"]


def unit_text(exec_start: str, job: str, pushgateway: str | None) -> str:
    env = f"Environment=ODIN_PUSHGATEWAY_URL={pushgateway}\n" if pushgateway else ""
    return (f"[Service]\nType=oneshot\nSyslogIdentifier=odin-{job}\nLogExtraFields=ODIN_JOB={job}\n"
            f"{env}ExecStart={exec_start}\n")


def wrapper_command(job: str) -> str:
    return " ".join([sys.executable, "-m", "odin.wrapper", "--job", job, "--", *PROGRAM])


def start_times(unit: str) -> list[float]:
    times = []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        subprocess.run(["systemctl", "start", unit], check=True)
        times.append((time.perf_counter() - began) * 1000)
    return times


def peak_rss_kib(job: str, pushgateway: str | None) -> int:
    harness = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:]); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    props = ["-p", f"Environment=ODIN_PUSHGATEWAY_URL={pushgateway}"] if pushgateway else []
    out = subprocess.run(["systemd-run", "--quiet", "--wait", "--pipe", "--collect", *props,
                          f"--working-directory={os.getcwd()}", sys.executable, "-c", harness,
                          *wrapper_command(job).split()], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1])


def main() -> None:
    tag = uuid.uuid4().hex[:8]
    gateway = os.environ.get("ODIN_PUSHGATEWAY_URL")
    units = {
        "bare": unit_text(" ".join(PROGRAM), f"bench-{tag}", None),
        "wrapped": unit_text(wrapper_command(f"bench-{tag}"), f"bench-{tag}", None),
    }
    if gateway:
        units["wrapped+push"] = unit_text(wrapper_command(f"bench-{tag}-push"), f"bench-{tag}-push", gateway)
    paths = {name: UNIT_DIR / f"odin-bench-{name.replace('+', '-')}-{tag}.service" for name in units}
    try:
        for name, text in units.items():
            paths[name].write_text(text)
        subprocess.run(["systemctl", "daemon-reload"], check=True)
        medians = {}
        for name in units:
            start_times(paths[name].name)  # warm the page cache and systemd
            medians[name] = statistics.median(start_times(paths[name].name))
        print(f"rounds per unit: {ROUNDS}")
        for name, value in medians.items():
            print(f"median systemctl start, {name}: {value:.1f} ms")
        print(f"median added by the wrapper: {medians['wrapped'] - medians['bare']:.1f} ms")
        if "wrapped+push" in medians:
            print(f"median added by the wrapper with a Pushgateway push: "
                  f"{medians['wrapped+push'] - medians['bare']:.1f} ms")
        print(f"peak RSS of the wrapper: {peak_rss_kib(f'bench-{tag}', None) / 1024:.1f} MiB")
        if gateway:
            print(f"peak RSS of the wrapper with a push: {peak_rss_kib(f'bench-{tag}-push', gateway) / 1024:.1f} MiB")
    finally:
        for path in paths.values():
            path.unlink(missing_ok=True)
        subprocess.run(["systemctl", "daemon-reload"], check=False)
        subprocess.run(["systemctl", "reset-failed"], check=False, capture_output=True)
        if gateway:
            from odin.pushgateway import delete_job

            for job in (f"bench-{tag}", f"bench-{tag}-push"):
                delete_job(job, gateway)


if __name__ == "__main__":
    main()
