"""Deletes files older than MAX_AGE_DAYS from CACHE_DIR and reports what it freed."""
import os
import time
from pathlib import Path

import odin

cache = Path(os.environ.get("CACHE_DIR", "cache"))
max_age = float(os.environ.get("MAX_AGE_DAYS", "7")) * 86400

if not odin.condition(cache.is_dir(), "cache folder exists"):
    odin.result(f"no cache folder at {cache}")

now = time.time()
deleted = freed = 0
for path in cache.rglob("*"):
    if path.is_file() and now - path.stat().st_mtime > max_age:
        freed += path.stat().st_size
        path.unlink()
        deleted += 1
        print(f"deleted {path}")

odin.watch(deleted, "deleted_files")
odin.watch(freed, "freed_bytes")
odin.watch(sum(1 for p in cache.rglob("*") if p.is_file()), "remaining_files")
odin.result(f"deleted {deleted} files older than {max_age / 86400:g} days, freed {freed} bytes")
