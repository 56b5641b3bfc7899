"""Prints how fast schedules compile, how fast next runs come, and how fast ``odin schedule`` starts.

Run: ``.venv/bin/python tests/bench/bench_schedule.py``. Targets: compiling < 1 ms once the grammar is
loaded; ``odin schedule`` cold start < 300 ms. Nothing here asserts: it prints numbers.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone

SCHEDULES = [
    "every day at 17:30",
    "every Wednesday at 17:00",
    "every 1st at 12:00 and every 15th at 12:00 and every Friday at 17:00",
    "every Monday, Wednesday and Friday at 09:00 and 17:00",
    "every 2nd Tuesday at 10:00 in Europe/Dublin",
    "every 15 minutes from 09:00 to 17:00 on weekdays in America/New_York",
    "every last day at 23:00",
    "every 90 minutes",
]


def best_of(runs: int, fn) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    start = time.perf_counter()
    from odin.grammar import compile_schedule, parser
    parser()
    print(f"grammar load (import + build LALR tables): {(time.perf_counter() - start) * 1000:.1f} ms")

    from odin.calendar import next_runs
    from odin.explain import schedule_warnings

    base = datetime(2025, 1, 1, tzinfo=timezone.utc)
    print(f"{'schedule':72} compile   next 5   warnings")
    for text in SCHEDULES:
        compiled = compile_schedule(text, timezone="UTC")
        compile_ms = best_of(200, lambda: compile_schedule(text, timezone="UTC")) * 1000
        runs_ms = best_of(50, lambda: next_runs(compiled, base, 5)) * 1000
        warn_ms = best_of(5, lambda: schedule_warnings(compiled, base)) * 1000
        print(f"{text[:72]:72} {compile_ms:6.3f} ms {runs_ms:6.2f} ms {warn_ms:7.1f} ms")

    argv = [sys.executable, "-m", "odin", "schedule", "every weekday at 08:00", "--tz", "UTC", "--count", "5"]
    import resource

    cold, cpu = [], []
    for _ in range(7):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        cold.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    print(f"odin schedule cold start (python -m odin, median of 7): {statistics.median(cold) * 1000:.0f} ms wall "
          f"(min {min(cold) * 1000:.0f} ms), {statistics.median(cpu) * 1000:.0f} ms CPU")
    bare = []
    for _ in range(7):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append(time.perf_counter() - start)
    print(f"python interpreter alone: {statistics.median(bare) * 1000:.0f} ms")
    probe = ("import time; t = time.perf_counter(); import odin.cli, odin.grammar, odin.calendar, odin.explain; "
             "odin.grammar.parser(); print(f'{(time.perf_counter() - t) * 1000:.0f}')")
    imports = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    print(f"imports of the schedule path (cli, grammar, calendar, explain + LALR build): {imports.strip()} ms")


if __name__ == "__main__":
    main()
