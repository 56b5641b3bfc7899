"""Job files: YAML text to a validated, frozen :class:`JobSpec`.

A job file looks like::

    provider:
      name: "odin"
      version: "1.0.0"
    job:
      name: "docker_prune"
      description: "Prunes dangling images and volumes."
      language: "python3"
      file: "docker_prune.py"
      runs: "everyday at 17:30"

The YAML is composed, not loaded, so every node keeps its line and column: an unknown key, a wrong type or a
bad schedule is reported as ``job.yml:7:9: ...`` with a caret under the value. Nothing is defaulted silently.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from odin.errors import InputError, JobFileError, Position, ScheduleError, closest

if TYPE_CHECKING:
    from odin.grammar import CompiledSchedule

#: A job name; it never starts with "-" (it would read as an option) or "." (a hidden directory).
NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
USER_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?|[0-9]{1,10}")
ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Characters that would end a unit-file line or confuse systemd's parser; a tab is harmless.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_DURATION_RE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*")
_DURATION_UNITS = {
    "ms": 1_000, "msec": 1_000,
    "s": 1_000_000, "sec": 1_000_000, "second": 1_000_000, "seconds": 1_000_000,
    "m": 60_000_000, "min": 60_000_000, "minute": 60_000_000, "minutes": 60_000_000,
    "h": 3_600_000_000, "hr": 3_600_000_000, "hour": 3_600_000_000, "hours": 3_600_000_000,
    "d": 86_400_000_000, "day": 86_400_000_000, "days": 86_400_000_000,
}

# libyaml's composer is about 15 times faster and keeps the same marks; PyYAML's own is the fallback.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"


class Language(StrEnum):
    """How a job's file is run."""

    PYTHON3 = "python3"
    PYTHON = "python"
    NODE = "node"
    GO = "go"
    BASH = "bash"
    SH = "sh"
    EXEC = "exec"


@dataclass(frozen=True, slots=True, order=True)
class Duration:
    """A span of time, kept in microseconds as systemd does."""

    microseconds: int

    @property
    def seconds(self) -> float:
        return self.microseconds / 1_000_000

    def __str__(self) -> str:
        """The span in systemd's syntax: ``600s`` or ``1500ms``."""
        if self.microseconds % 1_000_000 == 0:
            return f"{self.microseconds // 1_000_000}s"
        if self.microseconds % 1_000 == 0:
            return f"{self.microseconds // 1_000}ms"
        return f"{self.microseconds}us"


@dataclass(frozen=True, slots=True)
class Retries:
    """Retry a failed run ``count`` times, ``delay`` apart."""

    count: int
    delay: Duration


@dataclass(frozen=True, slots=True)
class JobSpec:
    """Everything a job file says, validated. ``file`` and ``env_file`` are relative to ``folder``."""

    name: str
    description: str
    language: Language
    file: str
    schedule: CompiledSchedule
    source: str
    folder: str
    timezone: str | None = None
    user: str | None = None
    group: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    env_file: str | None = None
    args: tuple[str, ...] = ()
    timeout: Duration | None = None
    retries: Retries | None = None
    catch_up: bool = True
    jitter: Duration | None = None
    accuracy: Duration = Duration(1_000_000)
    provider_version: str | None = None
    #: Where each key's value is in the file, so that later checks (a missing interpreter) can point at it.
    positions: dict[str, Position] = field(default_factory=dict, compare=False, repr=False)

    def error(self, key: str, message: str, hint: str | None = None) -> JobFileError:
        """A :class:`JobFileError` about ``key``, placed at its value in the job file."""
        return JobFileError(message, self.positions.get(key), hint)


RETRY_DELAY = Duration(30_000_000)

_JOB_KEYS = ("name", "description", "language", "file", "runs", "timezone", "user", "group", "env",
             "env_file", "args", "timeout", "retries", "catch_up", "jitter", "accuracy")
_REQUIRED = ("name", "language", "file", "runs")


def check_name(name: str, position: Position | None = None) -> str:
    """Return ``name`` when it is a valid job name.

    :raises InputError: unless it matches ``[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}``.
    """
    if not NAME_RE.fullmatch(name):
        raise InputError(f"bad job name {name!r}: use 1 to 64 letters, digits, '_', '.' or '-', starting with "
                         "a letter, digit or '_'", position)
    return name


def check_line(label: str, value: str) -> str:
    """Return ``value`` when a job file could hold it: not blank, no line break or control character.

    :raises InputError: naming ``label`` (an option such as ``--description``) otherwise.
    """
    if _CONTROL_RE.search(value):
        raise InputError(f"{label} contains a line break or control character", hint="give it on one line")
    if not value.strip():
        raise InputError(f"{label} is empty")
    return value


def parse_duration(text: str) -> Duration:
    """``10m``, ``1h30m``, ``90s``, ``500ms`` or a bare number of seconds, as a :class:`Duration`.

    :raises ValueError: naming what is wrong.
    """
    if not text.strip():
        raise ValueError("empty duration")
    total, pos = 0.0, 0
    while pos < len(text):
        match = _DURATION_RE.match(text, pos)
        if not match or match.end() == pos:
            raise ValueError(f"cannot read duration {text!r}")
        number, unit = match.groups()
        if unit not in _DURATION_UNITS and not (unit == "" and pos == 0 and match.end() == len(text)):
            raise ValueError(f"unknown unit {unit!r} in duration {text!r}; use ms, s, min, h or d"
                             if unit else f"a unit is missing in duration {text!r}")
        total += float(number) * _DURATION_UNITS.get(unit, 1_000_000)
        pos = match.end()
    return Duration(round(total))


def parse_job(text: str, *, source: str, path: str | None = None) -> JobSpec:
    """Parse a job file's text into a :class:`JobSpec`.

    :param text: the YAML.
    :param source: the name used in error messages (the path as the user gave it).
    :param path: the file's absolute path; ``source`` when not given.
    :raises JobFileError: on malformed YAML, an unknown or missing key, or a bad value.
    :raises ScheduleError: when ``runs`` does not compile.
    """
    return _Reader(text, source).job(path or source)


def load_job(path: Path) -> JobSpec:
    """Read and parse the job file at ``path`` and check that its files exist inside its folder.

    :raises JobFileError: when the file cannot be read or is invalid, or ``file``/``env_file`` is missing or
        leaves the job's folder (through ``..`` or a symbolic link).
    :raises ScheduleError: when ``runs`` does not compile.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise JobFileError(f"cannot read job file {path}: {getattr(err, 'strerror', None) or err}") from None
    spec = parse_job(text, source=str(path), path=str(path.resolve()))
    folder = Path(spec.folder)
    _check_inside(spec, "file", folder)
    if spec.env_file and not posixpath.isabs(spec.env_file):
        _check_inside(spec, "env_file", folder)
    elif spec.env_file and not Path(spec.env_file).is_file():
        raise spec.error("env_file", f"env_file {spec.env_file} does not exist")
    return spec


def _check_inside(spec: JobSpec, key: str, folder: Path) -> None:
    relative = getattr(spec, key)
    target = (folder / relative).resolve()
    if not target.is_relative_to(folder):
        raise spec.error(key, f"{key} {relative!r} leads outside the job's folder {folder}")
    if not target.is_file():
        raise spec.error(key, f"{key} {relative!r} does not exist in {folder}")


class _Reader:
    """Walks the composed YAML of one job file, turning nodes into values or positioned errors."""

    def __init__(self, text: str, source: str):
        self.text = text
        self.source = source

    def position(self, node: yaml.Node) -> Position:
        start, end = node.start_mark, node.end_mark
        width = end.column - start.column if end.line == start.line else 1
        return Position(self.source, start.line + 1, start.column + 1, self.text, max(1, width))

    def error(self, node: yaml.Node, message: str, hint: str | None = None) -> JobFileError:
        return JobFileError(message, self.position(node), hint)

    def compose(self) -> yaml.Node:
        try:
            root = yaml.compose(self.text, Loader=_LOADER)
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            position = None
            if mark is not None:
                position = Position(self.source, mark.line + 1, mark.column + 1, self.text)
            if mark is not None and self.text[mark.index:mark.index + 1] == "\t":
                raise JobFileError("tabs are not allowed for indentation in YAML; use spaces", position) from None
            raise JobFileError(f"not valid YAML: {err.problem or err.context}", position) from None
        except yaml.YAMLError as err:
            raise JobFileError(f"{self.source}: not valid YAML: {err}") from None
        if root is None:
            raise JobFileError(f"{self.source}: the job file is empty")
        return root

    def mapping(self, node: yaml.Node, what: str,
                known: tuple[str, ...]) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, f"{what} must be a mapping of keys to values")
        found: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                raise self.error(key_node, f"{what} has a key that is not a word")
            if key in found:
                raise self.error(key_node, f"key '{key}' appears twice in {what}")
            if known and key not in known:
                suggestion = closest(key, list(known))
                hint = f"did you mean '{suggestion}'?" if suggestion else f"known keys: {', '.join(known)}"
                raise self.error(key_node, f"unknown key '{key}' in {what}", hint)
            found[key] = (key_node, value_node)
        return found

    def scalar(self, key: str, node: yaml.Node) -> str:
        """A scalar as written (``8080`` stays ``"8080"``), without characters that break a unit file."""
        if not isinstance(node, yaml.ScalarNode):
            kind = "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
            raise self.error(node, f"'{key}' must be a single value, not {kind}")
        if node.tag == _NULL:
            raise self.error(node, f"'{key}' has no value")
        if node.tag not in (_STR, _INT, _BOOL, "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp"):
            raise self.error(node, f"'{key}' has an unsupported type ({node.tag})")
        value = node.value
        if node.style in ("|", ">") and value.endswith("\n"):
            value = value[:-1]  # a block scalar ends with its last line's break
        if _CONTROL_RE.search(value):
            raise self.error(node, f"'{key}' contains a line break or control character")
        return value

    def arg(self, number: int, node: yaml.Node) -> str:
        """One item of ``args``: numbers and booleans as written (``2.5``, ``true``)."""
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
            raise self.error(node, f"args item {number} has no value", 'write "" for an empty argument')
        return self.scalar("args", node)

    def text_value(self, key: str, node: yaml.Node) -> str:
        value = self.scalar(key, node)
        if not value.strip():
            raise self.error(node, f"'{key}' is empty")
        return value

    def boolean(self, key: str, node: yaml.Node) -> bool:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _BOOL:
            raise self.error(node, f"'{key}' must be true or false")
        return node.value.lower() in ("true", "yes", "on", "y")

    def duration(self, key: str, node: yaml.Node) -> Duration:
        text = self.scalar(key, node)
        try:
            duration = parse_duration(text)
        except ValueError as err:
            raise self.error(node, f"'{key}': {err}") from None
        if duration.microseconds <= 0:
            raise self.error(node, f"'{key}' must be longer than zero")
        return duration

    def relative_path(self, key: str, node: yaml.Node, allow_absolute: bool = False) -> str:
        value = self.text_value(key, node)
        if posixpath.isabs(value):
            if allow_absolute:
                return posixpath.normpath(value)
            raise self.error(node, f"'{key}' must be a path inside the job's folder, not an absolute path")
        normal = posixpath.normpath(value)
        if normal in (".", "..") or normal.startswith("../"):
            raise self.error(node, f"'{key}' {value!r} must name a file inside the job's folder")
        return normal

    def job(self, path: str) -> JobSpec:
        top = self.mapping(self.compose(), "the job file", ("provider", "job"))
        if "job" not in top:
            raise JobFileError(f"{self.source}: the job file has no 'job:' section")
        provider_version = self.provider(top["provider"][1]) if "provider" in top else None
        job_key, job_node = top["job"]
        entries = self.mapping(job_node, "job", _JOB_KEYS)
        for key in _REQUIRED:
            if key not in entries:
                raise self.error(job_key, f"job has no '{key}' key")
        positions = {key: self.position(value) for key, (_, value) in entries.items()}
        value = {key: node for key, (_, node) in entries.items()}

        try:
            name = check_name(self.text_value("name", value["name"]), positions["name"])
            timezone = self.timezone(value["timezone"]) if "timezone" in value else None
            values = dict(
                name=name,
                description=self.text_value("description", value["description"])
                if "description" in value else f"Odin job {name}",
                language=self.language(value["language"]),
                file=self.relative_path("file", value["file"]),
                schedule=self.schedule(value["runs"], timezone, value.get("timezone")),
                source=path,
                folder=posixpath.dirname(path) or ".",
                timezone=timezone,
                provider_version=provider_version,
                positions=positions,
            )
            values.update(self.options(value))
        except InputError as err:
            if isinstance(err, (JobFileError, ScheduleError)):
                raise
            raise JobFileError(err.message, err.position, err.hint) from None
        return JobSpec(**values)  # type: ignore[arg-type]

    def options(self, value: dict[str, yaml.Node]) -> dict[str, object]:
        out: dict[str, object] = {}
        for key in ("user", "group"):
            if key in value:
                text = self.text_value(key, value[key])
                if not USER_RE.fullmatch(text):
                    raise self.error(value[key], f"'{key}' {text!r} is not a valid {key} name")
                out[key] = text
        if "env" in value:
            out["env"] = self.env(value["env"])
        if "env_file" in value:
            out["env_file"] = self.relative_path("env_file", value["env_file"], allow_absolute=True)
        if "args" in value:
            node = value["args"]
            if not isinstance(node, yaml.SequenceNode):
                raise self.error(node, "'args' must be a list")
            out["args"] = tuple(self.arg(number, item) for number, item in enumerate(node.value, 1))
        for key in ("timeout", "jitter", "accuracy"):
            if key in value:
                out[key] = self.duration(key, value[key])
        if "catch_up" in value:
            out["catch_up"] = self.boolean("catch_up", value["catch_up"])
        if "retries" in value:
            out["retries"] = self.retries(value["retries"])
            if "timeout" not in out:
                raise self.error(value["retries"], "'retries' needs a 'timeout' too",
                                 "systemd counts retries within a window of (count + 1) x (delay + timeout)")
        return out

    def provider(self, node: yaml.Node) -> str | None:
        entries = self.mapping(node, "provider", ("name", "version"))
        if "name" in entries:
            name_node = entries["name"][1]
            if self.text_value("name", name_node) != "odin":
                raise self.error(name_node, "provider name must be \"odin\"")
        return self.text_value("version", entries["version"][1]) if "version" in entries else None

    def language(self, node: yaml.Node) -> Language:
        text = self.text_value("language", node)
        try:
            return Language(text.lower())
        except ValueError:
            choices = [lang.value for lang in Language]
            suggestion = closest(text, choices)
            hint = f"did you mean '{suggestion}'?" if suggestion else f"languages: {', '.join(choices)}"
            raise self.error(node, f"unknown language '{text}'", hint) from None

    def timezone(self, node: yaml.Node) -> str:
        import zoneinfo

        text = self.text_value("timezone", node)
        try:
            zoneinfo.ZoneInfo(text)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise self.error(node, f"unknown time zone '{text}'",
                             "use an IANA name such as Europe/Dublin") from None
        return text

    def schedule(self, node: yaml.Node, timezone: str | None, zone_node: yaml.Node | None) -> CompiledSchedule:
        """``runs`` compiled in ``timezone`` (the value of ``zone_node``), unless it names its own zone; naming
        two different zones is an error at the ``timezone`` key."""
        from odin.grammar import compile_schedule

        text = self.text_value("runs", node)
        quoted = 1 if isinstance(node, yaml.ScalarNode) and node.style in ("'", '"') else 0
        line, column = node.start_mark.line + 1, node.start_mark.column + 1 + quoted
        try:
            compiled = compile_schedule(text, timezone=timezone, source=self.source, line=line, column=column)
        except ScheduleError as err:
            if err.position is not None and err.position.line >= line:
                # Show the job file's own line under the caret, not the bare schedule string.
                err.position = replace(err.position, text=self.text)
            elif err.position is None:
                err.position = self.position(node)
            raise
        if zone_node is not None and compiled.schedule.zone is not None and compiled.timezone != timezone:
            raise self.error(zone_node, f"'timezone' {timezone} conflicts with the zone in 'runs' "
                             f"({compiled.timezone})", "name the zone in one place: in 'runs' or in 'timezone'")
        return compiled

    def env(self, node: yaml.Node) -> tuple[tuple[str, str], ...]:
        entries = self.mapping(node, "env", ())
        pairs = []
        for key, (key_node, value_node) in entries.items():
            if not ENV_NAME_RE.fullmatch(key):
                raise self.error(key_node, f"bad environment variable name {key!r}")
            pairs.append((key, self.scalar(key, value_node)))
        return tuple(pairs)

    def retries(self, node: yaml.Node) -> Retries:
        if isinstance(node, yaml.ScalarNode):
            return Retries(self.count(node), RETRY_DELAY)
        entries = self.mapping(node, "retries", ("count", "delay"))
        if "count" not in entries:
            raise self.error(node, "retries needs a 'count'")
        delay = self.duration("delay", entries["delay"][1]) if "delay" in entries else RETRY_DELAY
        return Retries(self.count(entries["count"][1]), delay)

    def count(self, node: yaml.Node) -> int:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _INT or not node.value.isdigit():
            raise self.error(node, "the retry count must be a whole number")
        count = int(node.value)
        if not 1 <= count <= 100:
            raise self.error(node, "the retry count must be between 1 and 100")
        return count


def edit_job_text(text: str, values: dict[str, str | None]) -> str:
    """The job file ``text`` with keys under ``job:`` set to new string values, keeping all else as written.

    :param values: key -> new value; ``None`` leaves a key alone. A missing key is added after ``name:``.
    :raises JobFileError: when the text has no block-style ``job:`` mapping with a ``name``.
    """
    import json

    root = yaml.compose(text, Loader=_LOADER)
    job = next((v for k, v in getattr(root, "value", []) if getattr(k, "value", None) == "job"), None)
    if not isinstance(job, yaml.MappingNode) or job.flow_style:
        raise JobFileError("the deployed job file has no block-style 'job:' section to edit; use -f FILE")
    entries = {k.value: (k, v) for k, v in job.value}
    if "name" not in entries:
        raise JobFileError("the deployed job file has no job name")
    edits: list[tuple[int, int, str]] = []
    for key, value in values.items():
        if value is None:
            continue
        quoted = json.dumps(value, ensure_ascii=False)
        if key in entries:
            node = entries[key][1]
            edits.append((node.start_mark.index, node.end_mark.index, quoted))
        else:
            name_key, name_value = entries["name"]
            end = text.find("\n", name_value.end_mark.index)
            end = len(text) if end == -1 else end
            edits.append((end, end, f"\n{' ' * name_key.start_mark.column}{key}: {quoted}"))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text
