"""The runs blueprint: one run's output and records, and the live view of a job with its event stream."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, url_for

from dashboard.jobs import readers
from dashboard.live import follow

bp = Blueprint("runs", __name__)


@bp.get("/jobs/<name>/runs/<run>")
def run(name: str, run: str):  # type: ignore[no-untyped-def]
    """One run: output lines, records in order, exit code, duration."""
    found = readers().run(name, run)
    if found is None:
        abort(404, f"job '{name}' has no run '{run}'")
    return render_template("run.html", name=name, run=found)


@bp.get("/jobs/<name>/live")
def live(name: str):  # type: ignore[no-untyped-def]
    """The live view: the running run's output and records as they happen."""
    detail = readers().job_detail(name)
    return render_template("live.html", job=detail, stream=url_for("runs.events", name=name))


@bp.get("/jobs/<name>/live/events")
def events(name: str) -> Response:
    """Server-Sent Events following the job's journal entries, from the start of the running run if any."""
    source = readers()
    source.job_detail(name)  # a 404 for an unknown job, before the stream starts
    since = source.running_since(name)
    stream = follow(name, since_us=since, journal_dir=current_app.config.get("ODIN_JOURNAL_DIR"))
    return Response(stream, mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
