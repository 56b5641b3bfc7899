"""The jobs blueprint: the jobs page, a job's page, and the run / pause / resume actions (POST only)."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from dashboard.models import JobRow
from dashboard.readers import Readers

bp = Blueprint("jobs", __name__)
OUTCOMES = ("success", "failure", "none")


def readers() -> Readers:
    """The readers attached to the current app by :func:`dashboard.init_app`."""
    return current_app.extensions["odin_readers"]


def filter_rows(rows: list[JobRow], query: str, outcome: str) -> list[JobRow]:
    """The rows whose name, description or schedule contains ``query`` and whose last outcome is in the group
    ``outcome`` (``success``, ``failure`` or ``none``; empty for any)."""
    query = query.strip().lower()
    return [r for r in rows
            if (not query or query in f"{r.name} {r.description} {r.schedule}".lower())
            and (not outcome or r.group == outcome)]


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    """All jobs, with search and a filter by last outcome."""
    rows = readers().job_rows()
    query, outcome = request.args.get("q", ""), request.args.get("outcome", "")
    shown = filter_rows(rows, query, outcome if outcome in OUTCOMES else "")
    return render_template("jobs.html", rows=shown, total=len(rows), query=query, outcome=outcome,
                           outcomes=OUTCOMES, now=datetime.now(timezone.utc))


@bp.get("/jobs/<name>")
def job(name: str):  # type: ignore[no-untyped-def]
    """One job: config, schedule with next runs and warnings, charts, run history."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    source = readers()
    detail = source.job_detail(name)
    runs = source.run_page(name, page, current_app.config["RUNS_PER_PAGE"])
    durations, watches = source.charts(name)
    return render_template("job.html", job=detail, runs=runs, durations=durations, watches=watches,
                           now=datetime.now(timezone.utc))


def _act(name: str, action: str):  # type: ignore[no-untyped-def]
    clicked = int(time.time() * 1_000_000)
    message = getattr(readers(), action)(name)
    flash(message)
    if action == "run_now":
        return redirect(url_for("runs.live", name=name, since=clicked))
    return redirect(url_for("jobs.job", name=name))


@bp.post("/jobs/<name>/run")
def run_now(name: str):  # type: ignore[no-untyped-def]
    """Start the job now, then show it live."""
    return _act(name, "run_now")


@bp.post("/jobs/<name>/pause")
def pause(name: str):  # type: ignore[no-untyped-def]
    """Stop the job's timer; it stays stopped across reboots."""
    return _act(name, "pause")


@bp.post("/jobs/<name>/resume")
def resume(name: str):  # type: ignore[no-untyped-def]
    """Start the job's timer again."""
    return _act(name, "resume")
