"""scripts/sandbox.sh on the host: an instance keeps its Pushgateway port across down + up, which deployed
units depend on, and moves to a new one, saying so, only when another program holds it.

These tests boot their own instances, so they run on the host, outside any sandbox
(``scripts/test.sh`` runs them before booting its own).
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "sandbox.sh"
STATE = Path("/var/lib/odin-sandbox")

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="booting a sandbox needs root"),
    pytest.mark.skipif(Path("/proc/1/comm").read_text().strip() == "systemd",
                       reason="boots its own sandboxes: run on the host, not inside one"),
    pytest.mark.skipif(shutil.which("prometheus-pushgateway") is None, reason="needs prometheus-pushgateway"),
]


def sandbox(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ODIN_PGW_PORT"}
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=120, env=env)


def gateway_port(instance: str) -> int:
    """The port in the instance's environment file, which the units deployed in it carry."""
    text = Path(f"/run/odin-sandbox-{instance}.env").read_text()
    url = next(word for word in text.split() if word.startswith("ODIN_PUSHGATEWAY_URL="))
    return int(url.rsplit(":", 1)[1])


@pytest.fixture
def instance() -> Iterator[str]:
    name = f"t-pgw-{secrets.token_hex(3)}"
    yield name
    sandbox("reset", name)


def test_an_instance_keeps_its_pushgateway_port_across_down_and_up(instance):
    first = sandbox("up", instance)
    assert first.returncode == 0, first.stderr
    port = gateway_port(instance)
    assert (STATE / instance / "pushgateway-port").read_text().strip() == str(port)
    assert sandbox("down", instance).returncode == 0
    again = sandbox("up", instance)
    assert again.returncode == 0, again.stderr
    assert gateway_port(instance) == port
    assert "taken" not in again.stderr


def test_a_taken_port_is_replaced_and_the_script_says_so(instance):
    assert sandbox("up", instance).returncode == 0
    port = gateway_port(instance)
    assert sandbox("down", instance).returncode == 0
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        again = sandbox("up", instance)
    assert again.returncode == 0, again.stderr
    moved = gateway_port(instance)
    assert moved != port
    assert f"port {port} of the Pushgateway is taken" in again.stderr
    assert (STATE / instance / "pushgateway-port").read_text().strip() == str(moved)
