"""The journal adapter: writes structured entries to journald and reads runs back by field matches.

Writing uses journald's native protocol (a datagram of ``KEY=value`` fields on
``/run/systemd/journal/socket``; large entries go in a sealed memfd), so the wrapper needs no library.
Reading runs ``journalctl -o json`` with field matches, never a scan of the whole journal::

    from odin import journal
    run = journal.last_run("docker_prune")          # RunRecord | None, with its records
    for run in journal.runs("docker_prune", 10): ...
    run = journal.run("docker_prune", "3f2a", output=True)

``ODIN_JOURNAL_DIR``, when set, points ``journalctl -D`` at a journal directory (a sandbox's, from outside).
The last runs of many jobs at once (``odin list``, the jobs page) come from :mod:`odin.summaries`, which reads
the summary entries through libsystemd, far quicker than ``journalctl`` can print them.
"""
from __future__ import annotations

import _socket  # not socket: its enum types cost the wrapper more to build than all its writing
import json
import os
from collections.abc import Iterator, Mapping

TYPE_CHECKING = False  # the wrapper imports this module: typing and dataclasses stay out of its start-up
if TYPE_CHECKING:
    from odin.runs import RunRecord

SOCKET_PATH = "/run/systemd/journal/socket"
OUTPUT_FIELDS = ("MESSAGE", "PRIORITY", "_TRANSPORT", "_SYSTEMD_INVOCATION_ID", "INVOCATION_ID",
                 "MESSAGE_ID", "UNIT_RESULT", "ODIN_JOB", "ODIN_RUN", "ODIN_KIND", "ODIN_NAME", "ODIN_VALUE",
                 "ODIN_TIME", "ODIN_SEQ", "ODIN_SUCCESS", "ODIN_COUNT", "ODIN_BATCH", "ODIN_START",
                 "ODIN_END", "ODIN_DURATION", "ODIN_EXIT_CODE", "ODIN_SIGNAL", "ODIN_OUTCOME", "ODIN_RESULT",
                 "ODIN_REASON", "ODIN_COMMAND", "ODIN_LINE")


def encode_native(fields: Mapping[str, str | bytes]) -> bytes:
    """One entry in journald's native format: ``KEY=value\\n``, or ``KEY\\n<u64 le length><value>\\n``
    for values with a newline."""
    parts = []
    for key, value in fields.items():
        data = value.encode() if isinstance(value, str) else value
        if b"\n" in data:
            parts.append(key.encode() + b"\n" + len(data).to_bytes(8, "little") + data + b"\n")
        else:
            parts.append(key.encode() + b"=" + data + b"\n")
    return b"".join(parts)


class JournalWriter:
    """Sends entries to journald; creating it does no I/O.

    :param path: the native socket (journald's own by default).
    """

    def __init__(self, path: str = SOCKET_PATH):
        self.path = path
        self._socket: _socket.socket | None = None

    def send(self, fields: Mapping[str, str | bytes]) -> None:
        """Write one entry.

        :raises JournalError: when journald cannot be reached.
        """
        data = encode_native(fields)
        try:
            if self._socket is None:
                self._socket = _socket.socket(_socket.AF_UNIX, _socket.SOCK_DGRAM | _socket.SOCK_CLOEXEC)
            try:
                self._socket.sendto(data, self.path)
            except OSError as err:
                if err.errno not in (90, 105):  # EMSGSIZE, ENOBUFS: too big for a datagram
                    raise
                self._send_memfd(data)
        except OSError as err:
            from odin.errors import JournalError

            raise JournalError(f"cannot write to the journal at {self.path}: {err.strerror}") from None

    def _send_memfd(self, data: bytes) -> None:
        import array
        import fcntl

        fd = os.memfd_create("odin-journal", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        try:
            os.write(fd, data)
            fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW
                        | fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL)
            assert self._socket is not None
            self._socket.sendmsg([], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, array.array("i", [fd]))],
                                 0, self.path)
        finally:
            os.close(fd)

    def close(self) -> None:
        """Close the socket, if one was opened."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None


def decode_value(value: object) -> str:
    """A field value from ``journalctl -o json`` as text: byte arrays (non-UTF-8 or unprintable data) are
    decoded with ``\\xNN`` escapes for invalid bytes; a repeated field gives its first value."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(b, int) for b in value):
        return bytes(value).decode("utf-8", "backslashreplace")
    if isinstance(value, list) and value:
        return decode_value(value[0])
    return "" if value is None else str(value)


def decode_entry(line: str | bytes) -> dict[str, str]:
    """One ``journalctl -o json`` line as a mapping of text values."""
    return {key: decode_value(value) for key, value in json.loads(line).items()}


def _command(matches: list[str], *, limit: int | str | None = None, reverse: bool = False,
             follow: bool = False, after_cursor: str | None = None) -> list[str]:
    command = ["journalctl", "-q", "--all", "--no-pager", "-o", "json", f"--output-fields={','.join(OUTPUT_FIELDS)}"]
    directory = os.environ.get("ODIN_JOURNAL_DIR")
    if directory:
        command.append(f"--directory={directory}")
    if limit is not None:
        command.append(f"--lines={limit}")
    if reverse:
        command.append("--reverse")
    if follow:
        command.append("--follow")
    if after_cursor:
        command.append(f"--after-cursor={after_cursor}")
    return command + matches


def read_entries(matches: list[str], *, limit: int | None = None, reverse: bool = False) -> list[dict[str, str]]:
    """The entries matching ``matches`` (``FIELD=value`` words; ``+`` between groups means or).

    :param limit: at most this many, the newest.
    :param reverse: newest first.
    :raises JournalError: when ``journalctl`` is missing or fails.
    """
    import subprocess

    from odin.errors import JournalError

    try:
        done = subprocess.run(_command(matches, limit=limit, reverse=reverse), capture_output=True)
    except OSError as err:
        raise JournalError(f"cannot run journalctl: {err.strerror}") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise JournalError(f"journalctl failed: {message or f'exit code {done.returncode}'}")
    return [decode_entry(line) for line in done.stdout.splitlines() if line.strip()]


def follow_entries(matches: list[str], after_cursor: str | None = None,
                   from_start: bool = False) -> Iterator[dict[str, str]]:
    """Entries matching ``matches`` as they are written, until the caller stops iterating.

    :param after_cursor: start after this entry.
    :param from_start: start with every matching entry already written; by default, from now on.

    :raises JournalError: when ``journalctl`` cannot be started.
    """
    import subprocess

    from odin.errors import JournalError

    limit = "all" if from_start and not after_cursor else (None if after_cursor else 0)
    command = _command(matches, follow=True, after_cursor=after_cursor, limit=limit)
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE)
    except OSError as err:
        raise JournalError(f"cannot run journalctl: {err.strerror}") from None
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if line.strip():
                yield decode_entry(line)
    finally:
        process.terminate()
        process.wait()
        process.stdout.close()


def runs(job: str, limit: int = 10, *, records: bool = True) -> list[RunRecord]:
    """The job's last ``limit`` runs, newest first, with their records (no output lines).

    :raises JournalError: when the journal cannot be read.
    """
    from odin.runs import MESSAGE_UNIT_FAILURE, MESSAGE_UNIT_SUCCESS, build_runs

    heads = read_entries([f"ODIN_JOB={job}", "ODIN_KIND=start", "ODIN_KIND=summary"],
                         limit=2 * limit, reverse=True)
    ids = list(dict.fromkeys(e["ODIN_RUN"] for e in heads if e.get("ODIN_RUN")))[:limit]
    if not ids:
        return []
    entries = [e for e in heads if e.get("ODIN_RUN") in ids]
    if records:
        entries += read_entries([f"ODIN_RUN={i}" for i in ids]
                                + ["ODIN_KIND=watch", "ODIN_KIND=condition", "ODIN_KIND=result", "ODIN_KIND=warning"])
    finished = {e["ODIN_RUN"] for e in entries if e.get("ODIN_KIND") == "summary"}
    unfinished = [i for i in ids if i not in finished]
    if unfinished:
        entries += read_entries([f"INVOCATION_ID={i}" for i in unfinished]
                                + [f"MESSAGE_ID={MESSAGE_UNIT_SUCCESS}", f"MESSAGE_ID={MESSAGE_UNIT_FAILURE}"])
    return build_runs(job, entries)[:limit]


def last_run(job: str) -> RunRecord | None:
    """The job's most recent run with its records, or ``None`` when it never ran.

    :raises JournalError: when the journal cannot be read.
    """
    found = runs(job, 1)
    return found[0] if found else None


def run(job: str, run_id: str, *, output: bool = True) -> RunRecord | None:
    """One run of the job, with its records and (by default) its output lines, or ``None``.

    :param run_id: the run's ID (the systemd invocation ID) or a unique prefix of one of the last 200 runs.
    :raises JournalError: when the journal cannot be read, or ``run_id`` is an ambiguous prefix.
    """
    from odin.errors import JournalError
    from odin.runs import build_runs

    if len(run_id) < 32:
        candidates = [r.run for r in runs(job, 200, records=False) if r.run.startswith(run_id)]
        if len(candidates) > 1:
            raise JournalError(f"run ID '{run_id}' is ambiguous: it starts {len(candidates)} runs of '{job}'")
        if not candidates:
            return None
        run_id = candidates[0]
    matches = [f"ODIN_RUN={run_id}"]
    if output:
        matches += ["+", f"_SYSTEMD_INVOCATION_ID={run_id}", "+", f"INVOCATION_ID={run_id}"]
    found = build_runs(job, read_entries(matches))
    return found[0] if found else None
