"""The dashboard's guards: CSRF tokens on every POST, the access token for non-loopback hosts, safe headers.

A browser proves it may act by sending back the CSRF token stored in its signed session, as the form field
``csrf_token`` or the ``X-CSRF-Token`` header. When an access token is configured (required for any host other than
loopback), every request must carry it, as ``Authorization: Bearer <token>`` or through the session set by the
login form.
"""
from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, redirect, request, session, url_for

from odin.errors import InputError

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
TOKEN_ENV = "ODIN_DASHBOARD_TOKEN"
MIN_TOKEN_LENGTH = 16
_OPEN_ENDPOINTS = frozenset({"auth.login", "static"})


def require_token_for(host: str, token: str | None) -> None:
    """Refuse to listen on a non-loopback ``host`` without a long enough access token.

    :param host: the address the server will bind.
    :param token: the configured access token, if any.
    :raises InputError: when the host is not loopback and the token is missing or short.
    """
    if is_loopback(host):
        return
    if not token:
        raise InputError(f"refusing to listen on {host} without an access token",
                         hint=f"set {TOKEN_ENV} (at least {MIN_TOKEN_LENGTH} characters) or dashboard_token in the "
                              "config, or keep the default --host 127.0.0.1")
    if len(token) < MIN_TOKEN_LENGTH:
        raise InputError(f"the dashboard access token must be at least {MIN_TOKEN_LENGTH} characters long")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is ``localhost`` or a loopback address (``127.0.0.0/8``, ``::1``)."""
    import ipaddress

    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def csrf_token() -> str:
    """The session's CSRF token, created on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else None


def _check_access() -> object | None:
    token = _app_token()
    if token is None or request.endpoint in _OPEN_ENDPOINTS:
        return None
    if _same(_bearer(), token) or _same(session.get("auth"), _token_mark(token)):
        return None
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "text/event-stream":
        abort(401, "an access token is required")
    return redirect(url_for("auth.login", next=request.full_path))


def _check_csrf() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    token = _app_token()
    if token is not None and _same(_bearer(), token):
        return  # a bearer token is never sent by a browser on its own, so no cross-site request can carry it
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token")
    if not _same(sent, session.get("csrf")):
        abort(400, "missing or wrong CSRF token; reload the page and try again")


def _app_token() -> str | None:
    from flask import current_app

    return current_app.config.get("ODIN_DASHBOARD_TOKEN") or None


def _token_mark(token: str) -> str:
    from flask import current_app

    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, token.encode(), "sha256").hexdigest()


def log_in(candidate: str) -> bool:
    """Remember in the session that this browser knows the access token; false when it does not."""
    token = _app_token()
    if token is None or not _same(candidate, token):
        return False
    session["auth"] = _token_mark(token)
    return True


def _set_headers(response):  # type: ignore[no-untyped-def]
    headers = response.headers
    headers.setdefault("Content-Security-Policy",
                       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_security(app: Flask) -> None:
    """Install the guards on ``app``: access check, CSRF check, headers, and ``csrf_token()`` in templates."""
    app.before_request(_check_access)
    app.before_request(_check_csrf)
    app.after_request(_set_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
