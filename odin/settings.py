"""Odin's settings: where unit files and job directories go, the Pushgateway, the lock file.

Defaults suit a server; each setting can come from ``/etc/odin/odin.yml`` (or the file named by
``ODIN_CONFIG``) and then from an environment variable, which wins::

    unit_dir: /etc/systemd/system        # ODIN_UNIT_DIR
    jobs_dir: /var/lib/odin/jobs         # ODIN_JOBS_DIR
    pushgateway_url: http://127.0.0.1:9091  # ODIN_PUSHGATEWAY_URL
    lock_file: /run/odin.lock            # ODIN_LOCK_FILE
    dashboard_token: ...                 # ODIN_DASHBOARD_TOKEN
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from odin.errors import InputError

CONFIG_FILE = Path("/etc/odin/odin.yml")


@dataclass(frozen=True, slots=True)
class Settings:
    """Where Odin keeps what it installs."""

    unit_dir: Path = Path("/etc/systemd/system")
    jobs_dir: Path = Path("/var/lib/odin/jobs")
    pushgateway_url: str | None = None
    lock_file: Path = Path("/run/odin.lock")
    dashboard_token: str | None = None


_ENV_NAMES = {
    "unit_dir": "ODIN_UNIT_DIR",
    "jobs_dir": "ODIN_JOBS_DIR",
    "pushgateway_url": "ODIN_PUSHGATEWAY_URL",
    "lock_file": "ODIN_LOCK_FILE",
    "dashboard_token": "ODIN_DASHBOARD_TOKEN",
}


def settings_from(environ: Mapping[str, str], file_values: Mapping[str, object] | None = None,
                  source: str = str(CONFIG_FILE)) -> Settings:
    """Settings from a config file's values overlaid by environment variables.

    :param environ: the environment (``ODIN_UNIT_DIR`` and friends).
    :param file_values: the mapping read from the config file, if any.
    :param source: the config file's name, for error messages.
    :raises InputError: on an unknown key or a value that is not a string.
    """
    values: dict[str, object] = {}
    for key, value in (file_values or {}).items():
        if key not in _ENV_NAMES:
            raise InputError(f"{source}: unknown setting '{key}'",
                             hint=f"known settings: {', '.join(_ENV_NAMES)}")
        if not isinstance(value, str) or not value:
            raise InputError(f"{source}: setting '{key}' must be a non-empty string")
        values[key] = value
    for key, env_name in _ENV_NAMES.items():
        if environ.get(env_name):
            values[key] = environ[env_name]
    paths = {f.name for f in fields(Settings) if f.type == "Path"}
    return Settings(**{k: Path(v) if k in paths else v for k, v in values.items()})  # type: ignore[arg-type]


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings in effect: the config file (when it exists) overlaid by the environment.

    :raises InputError: when the config file is not a YAML mapping of known keys.
    """
    environ = os.environ if environ is None else environ
    path = Path(environ.get("ODIN_CONFIG") or CONFIG_FILE)
    file_values = None
    if path.is_file():
        import yaml

        try:
            file_values = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as err:
            raise InputError(f"{path}: not valid YAML: {err}") from None
        if not isinstance(file_values, dict):
            raise InputError(f"{path}: expected a mapping of settings")
    return settings_from(environ, file_values, str(path))
