"""The dashboard's actions through its JSON API, on a real systemd: run now on a running job starts nothing."""
from __future__ import annotations

from dashboard import create_app


def test_run_now_on_a_running_job_says_it_is_already_running(deploy, service, tmp_path, wait_until):
    go = tmp_path / "go"
    name = deploy(f"while [ ! -e {go} ]; do sleep 0.02; done\n", language="sh")
    client = create_app({"ODIN_DASHBOARD_TOKEN": None}).test_client()
    token = client.get("/api/csrf").json["csrf_token"]
    try:
        first = client.post(f"/api/jobs/{name}/run", headers={"X-CSRF-Token": token}).json["message"]
        assert first == f"{name}: started"
        wait_until(lambda: service.status(name).state == "running", timeout=15)
        again = client.post(f"/api/jobs/{name}/run", headers={"X-CSRF-Token": token}).json["message"]
        assert again.startswith(f"{name}: already running (since ") and again.endswith(" UTC)")
    finally:
        go.write_text("")
