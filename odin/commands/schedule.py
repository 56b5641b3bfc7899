"""``odin schedule``: explain and preview a schedule string."""
from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("schedule")
    def schedule_command(text: str) -> None:
        """Explain a schedule and show its next runs."""
        raise NotImplementedError
