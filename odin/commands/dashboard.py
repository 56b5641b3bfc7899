"""The ``odin dashboard`` command: serve the web dashboard (Flask is imported only when it runs)."""
from __future__ import annotations

import os

import typer


def serve(host: str, port: int, token: str | None) -> None:
    """Check the access rule for ``host``, then serve the dashboard until interrupted.

    :raises InputError: when ``host`` is not loopback and no access token is set.
    """
    from werkzeug.serving import run_simple

    from dashboard import create_app
    from dashboard.security import require_token_for

    require_token_for(host, token)
    app = create_app({"ODIN_DASHBOARD_TOKEN": token})
    typer.echo(f"odin dashboard on http://{host}:{port}/" + (" (access token required)" if token else ""))
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


def register(app: typer.Typer) -> None:
    @app.command()
    def dashboard(
        host: str = typer.Option("127.0.0.1", help="Address to listen on; anything but loopback needs a token."),
        port: int = typer.Option(8080, min=1, max=65535, help="Port to listen on."),
    ) -> None:
        """Serve the web dashboard: jobs, runs, charts and a live view."""
        serve(host, port, _token())


def _token() -> str | None:
    """The access token: ``ODIN_DASHBOARD_TOKEN``, else ``dashboard_token`` in Odin's settings; no default."""
    from dashboard.security import TOKEN_ENV
    from odin.settings import load_settings

    return os.environ.get(TOKEN_ENV) or getattr(load_settings(), "dashboard_token", None) or None
