"""Fast reads of run summary entries straight from the journal files, through libsystemd's sd-journal API.

The jobs page needs the recent durations and the last run of every job at once. ``journalctl -o json`` formats every field of every
entry and takes about 40 µs an entry, so 50,000 runs cost two seconds; here only the summary entries are visited
(a field match), newest first, and only the two fields needed are read, so a page costs what it shows.
libsystemd comes with systemd itself; it is loaded with ctypes, so nothing is compiled or installed.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from odin.errors import JournalError

_LOCAL_ONLY = 1  # SD_JOURNAL_LOCAL_ONLY
_c_p = ctypes.c_void_p


@functools.cache
def _lib() -> ctypes.CDLL:
    name = ctypes.util.find_library("systemd") or "libsystemd.so.0"
    try:
        lib = ctypes.CDLL(name)
    except OSError as err:
        raise JournalError(f"cannot load libsystemd to read the journal: {err}") from None
    ptr, size = ctypes.POINTER(_c_p), ctypes.POINTER(ctypes.c_size_t)
    signatures = {
        "sd_journal_open": [ptr, ctypes.c_int],
        "sd_journal_open_directory": [ptr, ctypes.c_char_p, ctypes.c_int],
        "sd_journal_close": [_c_p],
        "sd_journal_add_match": [_c_p, ctypes.c_char_p, ctypes.c_size_t],
        "sd_journal_flush_matches": [_c_p],
        "sd_journal_seek_tail": [_c_p],
        "sd_journal_previous": [_c_p],
        "sd_journal_get_data": [_c_p, ctypes.c_char_p, ptr, size],
        "sd_journal_query_unique": [_c_p, ctypes.c_char_p],
        "sd_journal_enumerate_unique": [_c_p, ptr, size],
        "sd_journal_restart_unique": [_c_p],
    }
    for function, argtypes in signatures.items():
        getattr(lib, function).argtypes = argtypes
        getattr(lib, function).restype = ctypes.c_int if function != "sd_journal_close" else None
    return lib


class _Journal:
    """An open journal with a reusable buffer for reading one field at a time."""

    def __init__(self, lib: ctypes.CDLL, handle: ctypes.c_void_p):
        self.lib, self.handle = lib, handle
        self._data, self._size = _c_p(), ctypes.c_size_t()
        self._data_ref, self._size_ref = ctypes.byref(self._data), ctypes.byref(self._size)
        self._get = lib.sd_journal_get_data

    def match(self, *pairs: str) -> None:
        self.lib.sd_journal_flush_matches(self.handle)
        for pair in pairs:
            raw = pair.encode()
            self._check(self.lib.sd_journal_add_match(self.handle, raw, len(raw)), "add a match")

    def newest_first(self) -> Iterator[None]:
        """Step backwards from the newest matching entry; each step makes that entry current."""
        self._check(self.lib.sd_journal_seek_tail(self.handle), "seek to the end")
        while self._check(self.lib.sd_journal_previous(self.handle), "step back") > 0:
            yield None

    def field(self, name: bytes) -> str | None:
        """The current entry's value of field ``name``, or ``None`` when it has none."""
        if self._get(self.handle, name, self._data_ref, self._size_ref) < 0:
            return None
        skip = len(name) + 1
        return ctypes.string_at(self._data.value + skip, self._size.value - skip).decode("utf-8", "replace")

    def unique(self, name: str) -> list[str]:
        """Every value field ``name`` has anywhere in the journal."""
        self._check(self.lib.sd_journal_query_unique(self.handle, name.encode()), f"list {name} values")
        self.lib.sd_journal_restart_unique(self.handle)
        out, skip = [], len(name) + 1
        while self.lib.sd_journal_enumerate_unique(self.handle, ctypes.byref(self._data),
                                                   ctypes.byref(self._size)) > 0:
            out.append(ctypes.string_at(self._data, self._size.value)[skip:].decode("utf-8", "replace"))
        return out

    @staticmethod
    def _check(code: int, what: str) -> int:
        if code < 0:
            import os

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
    _Journal._check(code, "open")
    try:
        yield _Journal(lib, handle)
    finally:
        lib.sd_journal_close(handle)


@dataclass(frozen=True, slots=True)
class RecentRuns:
    """A job's recent finished runs as the jobs page needs them: durations oldest first, and the newest run."""

    durations: tuple[float, ...] = ()
    last_start: datetime | None = None
    last_outcome: str | None = None


class _Collector:
    """Gathers one job's runs while the journal is walked newest first."""

    __slots__ = ("durations", "last_start", "last_outcome")

    def __init__(self) -> None:
        self.durations: list[float] = []
        self.last_start: datetime | None = None
        self.last_outcome: str | None = None

    def add(self, journal: _Journal) -> None:
        if not self.durations and self.last_outcome is None:
            self.last_start = _time(journal.field(b"ODIN_START"))
            self.last_outcome = journal.field(b"ODIN_OUTCOME")
        duration = _duration(journal.field(b"ODIN_DURATION"))
        if duration is not None:
            self.durations.append(duration)

    def done(self) -> RecentRuns:
        return RecentRuns(tuple(reversed(self.durations)), self.last_start, self.last_outcome)


def _duration(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def _time(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def recent_runs(jobs: Iterable[str], per_job: int = 20, directory: str | None = None,
                scan_factor: int = 3) -> dict[str, RecentRuns]:
    """Each job's last ``per_job`` finished runs (their durations) and its newest run's start and outcome.

    One backwards pass over all summary entries fills every job that runs about as often as the others; it stops
    once each job is full or after ``scan_factor`` times the entries that would need. A job that runs more rarely
    is then read on its own, through a match on its name.

    :param jobs: the job names wanted.
    :param per_job: how many runs per job.
    :param directory: read the journal in this directory instead of the local one.
    :raises JournalError: when the journal cannot be read.
    """
    wanted = {name: _Collector() for name in jobs}
    if not wanted or per_job <= 0:
        return {name: RecentRuns() for name in wanted}
    missing, budget, cut_short = len(wanted), scan_factor * per_job * len(wanted), False
    with open_journal(directory) as journal:
        journal.match("ODIN_KIND=summary")
        for seen, _ in enumerate(journal.newest_first()):
            if not missing:
                break
            if seen >= budget:
                cut_short = True
                break
            found = wanted.get(journal.field(b"ODIN_JOB") or "")
            if found is None or len(found.durations) >= per_job:
                continue
            found.add(journal)
            missing -= len(found.durations) == per_job
        if cut_short:
            for name, found in wanted.items():
                if len(found.durations) < per_job:
                    wanted[name] = _one_job(journal, name, per_job)
    return {name: found.done() for name, found in wanted.items()}


def _one_job(journal: _Journal, name: str, per_job: int) -> _Collector:
    journal.match(f"ODIN_JOB={name}", "ODIN_KIND=summary")
    found = _Collector()
    for _ in journal.newest_first():
        found.add(journal)
        if len(found.durations) >= per_job:
            break
    return found
