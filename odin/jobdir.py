"""Job directories: which files a job brings along, how they are compared, and the record Odin keeps there.

A deployed job's directory ``<jobs_dir>/<name>/`` holds a copy of its job file's whole folder (helper modules,
data, the other job files beside it), the job file again as ``odin_job.yml``, and ``.odin/``: the job file as
deployed (``job.yml``) and ``state.json``, what Odin knows that the job file does not say (its links, the user
it runs as).
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from odin.errors import JobFileError, OdinError
from odin.jobfile import JobSpec

META_DIR = ".odin"
STATE_FILE = "state.json"
JOB_FILE = "job.yml"
#: Where the in-job libraries look for the job file by default (``odin.config()``), beside the program.
LIBRARY_JOB_FILE = "odin_job.yml"
#: A job's folder is copied whole only when it is that small; a bigger one is almost surely a mistake.
MAX_FILES = 2000
SKIPPED_DIRS = {META_DIR, ".git", "__pycache__", ".venv", "node_modules"}


@dataclass(frozen=True, slots=True)
class JobRecord:
    """What Odin keeps about a deployed job besides its job file (``.odin/state.json``)."""

    name: str
    source: str
    user: str | None
    group: str | None = None
    on_success: tuple[str, ...] = ()
    on_failure: tuple[str, ...] = ()
    #: The job file's ``runs`` and ``description``, kept here so that listing jobs needs no YAML parsing.
    runs: str = ""
    description: str = ""

    def to_json(self) -> str:
        data = {"v": 1, "name": self.name, "source": self.source, "user": self.user, "group": self.group,
                "on_success": list(self.on_success), "on_failure": list(self.on_failure), "runs": self.runs,
                "description": self.description}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> JobRecord:
        data = json.loads(text)
        return cls(data["name"], data["source"], data.get("user"), data.get("group"),
                   tuple(data.get("on_success", ())), tuple(data.get("on_failure", ())), data.get("runs", ""),
                   data.get("description", ""))

    @property
    def links(self) -> tuple[str, ...]:
        return self.on_success + self.on_failure


class DamagedJob(OdinError):
    """A job directory whose record (or deployed job file) cannot be read: it can only be removed or redeployed."""

    def __init__(self, name: str, path: str, reason: str):
        super().__init__(f"job '{name}' is damaged: {path} {reason}",
                         hint=f"remove it with 'odin remove {name}', or deploy its job file again over it "
                              "with 'odin deploy -f FILE'")
        self.name = name


def parse_record(data: bytes, path: str) -> JobRecord:
    """The record in ``data``, the bytes of the file ``path`` (``<jobs_dir>/<name>/.odin/state.json``).

    :raises DamagedJob: when they are not a record.
    """
    name = os.path.basename(os.path.dirname(os.path.dirname(path)))
    try:
        record = JobRecord.from_json(data.decode())
    except UnicodeDecodeError:
        raise DamagedJob(name, path, "is not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise DamagedJob(name, path, f"is not valid JSON ({err.msg} at line {err.lineno} column {err.colno})") \
            from None
    except (KeyError, TypeError, AttributeError):
        raise DamagedJob(name, path, "does not hold a job's record (an object with 'name' and 'source')") from None
    if not isinstance(record.name, str) or not isinstance(record.source, str):
        raise DamagedJob(name, path, "does not hold a job's record (an object with 'name' and 'source')")
    return record


def read_record(path: str) -> JobRecord:
    """The record stored in the file ``path`` (see :func:`parse_record`).

    :raises FileNotFoundError: (or ``NotADirectoryError``) when there is none.
    :raises DamagedJob: when it is not a record.
    """
    with open(path, "rb") as handle:
        data = handle.read()  # no pathlib, no text layer: half the time for 500 jobs
    return parse_record(data, path)


def job_files(paths: Iterable[Path]) -> list[Path]:
    """The job files named by ``paths``: files as given, directories searched for ``*.yml`` and ``*.yaml``;
    a file named twice (directly or inside a directory also given) counts once.

    :raises JobFileError: when a path does not exist or a directory holds no job file.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in walk(path) if p.suffix in (".yml", ".yaml"))
            if not inside:
                raise JobFileError(f"{path}: no job files (*.yml) in this directory")
            found += inside
        elif path.is_file():
            found.append(path)
        else:
            raise JobFileError(f"{path}: no such file or directory")
    unique: dict[Path, Path] = {}
    for file in found:
        unique.setdefault(file.resolve(), file)
    return list(unique.values())


def copy_list(spec: JobSpec) -> dict[str, Path]:
    """The files copied into a job's directory, by relative path.

    The job file's folder is copied whole, subfolders too (but not those in :data:`SKIPPED_DIRS`), so that the
    modules a program imports and the data it reads come along, even when several job files share the folder.
    The job file is also copied as ``odin_job.yml``, where ``odin.config()`` finds it.

    :raises JobFileError: when the folder holds more than :data:`MAX_FILES` files, too many to be one job's.
    """
    folder = Path(spec.folder)
    job_file = Path(spec.source)
    files = {}
    for path in walk(folder):
        files[path.relative_to(folder).as_posix()] = path
        if len(files) > MAX_FILES:
            raise spec.error("file", f"the job's folder {folder} holds more than {MAX_FILES} files",
                             "give the job a folder of its own")
    return files | {LIBRARY_JOB_FILE: job_file}


def walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            yield Path(root, name)


def same_files(files: dict[str, Path], job_dir: Path) -> bool:
    """Whether ``job_dir`` already holds exactly these files, byte for byte and mode for mode."""
    if not job_dir.is_dir():
        return False
    present = {p.relative_to(job_dir).as_posix() for p in walk(job_dir)}
    if present != set(files):
        return False
    for relative, source in files.items():
        target = job_dir / relative
        a, b = source.stat(), target.stat()
        if a.st_size != b.st_size or (a.st_mode & 0o7777) != (b.st_mode & 0o7777):
            return False
        if source.read_bytes() != target.read_bytes():
            return False
    return True


def stage(root: Path, name: str, files: dict[str, Path], meta: dict[str, str]) -> Path:
    """Copy ``files`` (relative path -> source) and the ``.odin/`` files ``meta`` into a fresh directory
    beside the job directories in ``root``; return it. Its name cannot clash with a job's (``~`` is not
    allowed in names)."""
    root.mkdir(parents=True, exist_ok=True)
    staged = root / f".new~{name}~{uuid.uuid4().hex[:8]}"
    try:
        staged.mkdir(mode=0o755)
        for relative, source in sorted(files.items()):
            target = staged / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        (staged / META_DIR).mkdir()
        for filename, text in meta.items():
            (staged / META_DIR / filename).write_text(text, encoding="utf-8")
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged
