"""Benchmark: the in-job library's costs, and 100,000 watches through the real wrapper.

``python tests/bench/bench_watch.py`` prints the cost of ``import odin`` over a bare interpreter, of the first
record (the library's lazy imports), and of one ``odin.watch`` call on the record pipe, named and unnamed.
Run inside the sandbox as root, it also runs a job making 100,000 watch calls under systemd and prints how many
values reached the journal and in how many entries (the wrapper batches; it never samples).
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CALLS = 100_000
ENV = {k: v for k, v in os.environ.items() if k not in ("ODIN_RECORD_FD", "PYTHONPATH")} | {"PYTHONPATH": str(ROOT)}


def median_ms(code: str, python: str, rounds: int = 40) -> float:
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        subprocess.run([python, "-c", code], env=ENV, check=True, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def import_costs(python: str) -> None:
    bare = median_ms("pass", python)
    imported = median_ms("import odin", python)
    first = median_ms("import odin; odin.watch(1, 'x')", python)
    print(f"{python}: bare start {bare:.1f} ms; import odin +{imported - bare:.1f} ms; "
          f"first record +{first - imported:.1f} ms more")


PER_CALL = """
import os, subprocess, sys, time
read_fd, write_fd = os.pipe()
drain = subprocess.Popen(["cat"], stdin=read_fd, stdout=subprocess.DEVNULL)
os.close(read_fd)
os.environ["ODIN_RECORD_FD"] = str(write_fd)
import odin
value = 41.5
odin.watch(value)
odin.watch(value, "named")
for label, call in (("named", lambda: odin.watch(value, "named")), ("unnamed", lambda: odin.watch(value))):
    best = []
    for _ in range(5):
        began = time.perf_counter()
        for _ in range({calls}):
            call()
        best.append((time.perf_counter() - began) / {calls} * 1e6)
    print(label, min(best), sorted(best)[2])
os.close(write_fd)
drain.wait()
"""


def per_call_costs() -> None:
    out = subprocess.run([sys.executable, "-c", PER_CALL.format(calls=CALLS)], env=ENV, capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        label, best, median = line.split()
        print(f"odin.watch per call on the record pipe, {label}: best {float(best):.2f} µs, "
              f"median of 5 × {CALLS:,} calls {float(median):.2f} µs")


def hundred_thousand_under_systemd() -> None:
    name = f"bench-{uuid.uuid4().hex[:8]}"
    unit = Path(f"/etc/systemd/system/odin-{name}.service")
    with tempfile.TemporaryDirectory() as directory:
        Path(directory, "job.py").write_text(textwrap.dedent(f"""
            import odin
            for i in range({CALLS}):
                odin.watch(i)
        """))
        os.chmod(directory, 0o755)
        unit.write_text(f"[Service]\nType=oneshot\nWorkingDirectory={directory}\nLogExtraFields=ODIN_JOB={name}\n"
                        f"ExecStart={sys.executable} -m odin.wrapper --job {name} -- /usr/bin/python3 -u job.py\n")
        try:
            subprocess.run(["systemctl", "daemon-reload"], check=True)
            began = time.perf_counter()
            subprocess.run(["systemctl", "start", unit.name], check=True)
            elapsed = time.perf_counter() - began
            summary = wait_for_summary(name)
            entries = journal(f"ODIN_RUN={summary['ODIN_RUN']}", "ODIN_KIND=watch")
            kept = sum(len(json.loads(e["ODIN_BATCH"])) if "ODIN_BATCH" in e else 1 for e in entries)
            print(f"{CALLS:,} watch calls under systemd: run {elapsed:.2f} s (job's own time "
                  f"{float(summary['ODIN_DURATION']):.2f} s), {kept:,} values kept in {len(entries)} journal entries "
                  f"(largest batch {max(int(e.get('ODIN_COUNT', 1)) for e in entries):,})")
        finally:
            unit.unlink(missing_ok=True)
            subprocess.run(["systemctl", "daemon-reload"], check=False)


def journal(*matches: str) -> list[dict[str, str]]:
    out = subprocess.run(["journalctl", "-q", "--all", "-o", "json", *matches], capture_output=True, text=True,
                         check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def wait_for_summary(name: str) -> dict[str, str]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = journal(f"ODIN_JOB={name}", "ODIN_KIND=summary")
        if found:
            return found[0]
        time.sleep(0.05)
    raise SystemExit("no summary entry")


def main() -> None:
    for python in (sys.executable, "/usr/bin/python3"):
        import_costs(python)
    per_call_costs()
    if os.geteuid() == 0 and os.path.isdir("/run/systemd/system"):
        hundred_thousand_under_systemd()
    else:
        print("(not inside a systemd sandbox as root: skipped the 100,000 watches under systemd)")


if __name__ == "__main__":
    main()
