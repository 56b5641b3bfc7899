"""The dashboard's guards: CSRF on POST, the access token for other hosts, the login form, safe headers.

These requests are refused before any view runs, so they need no systemd.
"""
import re

import pytest

from dashboard import create_app
from dashboard.security import require_token_for
from odin.errors import InputError

TOKEN = "s3cret-token-for-tests-0123"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_hosts_need_no_token(host):
    require_token_for(host, None)


def test_any_other_host_without_a_token_is_refused_with_exit_code_2():
    with pytest.raises(InputError, match="refusing to listen on 0.0.0.0 without an access token") as caught:
        require_token_for("0.0.0.0", None)
    assert caught.value.exit_code == 2
    assert "ODIN_DASHBOARD_TOKEN" in caught.value.render()


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.7", "dashboard.example"])
def test_every_other_host_needs_a_token(host):
    with pytest.raises(InputError):
        require_token_for(host, None)


def test_a_short_token_is_refused():
    with pytest.raises(InputError, match="at least 16 characters"):
        require_token_for("192.0.2.7", "short")
    require_token_for("192.0.2.7", TOKEN)


def test_the_command_refuses_a_public_host_without_a_token(monkeypatch, capsys):
    from odin.cli import main

    monkeypatch.delenv("ODIN_DASHBOARD_TOKEN", raising=False)
    monkeypatch.setenv("ODIN_CONFIG", "/nonexistent/odin.yml")
    with pytest.raises(SystemExit) as caught:
        main(["dashboard", "--host", "0.0.0.0", "--port", "8099"])
    assert caught.value.code == 2
    assert "refusing to listen on 0.0.0.0 without an access token" in capsys.readouterr().err


@pytest.mark.parametrize("path", ["/jobs/any/run", "/jobs/any/pause", "/jobs/any/resume", "/api/jobs/any/run"])
def test_actions_without_a_csrf_token_are_refused(path):
    client = create_app({"ODIN_DASHBOARD_TOKEN": None}).test_client()
    response = client.post(path)
    assert response.status_code == 400
    assert b"CSRF token" in response.data


def test_actions_with_a_wrong_csrf_token_are_refused():
    client = create_app({"ODIN_DASHBOARD_TOKEN": None}).test_client()
    client.get("/api/csrf")
    response = client.post("/api/jobs/any/pause", headers={"X-CSRF-Token": "forged"})
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/jobs/any/run", "/jobs/any/pause", "/api/jobs/any/resume"])
def test_actions_cannot_be_triggered_by_get(path):
    client = create_app({"ODIN_DASHBOARD_TOKEN": None}).test_client()
    assert client.get(path).status_code == 405


def test_with_a_token_every_page_and_endpoint_asks_for_it():
    client = create_app({"ODIN_DASHBOARD_TOKEN": TOKEN}).test_client()
    assert client.get("/api/jobs").status_code == 401
    assert client.get("/api/jobs").json == {"error": "an access token is required"}
    assert client.get("/api/jobs", headers={"Authorization": "Bearer wrong-token-xxxxxxxx"}).status_code == 401
    page = client.get("/jobs/x")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")


def test_the_login_form_remembers_the_token_for_the_session():
    client = create_app({"ODIN_DASHBOARD_TOKEN": TOKEN}).test_client()
    form = client.get("/login?next=/api/csrf").data.decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    wrong = client.post("/login", data={"token": "nope", "csrf_token": csrf, "next": "/api/csrf"})
    assert wrong.status_code == 401
    right = client.post("/login", data={"token": TOKEN, "csrf_token": csrf, "next": "/api/csrf"})
    assert right.status_code == 302 and right.headers["Location"] == "/api/csrf"
    assert client.get("/api/csrf").status_code == 200


def test_login_never_redirects_off_the_dashboard():
    client = create_app({"ODIN_DASHBOARD_TOKEN": TOKEN}).test_client()
    form = client.get("/login").data.decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"token": TOKEN, "csrf_token": csrf, "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_a_bearer_token_needs_no_csrf_token():
    client = create_app({"ODIN_DASHBOARD_TOKEN": TOKEN}).test_client()
    response = client.post("/api/jobs/any/frobnicate", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 404  # past both guards, to routing: no such action


def test_responses_forbid_inline_scripts_and_framing():
    client = create_app({"ODIN_DASHBOARD_TOKEN": None}).test_client()
    headers = client.get("/api/csrf").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
