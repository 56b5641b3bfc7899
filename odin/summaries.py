"""Each job's recent runs, read from the journal's run summary entries straight through libsystemd (sd-journal).

``journalctl -o json`` formats every field of every entry it prints, and matching on hundreds of job names makes
it slower still; here only summary entries are visited (one field match), newest first, and only the fields
needed are read: ``odin list`` gets the last run of 500 jobs for about what one run costs to print. libsystemd
comes with systemd; it is loaded with ctypes, so nothing is compiled or installed.

:class:`RunHistory` keeps what it has read, and a later call reads only the summaries written since: the
dashboard keeps one, so the sparklines of every job cost a full read once, not on every page. This module sits
beside :mod:`odin.journal` rather than in it because the wrapper imports that one and must start quickly.
``ODIN_JOURNAL_DIR``, when set, names the journal directory to read, as for :mod:`odin.journal`.
"""
from __future__ import annotations

import ctypes
import functools
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from odin.errors import JournalError
from odin.runs import RunRecord, run_from_summary

_LOCAL_ONLY = 1  # SD_JOURNAL_LOCAL_ONLY
_SUMMARY = "ODIN_KIND=summary"
_JOB, _DURATION = b"ODIN_JOB", b"ODIN_DURATION"
#: What a summary entry says about its run besides its duration: read only for a job's newest run.
RUN_FIELDS = ("ODIN_RUN", "ODIN_START", "ODIN_END", "ODIN_EXIT_CODE", "ODIN_SIGNAL", "ODIN_OUTCOME",
              "ODIN_RESULT", "ODIN_REASON")
_c_p = ctypes.c_void_p


@functools.cache
def _lib() -> ctypes.CDLL:
    try:
        lib = ctypes.CDLL("libsystemd.so.0")
    except OSError:
        from ctypes.util import find_library  # runs ldconfig: only when the usual name is not found

        try:
            lib = ctypes.CDLL(find_library("systemd") or "libsystemd.so")
        except OSError as err:
            raise JournalError(f"cannot load libsystemd to read the journal: {err}") from None
    ptr, size, text = ctypes.POINTER(_c_p), ctypes.POINTER(ctypes.c_size_t), ctypes.c_char_p
    signatures = {
        "sd_journal_open": [ptr, ctypes.c_int],
        "sd_journal_open_directory": [ptr, text, ctypes.c_int],
        "sd_journal_close": [_c_p],
        "sd_journal_add_match": [_c_p, text, ctypes.c_size_t],
        "sd_journal_flush_matches": [_c_p],
        "sd_journal_seek_head": [_c_p],
        "sd_journal_seek_tail": [_c_p],
        "sd_journal_seek_cursor": [_c_p, text],
        "sd_journal_test_cursor": [_c_p, text],
        "sd_journal_get_cursor": [_c_p, ptr],
        "sd_journal_previous": [_c_p],
        "sd_journal_next": [_c_p],
        "sd_journal_get_data": [_c_p, text, ptr, size],
        "sd_journal_get_realtime_usec": [_c_p, ctypes.POINTER(ctypes.c_uint64)],
    }
    for function, argtypes in signatures.items():
        getattr(lib, function).argtypes = argtypes
        getattr(lib, function).restype = ctypes.c_int if function != "sd_journal_close" else None
    return lib


@functools.cache
def _free() -> Callable[[ctypes.c_void_p], None]:
    free = ctypes.CDLL(None).free
    free.argtypes, free.restype = [_c_p], None
    return free


class _Journal:
    """An open journal, with a reusable buffer for reading one field of the current entry at a time."""

    def __init__(self, lib: ctypes.CDLL, handle: ctypes.c_void_p):
        self.lib, self.handle = lib, handle
        self.data, self.size = _c_p(), ctypes.c_size_t()
        self.data_ref, self.size_ref = ctypes.byref(self.data), ctypes.byref(self.size)

    def match(self, *pairs: str) -> None:
        self.lib.sd_journal_flush_matches(self.handle)
        for pair in pairs:
            raw = pair.encode()
            _check(self.lib.sd_journal_add_match(self.handle, raw, len(raw)), "add a match")

    def seek(self, cursor: str | None) -> None:
        """Go to the entry at ``cursor``, or past the newest one; the next step makes that entry current."""
        if cursor is None:
            _check(self.lib.sd_journal_seek_tail(self.handle), "seek to the end")
        else:
            _check(self.lib.sd_journal_seek_cursor(self.handle, cursor.encode()), "seek to a cursor")

    def seek_head(self) -> None:
        _check(self.lib.sd_journal_seek_head(self.handle), "seek to the start")

    def previous(self) -> bool:
        return _check(self.lib.sd_journal_previous(self.handle), "step back") > 0

    def next(self) -> bool:
        return _check(self.lib.sd_journal_next(self.handle), "step forward") > 0

    def payload(self, name: bytes) -> bytes | None:
        """The current entry's ``NAME=value`` for field ``name``, or ``None`` when it has none."""
        if self.lib.sd_journal_get_data(self.handle, name, self.data_ref, self.size_ref) < 0:
            return None
        return ctypes.string_at(self.data.value, self.size.value)

    def field(self, name: str) -> str | None:
        """The current entry's value of field ``name`` as text, or ``None``."""
        raw = self.payload(name.encode())
        return None if raw is None else raw[len(name) + 1:].decode("utf-8", "backslashreplace")

    def realtime(self) -> int:
        """When journald received the current entry, in µs since the epoch."""
        usec = ctypes.c_uint64()
        _check(self.lib.sd_journal_get_realtime_usec(self.handle, ctypes.byref(usec)), "read a timestamp")
        return usec.value

    def cursor(self) -> str:
        """The current entry's cursor."""
        text = _c_p()
        _check(self.lib.sd_journal_get_cursor(self.handle, ctypes.byref(text)), "read a cursor")
        try:
            return ctypes.string_at(text.value).decode()
        finally:
            _free()(text)

    def at(self, cursor: str) -> bool:
        """Whether the current entry is the one at ``cursor``."""
        return _check(self.lib.sd_journal_test_cursor(self.handle, cursor.encode()), "test a cursor") > 0


def _check(code: int, what: str) -> int:
    if code < 0:
        raise JournalError(f"cannot {what} in the journal: {os.strerror(-code)}")
    return code


@contextmanager
def open_journal(directory: str | None = None) -> Iterator[_Journal]:
    """The local journal, or the one in ``directory``, open for reading until the block ends.

    :raises JournalError: when libsystemd is missing or the journal cannot be opened.
    """
    lib = _lib()
    handle = _c_p()
    if directory:
        code = lib.sd_journal_open_directory(ctypes.byref(handle), directory.encode(), 0)
    else:
        code = lib.sd_journal_open(ctypes.byref(handle), _LOCAL_ONLY)
    _check(code, "open")
    try:
        yield _Journal(lib, handle)
    finally:
        lib.sd_journal_close(handle)


@dataclass(frozen=True, slots=True)
class RecentRuns:
    """A job's recent finished runs: their durations, oldest first, and the newest run (records not read)."""

    durations: tuple[float, ...] = ()
    last: RunRecord | None = None


class _Runs:
    """One job's runs as read so far: durations newest first, and the newest run."""

    __slots__ = ("durations", "last", "view")

    def __init__(self, per_job: int) -> None:
        self.durations: deque[float] = deque(maxlen=per_job)
        self.last: RunRecord | None = None
        self.view: RecentRuns | None = None

    def full(self) -> bool:
        return len(self.durations) == self.durations.maxlen

    def older(self, job: str, journal: _Journal, duration: bytes | None) -> None:
        """Add the current entry, older than all read so far."""
        if self.last is None:
            self.last = _run(job, journal, duration)
        value = _duration(duration)
        if value is not None:
            self.durations.append(value)

    def newer(self, job: str, journal: _Journal, duration: bytes | None) -> None:
        """Add the current entry, newer than all read so far."""
        self.last = _run(job, journal, duration)
        value = _duration(duration)
        if value is not None:
            self.durations.appendleft(value)
        self.view = None

    def recent(self) -> RecentRuns:
        if self.view is None:
            self.view = RecentRuns(tuple(reversed(self.durations)), self.last)
        return self.view


def _run(job: str, journal: _Journal, duration: bytes | None) -> RunRecord:
    entry = {"__REALTIME_TIMESTAMP": str(journal.realtime())}
    if duration is not None:
        entry["ODIN_DURATION"] = duration[len(_DURATION) + 1:].decode("utf-8", "backslashreplace")
    for name in RUN_FIELDS:
        value = journal.field(name)
        if value is not None:
            entry[name] = value
    return run_from_summary(job, entry)


def _duration(payload: bytes | None) -> float | None:
    try:
        return float(payload[len(_DURATION) + 1:]) if payload is not None else None
    except ValueError:
        return None


class RunHistory:
    """Each job's last ``per_job`` finished runs, kept between calls; safe to share between threads.

    The first call for a job walks the summaries backwards; every call first reads the summaries written since
    the newest one it has seen. When that one is gone from the journal (rotated away), it starts over.

    :param per_job: how many durations to keep per job (at least 1).
    :param directory: the journal directory to read; by default ``ODIN_JOURNAL_DIR``, else the local journal
        (which ``""`` names whatever the environment says).
    :param scan_factor: how far the shared backwards walk goes for jobs that run rarely, in multiples of
        what ``per_job`` runs of every job need; those still short after it are then read one by one.
    """

    def __init__(self, per_job: int = 20, directory: str | None = None, scan_factor: int = 3):
        self.per_job = max(per_job, 1)
        self.directory = directory if directory is not None else os.environ.get("ODIN_JOURNAL_DIR") or None
        self.scan_factor = scan_factor
        self._jobs: dict[bytes, _Runs] = {}  # by the raw field, b"ODIN_JOB=<name>"
        self._newest: str | None = None  # the cursor of the newest summary read
        self._lock = threading.Lock()

    def recent(self, jobs: Iterable[str]) -> dict[str, RecentRuns]:
        """The recent runs of each of ``jobs``; empty for a job that has none.

        :raises JournalError: when the journal cannot be read.
        """
        names = list(dict.fromkeys(jobs))
        keys = [b"ODIN_JOB=" + name.encode() for name in names]
        with self._lock, open_journal(self.directory) as journal:
            journal.match(_SUMMARY)
            if self._jobs and not self._catch_up(journal):
                self._jobs, self._newest = {}, None
            if not self._jobs:
                self._newest = self._tail_cursor(journal)
            new = [key for key in dict.fromkeys(keys) if key not in self._jobs]
            if new:
                self._read_back(journal, new)
            return {name: self._jobs[key].recent() for name, key in zip(names, keys)}

    @staticmethod
    def _tail_cursor(journal: _Journal) -> str | None:
        journal.seek(None)
        return journal.cursor() if journal.previous() else None

    def _catch_up(self, journal: _Journal) -> bool:
        """Read the summaries written after the newest one read; false when that one is gone."""
        if self._newest is None:
            journal.seek_head()
        else:
            journal.seek(self._newest)
            if not journal.next() or not journal.at(self._newest):
                return False
        jobs, get, moved = self._jobs, journal.payload, False
        while journal.next():
            moved = True
            key = get(_JOB)
            runs = jobs.get(key) if key is not None else None
            if runs is not None:
                runs.newer(_name(key), journal, get(_DURATION))
        if moved:
            self._newest = journal.cursor()  # a step past the end leaves the last entry current
        return True

    def _read_back(self, journal: _Journal, keys: list[bytes]) -> None:
        """Read the runs of jobs not yet known, walking back from the newest summary read."""
        wanted = {key: _Runs(self.per_job) for key in keys}
        if self._newest is not None:
            if not self._walk_back(journal, wanted):
                for key, runs in wanted.items():
                    if not runs.full():
                        wanted[key] = self._one_job(journal, key)
        journal.match(_SUMMARY)
        self._jobs.update(wanted)

    def _walk_back(self, journal: _Journal, wanted: dict[bytes, _Runs]) -> bool:
        """One backward pass over all summaries; false when it stopped at its budget with jobs still short."""
        assert self._newest is not None
        journal.seek(self._newest)
        missing, budget = len(wanted), self.scan_factor * self.per_job * len(wanted)
        step, get = journal.lib.sd_journal_previous, journal.payload
        handle = journal.handle
        seen = 0
        while missing:
            code = step(handle)
            if code <= 0:
                _check(code, "step back")
                return True
            if seen >= budget:
                return False
            seen += 1
            key = get(_JOB)
            runs = wanted.get(key) if key is not None else None
            if runs is None or runs.full():
                continue
            runs.older(_name(key), journal, get(_DURATION))
            missing -= runs.full()
        return True

    def _one_job(self, journal: _Journal, key: bytes) -> _Runs:
        """A job's runs through a match on its name: for a job that runs more rarely than the others."""
        name = _name(key)
        journal.match(f"ODIN_JOB={name}", _SUMMARY)
        journal.seek(self._newest)
        runs = _Runs(self.per_job)
        while not runs.full() and journal.previous():
            runs.older(name, journal, journal.payload(_DURATION))
        return runs


def _name(key: bytes | None) -> str:
    return (key or b"")[len(_JOB) + 1:].decode("utf-8", "backslashreplace")


def recent_runs(jobs: Iterable[str], per_job: int = 20, directory: str | None = None,
                scan_factor: int = 3) -> dict[str, RecentRuns]:
    """Each job's last ``per_job`` finished runs (their durations) and its newest run, read once.

    :raises JournalError: when the journal cannot be read.
    """
    return RunHistory(per_job, directory, scan_factor).recent(jobs)
