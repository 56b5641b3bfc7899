"""Shared fixtures of the system tests, which run inside a private systemd (``scripts/sandbox.sh exec NAME``).

- Every test here is marked ``system`` and skipped, with the reason, when not root or when no systemd answers.
- ``job_name`` hands out unique names ``t-<hex>`` and removes the job afterwards if the test did not.
- ``make_job`` writes a job's folder (job file and program) under the test's temporary directory.
- ``wait_until(predicate, timeout)`` polls with a deadline; never a bare sleep.
- ``odin(*args)`` runs the command line as a user would.
- An autouse leak detector fails any test that leaves test units (``odin-t-*``), job directories, timer stamps
  or Pushgateway groups behind, then cleans them up.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from odin.settings import Settings, load_settings
from polling import wait_until_true
from odin.service import JobService
from odin.systemd import TIMER_STAMPS, Systemd

#: Job names made by tests: ours (``t-<hex>``) and ``odin-t-<hex>...`` from other suites.
TEST_JOB = re.compile(r"(?:odin-)?t-[0-9a-f]{6,}.*")
TEST_UNIT = re.compile(r"odin-((?:odin-)?t-[0-9a-f]{6,}.*)\.(?:service|timer)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.system)


def _why_not_runnable() -> str | None:
    if os.geteuid() != 0:
        return "system tests deploy units and need root"
    if not Path("/run/systemd/system").is_dir():
        return "no running systemd here: run inside scripts/sandbox.sh exec NAME"
    try:
        Systemd().status("init.scope")
    except Exception as err:  # any failure to reach the bus means: not here
        return f"cannot reach systemd over D-Bus: {err}"
    return None


@pytest.fixture(scope="session", autouse=True)
def systemd_here() -> Iterator[None]:
    """Skip every system test, with the reason, where no systemd can be driven."""
    reason = _why_not_runnable()
    if reason:
        pytest.skip(reason)
    yield
    leaks = Leaks.find(load_settings())
    if leaks:
        leaks.clean(load_settings())
        pytest.fail(f"the system tests left behind: {leaks}")


@pytest.fixture
def settings() -> Settings:
    return load_settings()


@pytest.fixture
def systemd() -> Systemd:
    return Systemd()


@pytest.fixture
def service(settings: Settings, systemd: Systemd) -> JobService:
    return JobService(settings, systemd)


@pytest.fixture
def pushgateway_url() -> str:
    url = os.environ.get("ODIN_PUSHGATEWAY_URL")
    if not url:
        pytest.skip("ODIN_PUSHGATEWAY_URL is not set (the sandbox sets it)")
    return url


@pytest.fixture
def wait_until() -> Callable[..., Any]:
    return wait_until_true


@pytest.fixture
def job_name(service: JobService) -> Iterator[str]:
    """A fresh job name ``t-<hex>``; the job is removed afterwards if the test left it deployed."""
    name = f"t-{secrets.token_hex(4)}"
    yield name
    if service.job_dir(name).exists() or service.unit_path(name, "service").exists():
        service.remove(name, force=True)


@pytest.fixture
def make_job(tmp_path: Path) -> Callable[..., Path]:
    """Write a job folder; returns the job file's path.

    ``make_job(name, runs="never", program="echo hi", language="sh", extra="  timeout: 1m\\n")``.
    """

    def make(name: str, runs: str = "never", program: str = "echo hello from $0\n", language: str = "sh",
             extra: str = "", filename: str = "job.sh", description: str | None = None) -> Path:
        folder = tmp_path / f"{name}-{secrets.token_hex(2)}"
        folder.mkdir()
        (folder / filename).write_text(program)
        job_file = folder / "job.yml"
        job_file.write_text(
            'provider:\n  name: "odin"\n  version: "1.0.0"\n'
            f"job:\n  name: {json.dumps(name)}\n"
            f"  description: {json.dumps(description or f'Test job {name}')}\n"
            f"  language: {json.dumps(language)}\n  file: {json.dumps(filename)}\n  runs: {json.dumps(runs)}\n"
            + extra)
        return job_file

    return make


def run_odin(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the ``odin`` command as a user would; returns the finished process."""
    return subprocess.run([sys.executable, "-m", "odin", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def odin() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``odin("status", name)`` runs the command line and returns the finished process."""
    return run_odin


class Leaks(dict):
    """What test jobs left behind, by kind."""

    @classmethod
    def find(cls, settings: Settings) -> Leaks:
        found = cls()
        units = sorted(p.name for p in _entries(settings.unit_dir) if TEST_UNIT.fullmatch(p.name))
        links = sorted(str(p.relative_to(settings.unit_dir)) for d in _entries(settings.unit_dir)
                       if d.name.endswith(".wants") for p in _entries(d) if TEST_UNIT.fullmatch(p.name))
        dirs = sorted(p.name for p in _entries(settings.jobs_dir) if TEST_JOB.fullmatch(p.name.split("~")[-2]
                                                                                      if "~" in p.name else p.name))
        stamps = sorted(p.name for p in _entries(TIMER_STAMPS) if TEST_UNIT.fullmatch(p.name.removeprefix("stamp-")))
        for kind, items in (("units", units), ("enablement links", links), ("job directories", dirs),
                            ("timer stamps", stamps), ("pushgateway groups", _gateway_groups())):
            if items:
                found[kind] = items
        return found

    def clean(self, settings: Settings) -> None:
        systemd = Systemd()
        timers = [u for u in self.get("units", []) if u.endswith(".timer")]
        if timers:
            systemd.disable_now(*timers)
        for unit in self.get("units", []):
            systemd.stop(unit)
            (settings.unit_dir / unit).unlink(missing_ok=True)
        for link in self.get("enablement links", []):
            (settings.unit_dir / link).unlink(missing_ok=True)
        for name in self.get("job directories", []):
            shutil.rmtree(settings.jobs_dir / name, ignore_errors=True)
        for stamp in self.get("timer stamps", []):
            (TIMER_STAMPS / stamp).unlink(missing_ok=True)
        url = os.environ.get("ODIN_PUSHGATEWAY_URL")
        for labels in _gateway_label_sets():
            if labels.get("job") in self.get("pushgateway groups", []):
                path = "/".join(f"{key}/{urllib.parse.quote(value, safe='')}" for key, value in
                                sorted(labels.items(), key=lambda item: item[0] != "job"))
                request = urllib.request.Request(f"{url}/metrics/{path}", method="DELETE")
                urllib.request.urlopen(request, timeout=5).close()
        systemd.reload()
        for unit in self.get("units", []):
            systemd.reset_failed(unit)


def _entries(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []


def _gateway_label_sets() -> list[dict[str, str]]:
    url = os.environ.get("ODIN_PUSHGATEWAY_URL")
    if not url:
        return []
    try:
        with urllib.request.urlopen(f"{url}/api/v1/metrics", timeout=5) as response:
            return [group.get("labels", {}) for group in json.load(response).get("data", [])]
    except OSError:
        return []


def _gateway_groups() -> list[str]:
    jobs = {labels.get("job", "") for labels in _gateway_label_sets()}
    return sorted(job for job in jobs if TEST_JOB.fullmatch(job))


@pytest.fixture(autouse=True)
def no_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves test units, job directories, timer stamps or gateway groups behind."""
    settings = load_settings()
    before = Leaks.find(settings)
    yield
    after = Leaks.find(settings)
    new = Leaks({kind: [i for i in items if i not in before.get(kind, [])] for kind, items in after.items()})
    new = Leaks({kind: items for kind, items in new.items() if items})
    if new:
        new.clean(settings)
        pytest.fail(f"{request.node.name} left behind: {dict(new)}")
