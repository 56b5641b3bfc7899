"""The dashboard's readers: the service's read functions and actions, turned into the view models pages show.

:class:`Readers` is built from the app's config by :func:`dashboard.init_app` and does no I/O until asked.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dashboard.models import JobDetail, JobRow, RunPage, RunView, Series


@dataclass(frozen=True, slots=True)
class Readers:
    """Where the dashboard reads from: the journal directory (``None`` for the local journal)."""

    journal_dir: str | None = None
    sparkline_runs: int = 20
    chart_runs: int = 200

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> Readers:
        journal_dir = config.get("ODIN_JOURNAL_DIR")
        return cls(journal_dir=str(journal_dir) if journal_dir else None)

    def job_rows(self) -> list[JobRow]:
        raise NotImplementedError

    def job_detail(self, name: str) -> JobDetail:
        raise NotImplementedError

    def run_page(self, name: str, page: int, per_page: int) -> RunPage:
        raise NotImplementedError

    def run(self, name: str, run_id: str) -> RunView | None:
        raise NotImplementedError

    def charts(self, name: str) -> tuple[Series, list[Series]]:
        raise NotImplementedError

    def running_since(self, name: str) -> int | None:
        raise NotImplementedError

    def run_now(self, name: str) -> str:
        raise NotImplementedError

    def pause(self, name: str) -> str:
        raise NotImplementedError

    def resume(self, name: str) -> str:
        raise NotImplementedError
