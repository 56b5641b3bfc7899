"""Benchmark: how long the dashboard takes to serve the jobs page and a job page with 500 jobs and 50,000 runs.

It deploys the jobs for real and writes the runs' journal entries (start, one watched value, summary) exactly as
the wrapper writes them, then times pages served over HTTP by the real app. It enlarges the volatile journal of
the sandbox it runs in, so give it a sandbox of its own::

    scripts/sandbox.sh up dashbench
    scripts/sandbox.sh exec dashbench .venv/bin/python tests/bench/bench_dashboard.py
    scripts/sandbox.sh reset dashbench

Prints numbers only; there is no pass or fail.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from odin import entries  # noqa: E402
from odin.journal import JournalWriter  # noqa: E402
from odin.records import Kind, format_time  # noqa: E402


def enlarge_journal(megabytes: int) -> None:
    """Give this sandbox's volatile journal room for every entry (its /run is a small tmpfs by default)."""
    subprocess.run(["mount", "-o", f"remount,size={megabytes + 256}m", "/run"], check=True)
    conf = Path("/run/systemd/journald.conf.d/zz-odin-bench.conf")
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text(f"[Journal]\nRuntimeMaxUse={megabytes}M\nRuntimeMaxFileSize=64M\nRuntimeKeepFree=64M\n")
    subprocess.run(["systemctl", "restart", "systemd-journald"], check=True)


def write_jobs(folder: Path, count: int) -> list[str]:
    names = [f"bench-{i:04d}" for i in range(count)]
    (folder / "job.sh").write_text("echo hello\n")
    for i, name in enumerate(names):
        (folder / f"{name}.yml").write_text(
            f'provider:\n  name: "odin"\n  version: "1.0.0"\njob:\n  name: "{name}"\n'
            f'  description: "Benchmark job {i}"\n  language: "sh"\n  file: "job.sh"\n'
            f'  runs: "every day at {i % 24:02d}:{i % 60:02d}"\n')
    return names


def seed_runs(names: list[str], runs: int) -> float:
    """Write ``runs`` finished runs spread over the jobs, oldest first; returns the seconds it took."""
    writer = JournalWriter()
    began = time.perf_counter()
    first = datetime.now(UTC) - timedelta(minutes=runs // len(names) * 60)
    for i in range(runs):
        name = names[i % len(names)]
        run = uuid.uuid4().hex
        start = first + timedelta(minutes=(i // len(names)) * 60, seconds=i % len(names))
        duration = 0.5 + (i * 7919 % 1000) / 100
        end = start + timedelta(seconds=duration)
        success = i % 17 != 0
        writer.send(entries.start_fields(name, run, format_time(start), ["/bin/sh", "job.sh"]))
        writer.send(entries.record_fields(name, run, 0, {"kind": Kind.WATCH, "name": "rows",
                                                         "value": i % 500, "time": start}))
        writer.send(entries.summary_fields(
            name, run, start=format_time(start), end=format_time(end), duration=duration,
            returncode=0 if success else 1, outcome="success" if success else "failure",
            result="done" if success else None, reason=None if success else "exited with code 1",
            records=1, warnings=0))
    writer.close()
    return time.perf_counter() - began


def serve() -> str:
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from dashboard import create_app

    server = make_server("127.0.0.1", 0, create_app(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def fetch(url: str) -> tuple[float, int]:
    began = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        body = response.read()
    return time.perf_counter() - began, len(body)


def time_page(label: str, url: str, repeats: int) -> None:
    cold, size = fetch(url)
    times = sorted(fetch(url)[0] for _ in range(repeats))
    print(f"{label:<34} first {cold * 1000:7.1f} ms   median {statistics.median(times) * 1000:7.1f} ms   "
          f"max {times[-1] * 1000:7.1f} ms   ({size // 1024} KiB, {repeats} requests)")


def time_call(label: str, call, repeats: int = 5) -> None:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    print(f"  {label:<32} median {statistics.median(times) * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--runs", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--no-seed", action="store_true", help="reuse the jobs and runs of a previous run")
    args = parser.parse_args()
    if not os.environ.get("ODIN_SANDBOX_NAME") or not Path("/run/systemd/system").is_dir():
        sys.exit("run this inside a sandbox of its own: scripts/sandbox.sh exec dashbench .venv/bin/python "
                 "tests/bench/bench_dashboard.py")
    from odin.service import default_service

    service = default_service()
    with tempfile.TemporaryDirectory(prefix="odin-bench-") as tmp:
        names = write_jobs(Path(tmp), args.jobs)
        if not args.no_seed:
            enlarge_journal(max(256, args.runs * 3 * 2 // 1000))
            began = time.perf_counter()
            service.deploy([Path(tmp)])
            print(f"deployed {args.jobs} jobs in {time.perf_counter() - began:.1f} s")
            print(f"wrote {args.runs} runs ({3 * args.runs} journal entries) in {seed_runs(names, args.runs):.1f} s")
    usage = subprocess.run(["journalctl", "--disk-usage"], capture_output=True, text=True).stdout.strip()
    print(f"journal: {usage}")

    base = serve()
    job = names[len(names) // 3]
    print(f"\npages ({args.jobs} jobs, {args.runs} runs; target < 300 ms each):")
    time_page("jobs page  /", base + "/", args.repeats)
    time_page(f"job page   /jobs/{job}", f"{base}/jobs/{job}", args.repeats)
    time_page(f"job page 3 /jobs/{job}?page=3", f"{base}/jobs/{job}?page=3", args.repeats)
    time_page("JSON       /api/jobs", base + "/api/jobs", args.repeats)
    time_call("odin list (command, start-up incl.)",
              lambda: subprocess.run([sys.executable, "-m", "odin", "list"], capture_output=True, check=True))

    from dashboard.readers import Readers
    from odin import journal
    from odin.summaries import RunHistory, recent_runs

    readers = Readers()
    kept = RunHistory(readers.sparkline_runs)
    kept.recent(names)
    print("\nwhere the time goes:")
    time_call("service.list_jobs()", service.list_jobs)
    time_call("service.list_jobs(kept history)", lambda: service.list_jobs(history=kept))
    time_call("service.records()", service.records)
    time_call("summaries.recent_runs(all, 1)", lambda: recent_runs(names, 1))
    time_call("summaries.recent_runs(all, 20)", lambda: recent_runs(names, readers.sparkline_runs))
    time_call("kept history.recent(all)", lambda: kept.recent(names))
    time_call("service.describe(job)", lambda: service.describe(job, count=10))
    time_call("journal.runs(job, 26)", lambda: journal.runs(job, 26, records=False))
    time_call("readers.charts(job)", lambda: readers.charts(job))


if __name__ == "__main__":
    main()
