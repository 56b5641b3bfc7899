"""Odin's web dashboard: a Flask app factory with one blueprint per area (jobs, runs, JSON API).

Usage::

    from dashboard import create_app
    app = create_app({"ODIN_JOURNAL_DIR": None, "ODIN_DASHBOARD_TOKEN": None})

It keeps no database: every page reads systemd (D-Bus), the journal and the Pushgateway through the same service
functions as the ``odin`` command. Nothing runs at import time.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from odin.errors import JobNotFound, OdinError


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """A configured dashboard app.

    Known settings: ``ODIN_DASHBOARD_TOKEN`` (access token; default from the environment),
    ``ODIN_JOURNAL_DIR`` (read this journal directory instead of the system journal), ``SECRET_KEY`` (signs
    sessions; random per process by default), ``RUNS_PER_PAGE``, ``LIVE_HEARTBEAT_SECONDS`` (how often the
    live stream checks that the browser is still there), ``ODIN_BUS_ADDRESS`` (the system bus to use).

    :param config: settings that override the defaults and the environment.
    """
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),
        ODIN_DASHBOARD_TOKEN=os.environ.get("ODIN_DASHBOARD_TOKEN") or None,
        ODIN_JOURNAL_DIR=os.environ.get("ODIN_JOURNAL_DIR") or None,
        RUNS_PER_PAGE=25,
        LIVE_HEARTBEAT_SECONDS=5.0,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        JSON_SORT_KEYS=False,
    )
    if config:
        app.config.update(config)
    init_app(app)
    return app


def init_app(app: Flask) -> None:
    """Attach the readers, guards, blueprints, template helpers and error handlers to ``app``."""
    from dashboard import api, auth, formatting, jobs, runs
    from dashboard.readers import Readers
    from dashboard.security import init_security

    app.extensions["odin_readers"] = Readers.from_config(app.config)
    init_security(app)
    formatting.init_filters(app)
    for blueprint in (auth.bp, jobs.bp, runs.bp, api.bp):
        app.register_blueprint(blueprint)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OdinError, _odin_error)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _http_error(err: HTTPException):  # type: ignore[no-untyped-def]
    if _wants_json():
        return jsonify(error=err.description), err.code
    return render_template("error.html", code=err.code, message=err.description), err.code


def _odin_error(err: OdinError):  # type: ignore[no-untyped-def]
    code = 404 if isinstance(err, JobNotFound) else 400 if err.exit_code == 2 else 502
    if _wants_json():
        return jsonify(error=err.message), code
    return render_template("error.html", code=code, message=err.message), code
