"""How a job's program is started so that it finds Odin's in-job library for its language (Go, Node.js, shell).

The wrapper calls :func:`prepare` on the job's command line and environment before starting the program:

- every program gets ``ODIN_LIBRARY_DIR`` (the ``library/`` folder), ``library/bash`` at the front of ``PATH``
  (so a shell job, or a shell script a job starts, can ``. odin.sh``) and ``library/node_path`` in ``NODE_PATH``
  (so ``require('odin')`` works);
- ``node`` running an ES module also gets ``--import library/node/register.mjs`` in ``NODE_OPTIONS``, which
  resolves ``import ... from 'odin'`` (about 0.1 s of start-up, so CommonJS jobs are spared it);
- ``go run FILE ARGS...`` becomes ``sh library/go/run.sh FILE ARGS...``, which builds the file against the
  ``odin.local/odin`` module and runs the binary in its place, so exit codes and stderr are the program's own.

A job's own installation (a ``node_modules/odin``, a ``go.mod``) still wins over these defaults.
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

# os.path rather than pathlib: this runs in the wrapper before every job, where pathlib's import costs ~20 ms.
LIBRARY_DIR_ENV = "ODIN_LIBRARY_DIR"
DEFAULT_LIBRARY_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "library")


def library_dir(environ: Mapping[str, str] = os.environ) -> str:
    """The ``library/`` folder: ``ODIN_LIBRARY_DIR`` when set, else the one beside the ``odin`` package."""
    return environ.get(LIBRARY_DIR_ENV) or DEFAULT_LIBRARY_DIR


def prepare(command: Sequence[str], environ: Mapping[str, str]) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that run ``command`` with Odin's library for its language.

    :param command: the job's program and arguments, as the unit's ``ExecStart=`` gives them to the wrapper.
    :param environ: the environment the program would get.
    :returns: the command to start and the complete environment to give it.
    """
    library = library_dir(environ)
    env = dict(environ)
    env[LIBRARY_DIR_ENV] = library
    env["PATH"] = _prepend(os.path.join(library, "bash"), environ.get("PATH") or os.defpath)
    env["NODE_PATH"] = _prepend(os.path.join(library, "node_path"), environ.get("NODE_PATH", ""))
    program = os.path.basename(command[0]) if command else ""
    if program == "go" and len(command) >= 3 and command[1] == "run" and command[2].endswith(".go"):
        env["ODIN_GO"] = command[0]
        return ["/bin/sh", os.path.join(library, "go", "run.sh"), *command[2:]], env
    if program.startswith("node") and _runs_es_module(command[1:]):
        import json

        hook = os.path.join(library, "node", "register.mjs")
        env["NODE_OPTIONS"] = " ".join(filter(None, [environ.get("NODE_OPTIONS", ""), f"--import={json.dumps(hook)}"]))
    return list(command), env


def _prepend(entry: str, search_path: str) -> str:
    return f"{entry}{os.pathsep}{search_path}" if search_path else entry


def _runs_es_module(arguments: Sequence[str]) -> bool:
    """Whether node's script (its first argument not starting with ``-``) is an ES module."""
    script = next((arg for arg in arguments if not arg.startswith("-")), None)
    if script is None or script.endswith(".cjs"):
        return False
    if script.endswith(".mjs"):
        return True
    import json

    folder = os.path.dirname(os.path.realpath(script))
    while True:
        manifest = os.path.join(folder, "package.json")
        if os.path.isfile(manifest):
            try:
                with open(manifest, encoding="utf-8") as file:
                    return json.load(file).get("type") == "module"
            except (OSError, ValueError, AttributeError):
                return False
        parent = os.path.dirname(folder)
        if parent == folder:
            return False
        folder = parent
