"""The JSON API behind every page, for scripts: jobs, a job, its runs, one run, its chart series, and actions.

Errors are ``{"error": message}`` with a status code. Actions are POST and need the CSRF token from
``GET /api/csrf`` (header ``X-CSRF-Token``) unless the request carries the access token as a bearer token.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request

from dashboard.jobs import OUTCOMES, filter_rows, readers
from dashboard.security import csrf_token

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/jobs")
def jobs():  # type: ignore[no-untyped-def]
    """``{"jobs": [...]}``, filtered by ``?q=`` and ``?outcome=`` like the jobs page."""
    outcome = request.args.get("outcome", "")
    rows = filter_rows(readers().job_rows(), request.args.get("q", ""), outcome if outcome in OUTCOMES else "")
    return jsonify(jobs=[r.to_json() for r in rows])


@bp.get("/jobs/<name>")
def job(name: str):  # type: ignore[no-untyped-def]
    """The job's config, schedule, next runs and warnings."""
    return jsonify(readers().job_detail(name).to_json())


@bp.get("/jobs/<name>/runs")
def runs(name: str):  # type: ignore[no-untyped-def]
    """A page of runs, newest first: ``?page=`` (from 1) and ``?per_page=`` (at most 500)."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    per_page = min(max(request.args.get("per_page", current_app.config["RUNS_PER_PAGE"], type=int) or 1, 1), 500)
    source = readers()
    source.job_detail(name)
    return jsonify({"job": name, **source.run_page(name, page, per_page).to_json()})


@bp.get("/jobs/<name>/runs/<run>")
def run(name: str, run: str):  # type: ignore[no-untyped-def]
    """One run with its records and output, in the ``odin log --json`` shape."""
    found = readers().run(name, run)
    if found is None:
        abort(404, f"job '{name}' has no run '{run}'")
    return jsonify({"job": name, "runs": [found.to_json()]})


@bp.get("/jobs/<name>/charts")
def charts(name: str):  # type: ignore[no-untyped-def]
    """The job page's chart series: durations and each numeric watched value, ``[ms, value]`` points."""
    durations, watches = readers().charts(name)
    return jsonify(job=name, durations=durations.to_json(), watches=[w.to_json() for w in watches])


@bp.get("/csrf")
def csrf():  # type: ignore[no-untyped-def]
    """A CSRF token for this session's POST requests."""
    return jsonify(csrf_token=csrf_token())


@bp.post("/jobs/<name>/<any(run, pause, resume):action>")
def act(name: str, action: str):  # type: ignore[no-untyped-def]
    """Run the job now, pause or resume it."""
    method = {"run": "run_now", "pause": "pause", "resume": "resume"}[action]
    return jsonify(job=name, action=action, message=getattr(readers(), method)(name))
