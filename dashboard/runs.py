"""The runs blueprint: one run's output and records, and the live view of a job with its event stream."""
from __future__ import annotations

import time

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from dashboard.jobs import readers
from dashboard.live import follow

bp = Blueprint("runs", __name__)
#: How far back a ``since`` time may reach: only a run just started from this page is replayed.
MAX_REPLAY_SECONDS = 600


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
    since = request.args.get("since", type=int)
    return render_template("live.html", job=detail, stream=url_for("runs.events", name=name, since=since))


@bp.get("/jobs/<name>/live/events")
def events(name: str) -> Response:
    """Server-Sent Events following the job's journal entries: after the browser's last event when it
    reconnects, else from the start of the running run (or the ``since`` time of a Run now click), else from now."""
    source = readers()
    since = source.running_since(name)  # also a 404 for an unknown job, before the stream starts
    asked = request.args.get("since", type=int)
    if asked is not None and abs(time.time() - asked / 1e6) < MAX_REPLAY_SECONDS:
        since = asked if since is None else min(since, asked)
    stream = follow(name, since_us=since, journal_dir=current_app.config.get("ODIN_JOURNAL_DIR"),
                    after_cursor=request.headers.get("Last-Event-ID") or None,
                    heartbeat=current_app.config["LIVE_HEARTBEAT_SECONDS"])
    return Response(stream, mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
