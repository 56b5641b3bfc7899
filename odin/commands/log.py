"""``odin log``: a job's recent runs, one run's output and records, or a live follow of the running one."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from odin.errors import InputError, OdinError

if TYPE_CHECKING:  # the run model loads only when a log is shown, to keep every command's start-up short
    from odin.runs import OutputLine, Record, RunRecord

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def register(app: typer.Typer) -> None:
    @app.command("log")
    def log_command(
        name: Annotated[str, typer.Argument(help="The job's name.")],
        runs: Annotated[int, typer.Option("--runs", min=1, help="How many recent runs to list.")] = 10,
        run: Annotated[str | None, typer.Option("--run", help="Show one run (its ID or a unique prefix).")] = None,
        follow: Annotated[bool, typer.Option(
            "-f", "--follow", help="Follow the running (or next) run live; with --run, that run.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Show a job's recent runs, one run's output and records, or follow a run as it happens."""
        from odin import journal

        if run is not None and not run.strip():
            raise InputError("empty run ID", hint=f"odin log {name} lists the runs with their IDs")
        if follow:
            raise typer.Exit(follow_run(name, as_json, run))
        if run is not None:
            typer.echo(_show(name, _find(name, run), as_json))
            return
        recent = journal.runs(name, runs)
        if not recent:
            _check_known(name)
        typer.echo(json.dumps({"job": name, "runs": [r.to_json() for r in recent]}) if as_json
                   else format_runs(name, recent))


def _check_known(name: str) -> None:
    """Fail unless job ``name`` is deployed or has runs in the journal (a removed job's runs still show).

    :raises OdinError: naming the job, when it is neither.
    """
    from odin import journal
    from odin.settings import load_settings
    from odin.jobdir import META_DIR, STATE_FILE

    deployed = (load_settings().jobs_dir / name / META_DIR / STATE_FILE).exists()
    if deployed or journal.runs(name, 1, records=False):
        return
    raise OdinError(f"no job named '{name}': it is not deployed and has no runs in the journal")


def _find(name: str, run_id: str) -> RunRecord:
    """One run of the job, with its output.

    :raises OdinError: when the journal holds no such run (or no such job).
    """
    from odin import journal

    found = journal.run(name, run_id)
    if found is None:
        _check_known(name)
        raise OdinError(f"no run '{run_id}' of job '{name}' in the journal")
    return found


def _show(name: str, run: RunRecord, as_json: bool) -> str:
    return json.dumps({"job": name, "runs": [run.to_json()]}) if as_json else format_run(run)


def _local(moment: datetime | None) -> str:
    return moment.astimezone().strftime(TIME_FORMAT) if moment else "-"


def _duration(run: RunRecord) -> str:
    return f"{run.duration_s:.3f} s" if run.duration_s is not None else "-"


def format_runs(job: str, runs: list[RunRecord]) -> str:
    """The table of recent runs, newest first."""
    if not runs:
        return f"no runs of '{job}' in the journal"
    rows = [("RUN", "START", "DURATION", "OUTCOME", "RESULT")]
    for run in runs:
        rows.append((run.run[:12], _local(run.start), _duration(run), str(run.outcome),
                     _one_line(run.result or run.reason or "")))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths)) + "  " + row[4]
                     for row in rows).rstrip()


def _one_line(text: str, width: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"


def format_record(record: Record) -> str:
    """A record as one readable line."""
    value = json.dumps(record.value, ensure_ascii=False)
    if record.kind == "result":
        return f"[result] {'success' if record.success else 'failure'}: {record.value}"
    if record.kind == "condition":
        return f"[condition] {record.name}: {value}"
    return f"[watch] {record.name} = {value}"


def format_ending(run: RunRecord) -> str:
    """One line: the run, how it ended, after how long and why."""
    ended = {"success": "succeeded", "failure": "failed", "running": "running"}[str(run.outcome)]
    how = f"exit code {run.exit_code}" if run.exit_code is not None else \
        (f"killed by {run.signal}" if run.signal else "")
    after = f" after {_duration(run)}" if run.duration_s is not None else ""
    return f"run {run.run} of {run.job}: {ended}{after}" + (f" ({how})" if how else "")


def format_run(run: RunRecord) -> str:
    """One run: how it ended, then its output lines and records in time order."""
    head = [format_ending(run), f"started {_local(run.start)}, ended {_local(run.end)}"]
    if run.result is not None:
        head.append(f"result: {run.result}")
    if run.reason:
        head.append(f"reason: {run.reason}")
    head += [f"warning: {w}" for w in run.warnings]
    items: list[tuple[datetime, str]] = [(line.time, line.text) for line in run.output]
    items += [(record.time, format_record(record)) for record in run.records]
    items.sort(key=lambda item: item[0])
    return "\n".join(head + ([""] + [_timed(moment, text) for moment, text in items] if items else []))


def _timed(moment: datetime, text: str) -> str:
    return f"{moment.astimezone().strftime('%H:%M:%S.%f')[:-3]}  {text}"


def follow_run(job: str, as_json: bool, run: str | None = None) -> int:
    """Print the running run (or the next one) as it happens, until its summary; its outcome is the exit code.

    With ``run`` (an ID or a unique prefix), follow that run while it runs, or print it when it has ended.
    """
    from odin import journal
    from odin.records import format_time
    from odin.runs import Record, RunOutcome, RunRecord

    if run is not None:
        chosen = _find(job, run)
        if chosen.outcome is not RunOutcome.RUNNING:
            typer.echo(_show(job, chosen, as_json))
            return 0 if chosen.outcome is RunOutcome.SUCCESS else 1
        run_id = chosen.run
    elif (last := journal.last_run(job)) is not None and last.outcome is RunOutcome.RUNNING:
        run_id = last.run
    else:
        if last is None:
            _check_known(job)
        typer.echo(f"waiting for the next run of '{job}'...", err=True)
        start = next(journal.follow_entries([f"ODIN_JOB={job}", "ODIN_KIND=start"]))
        run_id = start["ODIN_RUN"]
    outcome = RunOutcome.RUNNING
    for item in _run_items(job, run_id):
        if isinstance(item, RunRecord):
            outcome = item.outcome
            ending = format_ending(item) + "".join(f"; {t}" for t in (item.result, item.reason) if t)
            typer.echo(json.dumps({"kind": "summary", **item.to_json()}) if as_json else ending)
            break
        if as_json:
            typer.echo(json.dumps(item.to_json() if isinstance(item, Record) else
                                  {"kind": "output", "text": item.text, "time": format_time(item.time)}))
        else:
            typer.echo(_timed(item.time, format_record(item) if isinstance(item, Record) else item.text))
    return 0 if outcome is RunOutcome.SUCCESS else 1


def _run_items(job: str, run_id: str) -> Iterator[Record | OutputLine | RunRecord]:
    """The run's output lines and records as they come, then the finished run (from its summary, or from
    systemd's report of the unit's end when the wrapper could not write one)."""
    from odin import journal
    from odin.runs import MESSAGE_UNIT_FAILURE, MESSAGE_UNIT_SUCCESS, build_runs, output_line, records_of

    matches = [f"ODIN_RUN={run_id}", "+", f"_SYSTEMD_INVOCATION_ID={run_id}", "+", f"INVOCATION_ID={run_id}"]
    start: dict[str, str] | None = None
    for entry in journal.follow_entries(matches, from_start=True):
        kind = entry.get("ODIN_KIND")
        if kind == "start":
            start = entry
        elif kind in ("watch", "condition", "result"):
            yield from (record for _, record in records_of(entry))
        elif kind == "summary" or entry.get("MESSAGE_ID") in (MESSAGE_UNIT_SUCCESS, MESSAGE_UNIT_FAILURE):
            found = build_runs(job, [e for e in (start, entry) if e is not None])
            if found:
                yield found[0]
                return
        elif kind is None and entry.get("_SYSTEMD_INVOCATION_ID") == run_id:
            yield output_line(entry)
