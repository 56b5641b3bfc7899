"""The job commands: deploy, generate, list, describe, status, modify, remove, run, pause/resume, (un)link.

Each command converts its arguments, calls one :mod:`odin.service` function and prints the result: a table,
or JSON with ``--json``. Exit codes: 0 ok, 1 not found or the job failed, 2 bad input.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import typer

JSON_HELP = "Print JSON instead of a table."


def _service() -> Any:
    from odin.service import default_service

    return default_service()


def when(moment: datetime | None) -> str:
    """A moment in the machine's zone, to the second; ``-`` when there is none."""
    if moment is None:
        return "-"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Left-aligned columns two spaces apart."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in [headers, *rows]]
    return "\n".join(lines)


def status_json(status: Any) -> dict[str, Any]:
    return {
        "name": status.name,
        "state": str(status.state),
        "outcome": str(status.outcome),
        "exit_code": status.exit_code,
        "last_started": iso(status.last_started),
        "last_finished": iso(status.last_finished),
        "next_run": iso(status.next_run),
        "running_for_seconds": status.running_for.total_seconds() if status.running_for else None,
    }


def last_run_records(name: str) -> Any:
    """The job's last run from the journal with its records and result, or ``None``."""
    from odin import journal
    from odin.errors import JournalError

    try:
        return journal.last_run(name)
    except JournalError:
        return None


def last_run_lines(run: Any) -> list[tuple[str, str]]:
    """Label/value lines for a run's result message and records, as ``odin log`` prints records."""
    from odin.commands.log import format_record

    if run is None:
        return []
    lines = [("result", run.result)] if run.result else []
    if run.reason:
        lines.append(("reason", run.reason))
    return lines + [("record", format_record(record)) for record in run.records]


def _since(moment: datetime | None) -> str:
    return f" (since {when(moment)})" if moment is not None else ""


def _duration(span: timedelta | None) -> str:
    return "-" if span is None else f"{span.total_seconds():.0f} s"


def deploy_line(item: Any) -> str:
    """What ``odin deploy`` says about one job: its change and the unit names it installed."""
    extra = " (paused)" if item.paused else ""
    units = [Path(path).name for path in (item.service_path, item.timer_path) if path]
    return f"{item.name}: {item.change}{extra} {', '.join(units)}"


def register(app: typer.Typer) -> None:
    @app.command()
    def deploy(
        files: list[Path] = typer.Option(..., "-f", "--file",
                                         help="A job file, or a directory of them. Repeatable."),
    ) -> None:
        """Deploy jobs: validate all, copy their files, install and start their timers."""
        done = _service().deploy(files)
        for item in done:
            typer.echo(deploy_line(item))
        for item in done:
            for warning in item.warnings:
                typer.echo(f"{item.name}: warning: {warning}", err=True)

    @app.command()
    def generate(
        name: str = typer.Option(..., "--name", help="The job's name."),
        language: str = typer.Option("python3", "--language",
                                     help="python3, python, node, go, bash, sh or exec."),
        runs: str = typer.Option(..., "--runs", help='When it runs, e.g. "every day at 09:00".'),
        description: str = typer.Option(None, "--description", help="What the job does."),
        directory: Path = typer.Option(Path("."), "--dir", help="Where to write the files."),
        force: bool = typer.Option(False, "--force", help="Overwrite existing files."),
    ) -> None:
        """Write NAME.yml and a starter program that uses the in-job library."""
        from odin.service import generate as write_starters

        for path in write_starters(name, language, runs, description=description, directory=directory,
                                   force=force):
            typer.echo(f"wrote {path}")

    @app.command("list")
    def list_command(as_json: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
        """List deployed jobs: schedule, next and last run, last outcome, state."""
        jobs = _service().list_jobs()
        for job in jobs:
            if job.problem:
                typer.echo(f"odin: {job.problem}", err=True)
        if as_json:
            typer.echo(json.dumps([{**status_json(j.status), "runs": j.runs, "description": j.description}
                                   for j in jobs], indent=2))
            return
        if not jobs:
            typer.echo("no jobs deployed")
            return
        rows = [[j.name, j.runs or "-", when(j.status.next_run), when(j.status.last_started),
                 str(j.status.outcome), str(j.status.state)] for j in jobs]
        typer.echo(table(["NAME", "SCHEDULE", "NEXT RUN", "LAST RUN", "OUTCOME", "STATE"], rows))

    @app.command()
    def status(name: str, as_json: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
        """Show whether a job is active, paused or running, and how its last run ended."""
        result = _service().status(name)
        last = last_run_records(name)
        if as_json:
            typer.echo(json.dumps({**status_json(result), "last_run": last.to_json() if last else None},
                                  indent=2))
        else:
            exit_code = "-" if result.exit_code is None else str(result.exit_code)
            lines = [("job", name), ("state", str(result.state)), ("last outcome", str(result.outcome)),
                     ("exit code", exit_code), ("last run", when(result.last_started)),
                     ("finished", when(result.last_finished)), ("next run", when(result.next_run))]
            if result.running_for is not None:
                lines.append(("running for", _duration(result.running_for)))
            lines += last_run_lines(last)
            typer.echo("\n".join(f"{key:<13}{value}" for key, value in lines))
        if not result.ok:
            raise typer.Exit(1)

    @app.command()
    def describe(name: str, as_json: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
        """Show a job's configuration, OnCalendar lines, unit files, next 5 runs and last runs."""
        details = _service().describe(name)
        last = last_run_records(name)
        if as_json:
            typer.echo(json.dumps({**describe_json(details), "last_run": last.to_json() if last else None},
                                  indent=2))
        else:
            typer.echo(describe_text(details))
            typer.echo("\n".join(f"{key:<12}{value}" for key, value in last_run_lines(last)))

    @app.command()
    def modify(
        name: str,
        runs: str = typer.Option(None, "--runs", help="A new schedule."),
        description: str = typer.Option(None, "--description", help="A new description."),
        file: Path = typer.Option(None, "-f", "--file", help="A whole new job file for this job."),
    ) -> None:
        """Change a deployed job in place; its next run moves accordingly."""
        result = _service().modify(name, runs=runs, description=description, file=file)
        typer.echo(f"{result.name}: {result.change}")

    @app.command()
    def remove(
        name: str,
        force: bool = typer.Option(False, "--force", help="Stop a running instance rather than wait for it."),
        timeout: float = typer.Option(None, "--timeout", help="Stop waiting for a running run after S s."),
    ) -> None:
        """Stop and delete a job: its timer, its units, its job directory."""

        def waiting(since: datetime | None) -> None:
            limit = f" (at most {timeout:g} s)" if timeout is not None else ""
            typer.echo(f"{name} is running{_since(since)}: waiting for that run to end{limit} before removing"
                       f" it; odin remove {name} --force stops it instead", err=True)

        result = _service().remove(name, force=force, timeout=timeout, on_wait=waiting)
        for path in result.removed:
            typer.echo(f"removed {path}")
        for other in result.unlinked_from:
            typer.echo(f"unlinked from {other}")

    @app.command()
    def run(
        name: str,
        wait: bool = typer.Option(False, "--wait", help="Wait for the run to end; exit 1 when it failed."),
        timeout: float = typer.Option(None, "--timeout", help="With --wait: give up after S seconds."),
    ) -> None:
        """Start a job now; one already running is not started again (--wait waits for that run)."""

        def waiting(since: datetime | None) -> None:
            typer.echo(f"{name}: already running{_since(since)}; waiting for that run to end", err=True)

        result = _service().run(name, wait=wait, timeout=timeout, on_wait=waiting)
        if not result.waited:
            typer.echo(f"{name}: already running{_since(result.running_since)}" if result.already_running
                       else f"{name}: started")
            return
        last = result.last_run
        outcome = str(last.outcome) if last else "unknown"
        code = "" if last is None or last.exit_code is None else f" (exit code {last.exit_code})"
        typer.echo(f"{name}: {outcome}{code}")
        if last is None or last.outcome != "success":
            raise typer.Exit(1)

    @app.command()
    def pause(name: str) -> None:
        """Stop a job's timer; it stays paused across reboots."""
        typer.echo(f"{name}: {_service().pause(name).detail}")

    @app.command()
    def resume(name: str) -> None:
        """Restart a paused job's timer."""
        typer.echo(f"{name}: {_service().resume(name).detail}")

    @app.command()
    def link(
        first: str = typer.Argument(..., metavar="A"),
        then: str = typer.Argument(..., metavar="B"),
        on_failure: bool = typer.Option(False, "--on-failure", help="Run B when A fails instead."),
    ) -> None:
        """Run job B after each successful run of job A (or failed run, with --on-failure)."""
        typer.echo(_service().link(first, then, on_failure=on_failure).detail)

    @app.command()
    def unlink(first: str = typer.Argument(..., metavar="A"),
               then: str = typer.Argument(..., metavar="B")) -> None:
        """Stop running job B after job A."""
        typer.echo(_service().unlink(first, then).detail)


def describe_json(details: Any) -> dict[str, Any]:
    spec = details.spec
    return {
        "name": details.name,
        "description": spec.description,
        "source": details.record.source,
        "language": str(spec.language),
        "file": spec.file,
        "runs": spec.schedule.text,
        "explanation": spec.schedule.explanation,
        "timezone": spec.schedule.timezone,
        "oncalendar": list(spec.schedule.oncalendar),
        "user": details.record.user,
        "group": details.record.group,
        "env": dict(spec.env),
        "env_file": spec.env_file,
        "args": list(spec.args),
        "timeout": str(spec.timeout) if spec.timeout else None,
        "retries": {"count": spec.retries.count, "delay": str(spec.retries.delay)} if spec.retries else None,
        "catch_up": spec.catch_up,
        "jitter": str(spec.jitter) if spec.jitter else None,
        "accuracy": str(spec.accuracy),
        "on_success": list(details.record.on_success),
        "on_failure": list(details.record.on_failure),
        "linked_from": [{"job": job, "on": on} for job, on in details.linked_from],
        "units": {"service": details.service_path, "timer": details.timer_path},
        "job_dir": details.job_dir,
        "next_runs": [iso(moment) for moment in details.next_runs],
        "status": status_json(details.status),
        "last_runs": [{"outcome": str(r.outcome), "exit_code": r.exit_code, "started": iso(r.started),
                       "finished": iso(r.finished), "invocation_id": r.invocation_id}
                      for r in details.last_runs],
    }


def describe_text(details: Any) -> str:
    data = describe_json(details)
    lines = [
        ("job", f"{data['name']}: {data['description']}"),
        ("source", data["source"]),
        ("program", f"{data['language']} {data['file']}" + "".join(f" {a}" for a in data["args"])),
        ("runs", f"{data['runs']}  ({data['explanation']})"),
        *(("OnCalendar", line) for line in data["oncalendar"] or ["(none: runs only by hand or by a link)"]),
        ("user", data["user"] + (f":{data['group']}" if data["group"] else "")),
    ]
    options = [(key, data[key]) for key in ("timeout", "jitter", "env_file") if data[key]]
    options.append(("accuracy", data["accuracy"]))
    options.append(("catch up", "yes" if data["catch_up"] else "no"))
    if data["retries"]:
        options.append(("retries", f"{data['retries']['count']} x, {data['retries']['delay']} apart"))
    options += [("env", f"{key}={value}") for key, value in data["env"].items()]
    options += [("then", f"{job} on success") for job in data["on_success"]]
    options += [("then", f"{job} on failure") for job in data["on_failure"]]
    options += [("after", f"{item['job']} on {item['on']}") for item in data["linked_from"]]
    status = details.status
    lines += options + [
        ("service", data["units"]["service"]),
        ("timer", data["units"]["timer"] or "-"),
        ("job dir", data["job_dir"]),
        ("state", str(status.state)),
        *(("next run", when(moment)) for moment in details.next_runs),
    ]
    for run in details.last_runs:
        code = "" if run.exit_code is None else f", exit code {run.exit_code}"
        lines.append(("last run", f"{when(run.started)}: {run.outcome}{code}"))
    if not details.last_runs:
        lines.append(("last run", "never"))
    return "\n".join(f"{key:<12}{value}" for key, value in lines)
