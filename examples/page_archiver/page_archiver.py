"""Fetches PAGE_URL and saves a copy named by the time of the run into ARCHIVE_DIR."""
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

import odin

url = os.environ.get("PAGE_URL", "http://127.0.0.1:8642/")
archive = Path(os.environ.get("ARCHIVE_DIR", "archive"))
archive.mkdir(parents=True, exist_ok=True)

try:
    with urllib.request.urlopen(url, timeout=10) as response:
        status, body = response.status, response.read()
except (urllib.error.URLError, OSError) as err:
    odin.condition(False, f"{url} answers")
    odin.result(f"could not fetch {url}: {err}")

odin.watch(status, "http_status")
odin.watch(len(body), "page_bytes")
if odin.condition(status == 200 and len(body) > 0, "page fetched"):
    target = archive / time.strftime("page-%Y%m%dT%H%M%S.html")
    target.write_bytes(body)
    odin.result(f"saved {len(body)} bytes to {target}")
odin.result(f"{url} answered {status}")
