"""Odin: plain-English schedules compiled to systemd timers, and the library a job uses to report.

Inside a job::

    import odin
    files = odin.watch(len(os.listdir(cache)))      # recorded as "len(os.listdir(cache))"
    if odin.condition(files < 100):
        odin.result("cache is small")              # ends the job: success (the last condition)
    odin.result(f"{files} files is too many")        # ends the job: failure, exit code 1

Under Odin's wrapper the records go to the journal and the Pushgateway. Run by hand, the library is in test
mode: each record prints to stderr and nothing is sent (:func:`mock` forces this). This module imports only
the standard library, and little of it, so ``import odin`` stays cheap inside every job.
"""
from __future__ import annotations

import os
import sys

__version__ = "0.1.0"
__all__ = ["watch", "condition", "result", "config", "mock"]

TYPE_CHECKING = False  # typing itself is not imported: this module loads inside every job
if TYPE_CHECKING:
    from typing import IO, NoReturn

    from odin.recorder import Recorder

_recorder: Recorder | None = None


def _current() -> Recorder:
    global _recorder
    if _recorder is None:
        from odin.recorder import Recorder

        _recorder = Recorder.from_environment()
    return _recorder


def watch(value: object, name: str | None = None) -> object:
    """Record ``value`` and return it unchanged.

    :param name: the record's name; by default the argument's source text (``odin.watch(listeners)`` is
        named ``listeners``).
    """
    return (_recorder or _current()).watch(value, name, sys._getframe(1) if name is None else None)


def condition(expr: object, description: str | None = None) -> bool:
    """Record whether ``expr`` is true and return that, so ``if odin.condition(x == 0):`` works.

    :param description: the record's name; by default the expression's source text.
    """
    return (_recorder or _current()).condition(expr, description,
                                               sys._getframe(1) if description is None else None)


def result(message: object, success: bool | None = None) -> NoReturn:
    """Record the job's result and end the job, as a ``return`` from it would.

    :param success: whether the run succeeded; by default the last recorded condition (true when none).
        A failed result exits with code 1, so systemd marks the run failed and ``OnFailure=`` links fire.
    :raises SystemExit: always, with code 0 or 1.
    """
    _current().result(message, success)


def mock(stream: IO[str] | None = None) -> Recorder:
    """Force test mode: records print readably to ``stream`` (default stderr) and are kept, never sent.

    :returns: the recorder, whose ``records`` list holds ``(kind, name, value, success)`` tuples.
    """
    global _recorder
    from odin.recorder import Recorder

    _recorder = Recorder(stream, local=True)
    return _recorder


def config(path: str | os.PathLike[str] | None = None) -> dict[str, object]:
    """The job's YAML file as a mapping.

    :param path: the file; by default ``odin_job.yml`` beside the program.
    :raises odin.errors.JobFileError: when the file is missing or not a YAML mapping.
    """
    from odin.errors import JobFileError

    target = os.fspath(path) if path is not None else os.path.join(_program_dir(), "odin_job.yml")
    yaml = _yaml()
    try:
        with open(target, encoding="utf-8") as file:
            data = yaml.safe_load(file)
    except OSError as err:
        raise JobFileError(f"{target}: cannot read the job file ({err.strerror})") from None
    except yaml.YAMLError as err:
        raise JobFileError(f"{target}: not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise JobFileError(f"{target}: expected a YAML mapping")
    return data


def _program_dir() -> str:
    main = sys.modules.get("__main__")
    program = getattr(main, "__file__", None) or (sys.argv[0] if sys.argv and sys.argv[0] else "")
    return os.path.dirname(os.path.abspath(program)) if program and os.path.exists(program) else os.getcwd()


def _yaml():  # type: ignore[no-untyped-def]
    try:
        import yaml
    except ImportError:
        # A job run by another interpreter may lack PyYAML; the wrapper names Odin's own copy, which is
        # appended (never prepended) so it cannot shadow the job's packages.
        fallback = os.environ.get("ODIN_YAML_PATH")
        if not fallback:
            raise
        sys.path.append(fallback)
        import yaml
    return yaml
