"""The live view's event stream: ``journalctl -f`` on one job's entries, turned into Server-Sent Events.

The ``journalctl`` process lives exactly as long as the response: it is killed when the browser goes away (the
next write fails, and a heartbeat is written every few seconds so that this is noticed) or the stream ends.
"""
from __future__ import annotations

import json
import logging
import os
import select
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
KINDS = frozenset({"output", "start", "watch", "condition", "result", "warning", "summary"})
_FIELDS = "MESSAGE,ODIN_JOB,ODIN_RUN,ODIN_KIND,ODIN_NAME,ODIN_VALUE,_SYSTEMD_INVOCATION_ID,PRIORITY"


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """One line of the live view: job output or a record, with its time in microseconds since the epoch."""

    kind: str
    time_us: int
    run: str | None
    text: str
    name: str | None = None
    value: str | None = None
    cursor: str | None = None

    def to_sse(self) -> str:
        """This event as one Server-Sent Events message; its id is the journal cursor, to resume after it."""
        payload = {"kind": self.kind, "time_us": self.time_us, "run": self.run, "text": self.text,
                   "name": self.name, "value": self.value}
        head = f"id: {self.cursor}\n" if self.cursor else ""
        return f"{head}event: line\ndata: {json.dumps(payload)}\n\n"


def journal_command(job: str, *, since_us: int | None, journal_dir: str | None,
                    after_cursor: str | None = None) -> list[str]:
    """The ``journalctl`` command that follows ``job``'s entries: after a cursor, from a time, or from now on.

    :param job: the job name (matched on ``ODIN_JOB``, which every entry of the job carries).
    :param since_us: start with the entries from this time (microseconds since the epoch).
    :param journal_dir: read this journal directory instead of the system journal.
    :param after_cursor: start right after this entry (a reconnecting browser's last event); wins over ``since_us``.
    """
    cmd = ["journalctl", "--follow", "--output=json", f"--output-fields={_FIELDS}", "--no-pager", "--quiet"]
    if journal_dir:
        cmd.append(f"--directory={journal_dir}")
    if after_cursor:
        cmd += ["--lines=all", f"--after-cursor={after_cursor}"]
    elif since_us is None:
        cmd.append("--lines=0")
    else:
        cmd += ["--lines=all", f"--since=@{since_us / 1e6:.6f}"]
    return cmd + [f"ODIN_JOB={job}"]


def _text(value: object) -> str:
    if isinstance(value, list):  # journalctl writes binary or non-UTF-8 fields as byte arrays
        return bytes(v for v in value if isinstance(v, int)).decode("utf-8", "replace")
    return "" if value is None else str(value)


def parse_entry(line: bytes) -> LiveEvent | None:
    """One ``journalctl -o json`` line as a live event, or ``None`` when it is not one of the job's lines."""
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    kind = _text(entry.get("ODIN_KIND")) or "output"
    if kind not in KINDS:
        kind = "note"
    run = _text(entry.get("ODIN_RUN") or entry.get("_SYSTEMD_INVOCATION_ID")) or None
    return LiveEvent(kind=kind, time_us=int(entry.get("__REALTIME_TIMESTAMP", 0)), run=run,
                     text=_text(entry.get("MESSAGE")),
                     name=_text(entry.get("ODIN_NAME")) or None,
                     value=_text(entry.get("ODIN_VALUE")) if "ODIN_VALUE" in entry else None,
                     cursor=_text(entry.get("__CURSOR")) or None)


def follow(job: str, *, since_us: int | None = None, journal_dir: str | None = None,
           after_cursor: str | None = None, heartbeat: float = HEARTBEAT_SECONDS) -> Iterator[str]:
    """Server-Sent Events for ``job``'s journal entries as they arrive, until the consumer stops iterating.

    :param job: the job to follow.
    :param since_us: replay the entries since this time first (the start of the running run).
    :param journal_dir: read this journal directory instead of the system journal.
    :param after_cursor: resume right after this journal cursor (the ``Last-Event-ID`` of a reconnect).
    :param heartbeat: seconds between keep-alive comments, which is how a closed connection is noticed.
    """
    proc = subprocess.Popen(journal_command(job, since_us=since_us, journal_dir=journal_dir,
                                            after_cursor=after_cursor),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    assert proc.stdout is not None
    try:
        yield "retry: 2000\n: following\n\n"
        buffered = b""
        fd = proc.stdout.fileno()
        while True:
            ready, _, _ = select.select([fd], [], [], heartbeat)
            if not ready:
                yield ": heartbeat\n\n"
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                return  # journalctl ended
            buffered += chunk
            *lines, buffered = buffered.split(b"\n")
            for line in lines:
                event = parse_entry(line)
                if event is not None:
                    yield event.to_sse()
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        logger.debug("stopped following %s", job)

