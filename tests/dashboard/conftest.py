"""Fixtures for the dashboard tests: real jobs in the private systemd, a served dashboard, headless Chromium.

Browser tests run inside a sandbox (``scripts/sandbox.sh exec NAME .venv/bin/python -m pytest tests/dashboard``):
the default bus and journal are the sandbox's. Screenshots go to ``tests/artifacts/``.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import textwrap
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def systemd_running() -> bool:
    return os.geteuid() == 0 and Path("/run/systemd/system").is_dir() and shutil.which("systemctl") is not None


def wait_until(predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.05) -> object:
    """Poll ``predicate`` until it returns something true, and return that; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


@pytest.fixture(name="wait_until", scope="session")
def wait_until_fixture() -> Callable[..., object]:
    """:func:`wait_until`, for tests."""
    return wait_until


@pytest.fixture(scope="session")
def sandboxed() -> None:
    if not systemd_running():
        pytest.skip("needs root inside a running systemd (scripts/sandbox.sh exec NAME ...)")


@pytest.fixture(scope="session")
def service(sandboxed):  # type: ignore[no-untyped-def]
    from odin.service import default_service

    return default_service()


@pytest.fixture
def deploy(service, tmp_path) -> Iterator[Callable[..., str]]:  # type: ignore[no-untyped-def]
    """Deploy a job with the given program and job-file lines; returns its unique name. Removed afterwards."""
    names: list[str] = []

    def make(program: str, *, language: str = "python3", runs: str = "every 5 minutes", description: str = "test job",
             extra: str = "", suffix: str = "") -> str:
        name = f"odin-t-{uuid.uuid4().hex[:8]}{suffix}"
        folder = tmp_path / name
        folder.mkdir()
        filename = {"python3": "job.py", "sh": "job.sh"}[language]
        (folder / filename).write_text(textwrap.dedent(program))
        quoted = description.replace("\\", "\\\\").replace('"', '\\"')
        (folder / "job.yml").write_text(
            f'provider:\n  name: "odin"\n  version: "1.0.0"\njob:\n  name: "{name}"\n  description: "{quoted}"\n'
            f'  language: "{language}"\n  file: "{filename}"\n  runs: "{runs}"\n{extra}')
        service.deploy([folder / "job.yml"])
        names.append(name)
        return name

    yield make
    for name in names:
        service.remove(name, force=True)


@pytest.fixture(scope="session")
def dashboard_url(sandboxed) -> Iterator[str]:
    """The base URL of a dashboard served on a free loopback port for the whole session."""
    from werkzeug.serving import make_server

    from dashboard import create_app

    app = create_app({"RUNS_PER_PAGE": 2, "LIVE_HEARTBEAT_SECONDS": 0.5, "ODIN_DASHBOARD_TOKEN": None})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="dashboard", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture(scope="session")
def browser(sandboxed):  # type: ignore[no-untyped-def]
    """Headless Chromium from Debian's packages, driven by Selenium through Debian's chromedriver."""
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        pytest.skip("needs Debian's chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="odin-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 "--window-size=1280,1000", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def screenshot(browser) -> Callable[[str], Path]:  # type: ignore[no-untyped-def]
    """Save the browser's page as ``tests/artifacts/dashboard-<name>.png``."""

    def save(name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"dashboard-{name}.png"
        assert browser.save_screenshot(str(path)), f"could not save {path}"
        return path

    return save
