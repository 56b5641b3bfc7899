"""Unit files: a :class:`JobSpec` rendered into ``odin-<name>.service`` and ``odin-<name>.timer`` text.

Pure: the templates in ``units/`` are filled with values escaped for systemd's parser, so nothing from a
job file can add a directive. Line breaks and control characters are refused, ``%`` is doubled (systemd
would expand it as a specifier), and values systemd unquotes (``ExecStart=``, ``Environment=``) are
double-quoted with ``\\`` and ``"`` escaped (and ``$`` doubled in ``ExecStart=``, which would expand it).
A job that ``runs: never`` gets no timer: it is started by hand, by ``odin run`` or by a link.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from odin import __version__
from odin.errors import InputError
from odin.jobfile import JobSpec, Language

TEMPLATES = Path(__file__).resolve().parent.parent / "units"
_UNSAFE_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_PLACEHOLDER_RE = re.compile(r"\$\{(\w+)\}")

#: The executable each language needs on the machine (``exec`` and compiled Go need none).
INTERPRETERS = {
    Language.PYTHON3: "python3",
    Language.PYTHON: "python3",
    Language.NODE: "node",
    Language.GO: "go",
    Language.BASH: "bash",
    Language.SH: "sh",
}


@dataclass(frozen=True, slots=True)
class UnitFiles:
    """The rendered text of a job's units; ``timer`` is ``None`` for a job that never runs on its own."""

    name: str
    service: str
    timer: str | None

    @property
    def service_name(self) -> str:
        return unit_name(self.name, "service")

    @property
    def timer_name(self) -> str:
        return unit_name(self.name, "timer")


@dataclass(frozen=True, slots=True)
class RenderContext:
    """What the units need beyond the job file, found on the machine at deploy time.

    :param python: the interpreter that runs ``odin.wrapper`` (Odin's own).
    :param interpreter: absolute path of the job's interpreter, ``None`` when the file runs by itself.
    :param job_dir: the job's directory, its working directory.
    :param on_success: names of jobs to start after a successful run; ``on_failure`` likewise.
    """

    python: str
    interpreter: str | None
    job_dir: str
    user: str | None = None
    group: str | None = None
    pushgateway_url: str | None = None
    on_success: tuple[str, ...] = ()
    on_failure: tuple[str, ...] = ()


def unit_name(job: str, kind: str) -> str:
    """``odin-<job>.<kind>``."""
    return f"odin-{job}.{kind}"


def written_by_odin(text: str | None) -> bool:
    """Whether a unit file's text is one Odin wrote: it carries the ``X-Odin-Version=`` stamp."""
    return text is not None and any(line.startswith("X-Odin-Version=") for line in text.splitlines())


def interpreter_for(spec: JobSpec) -> str | None:
    """The command name of the job's interpreter, or ``None`` when the job's file is run directly."""
    if spec.language is Language.GO and not spec.file.endswith(".go"):
        return None
    return INTERPRETERS.get(spec.language)


def program_command(spec: JobSpec, interpreter: str | None, job_dir: str) -> tuple[str, ...]:
    """The job's own command line, as the wrapper runs it."""
    path = f"{job_dir.rstrip('/')}/{spec.file}"
    if interpreter is None:
        program: tuple[str, ...] = (path,)
    elif spec.language in (Language.PYTHON3, Language.PYTHON):
        program = (interpreter, "-u", path)
    elif spec.language is Language.GO:
        program = (interpreter, "run", path)
    else:
        program = (interpreter, path)
    return program + spec.args


def render_units(spec: JobSpec, context: RenderContext) -> UnitFiles:
    """Render a job's service and timer.

    :raises InputError: when a value holds a line break or control character, or ends in a backslash.
    """
    command = (context.python, "-m", "odin.wrapper", "--job", spec.name, "--",
               *program_command(spec, context.interpreter, context.job_dir))
    common = {
        "name": spec.name,
        "description": plain(spec.description),
        "version": __version__,
        "source": plain(spec.source),
    }
    service = fill("odin.service.in", **common,
                   exec_start=" ".join(quote(word, dollars=True) for word in command),
                   working_directory=plain(context.job_dir),
                   unit_extra=_unit_extra(spec, context),
                   service_extra=_service_extra(spec, context))
    timer = None
    if spec.schedule.oncalendar:
        timer = fill("odin.timer.in", **common,
                     on_calendar="\n".join(f"OnCalendar={plain(expr)}" for expr in spec.schedule.oncalendar),
                     accuracy=str(spec.accuracy),
                     timer_extra=f"RandomizedDelaySec={spec.jitter}" if spec.jitter else "",
                     persistent="true" if spec.catch_up else "false")
    return UnitFiles(spec.name, service, timer)


def _unit_extra(spec: JobSpec, context: RenderContext) -> str:
    lines = [f"OnSuccess={unit_name(job, 'service')}" for job in context.on_success]
    lines += [f"OnFailure={unit_name(job, 'service')}" for job in context.on_failure]
    if spec.retries and spec.timeout:
        # systemd bounds automatic restarts by its start rate limit: count + 1 starts within a window long
        # enough for all of them, so the next timer run is not refused.
        attempts = spec.retries.count + 1
        window = attempts * (spec.retries.delay.microseconds + spec.timeout.microseconds)
        lines += [f"StartLimitIntervalSec={window // 1_000_000 + 1}s", f"StartLimitBurst={attempts}"]
    return "\n".join(lines)


def _service_extra(spec: JobSpec, context: RenderContext) -> str:
    lines = []
    user = spec.user or context.user
    group = spec.group or context.group
    if user:
        lines.append(f"User={plain(user)}")
    if group:
        lines.append(f"Group={plain(group)}")
    env = list(spec.env)
    if context.pushgateway_url:
        env.append(("ODIN_PUSHGATEWAY_URL", context.pushgateway_url))
    lines += [f"Environment={quote(f'{key}={value}')}" for key, value in env]
    if spec.env_file:
        path = spec.env_file
        if not path.startswith("/"):
            path = f"{context.job_dir.rstrip('/')}/{path}"
        lines.append(f"EnvironmentFile={plain(path)}")
    if spec.timeout:
        lines.append(f"TimeoutStartSec={spec.timeout}")
    if spec.retries:
        lines += ["Restart=on-failure", f"RestartSec={spec.retries.delay}"]
    return "\n".join(lines)


def plain(value: str) -> str:
    """A value systemd takes as written, apart from ``%`` specifiers, which are doubled.

    :raises InputError: on a line break or control character, or a trailing backslash (a line continuation).
    """
    _check(value)
    if value.endswith("\\"):
        raise InputError(f"value {value!r} ends with a backslash, which systemd reads as a line continuation")
    return value.replace("%", "%%")


def quote(value: str, dollars: bool = False) -> str:
    """A double-quoted word for systemd's unquoting parsers; ``$`` doubled too when ``dollars``.

    :raises InputError: on a line break or control character.
    """
    _check(value)
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    if dollars:
        escaped = escaped.replace("$", "$$")
    return f'"{escaped}"'


def _check(value: str) -> None:
    if _UNSAFE_RE.search(value):
        raise InputError(f"value {value!r} contains a line break or control character")


def fill(template: str, **values: str) -> str:
    """Fill ``units/<template>``: ``${key}`` is replaced; a line that is only an empty placeholder goes."""
    out = []
    for line in _template(template).splitlines():
        whole = _PLACEHOLDER_RE.fullmatch(line)
        if whole:
            if values[whole.group(1)]:
                out.append(values[whole.group(1)])
            continue
        out.append(_PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], line))
    return "\n".join(out) + "\n"


@functools.cache
def _template(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")
