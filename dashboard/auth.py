"""The login page a browser uses to present the dashboard's access token once per session."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from dashboard.security import log_in

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    """Ask for the access token; on success, go back where the browser was heading."""
    target = request.values.get("next") or url_for("jobs.index")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("jobs.index")  # only ever redirect within the dashboard
    if current_app.config.get("ODIN_DASHBOARD_TOKEN") is None:
        return redirect(target)
    error = None
    if request.method == "POST":
        if log_in(request.form.get("token", "")):
            return redirect(target)
        error = "That is not the dashboard's access token."
    return render_template("login.html", next=target, error=error), 401 if error else 200
