"""``odin dashboard`` as a user starts it: on loopback with no token, elsewhere only with one."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "a-long-enough-token-for-the-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


@pytest.fixture
def start(wait_until):  # type: ignore[no-untyped-def]
    processes = []

    def run(*args: str, token: str | None = None) -> str:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if k != "ODIN_DASHBOARD_TOKEN"}
        env["ODIN_CONFIG"] = "/nonexistent/odin.yml"
        if token:
            env["ODIN_DASHBOARD_TOKEN"] = token
        process = subprocess.Popen([sys.executable, "-m", "odin", "dashboard", "--port", str(port), *args],
                                   cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        processes.append(process)
        url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return True
            except OSError:
                assert process.poll() is None, process.stdout.read().decode()
                return False

        wait_until(up, timeout=15)
        return url

    yield run
    for process in processes:
        process.terminate()
        process.wait(10)
        process.stdout.close()


def test_the_command_serves_on_loopback_without_a_token(start):
    url = start()
    status, body = _get(url + "/api/csrf")
    assert status == 200 and len(body["csrf_token"]) > 20


def test_the_command_listens_elsewhere_only_with_the_token_and_then_asks_for_it(start):
    url = start("--host", "0.0.0.0", token=TOKEN)
    assert _get(url + "/api/csrf") == (401, {"error": "an access token is required"})
    assert _get(url + "/api/csrf", token=TOKEN)[0] == 200


def test_the_command_refuses_to_start_elsewhere_without_a_token():
    env = {k: v for k, v in os.environ.items() if k != "ODIN_DASHBOARD_TOKEN"}
    env["ODIN_CONFIG"] = "/nonexistent/odin.yml"
    done = subprocess.run([sys.executable, "-m", "odin", "dashboard", "--host", "0.0.0.0", "--port", "1"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert done.stderr.startswith("odin: refusing to listen on 0.0.0.0 without an access token")
    assert "Traceback" not in done.stderr
