"""The ``odin`` command: a Typer app whose commands live in ``odin.commands``, one module per area.

Every :class:`~odin.errors.OdinError` is caught here, once: its message goes to stderr and its exit
code becomes the process's; no traceback. Unexpected exceptions keep theirs.
"""
from __future__ import annotations

import sys

import typer

from odin import __version__
from odin.errors import OdinError

app = typer.Typer(
    name="odin",
    help="Odin: readable schedules compiled to systemd timers, with every run's logs and values kept.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.command()
def version() -> None:
    """Print Odin's version."""
    typer.echo(f"odin {__version__}")


def _print_version(wanted: bool) -> None:
    if wanted:
        version()
        raise typer.Exit()


@app.callback()
def _options(
    show_version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                      help="Print Odin's version and exit."),
) -> None:
    """Odin: readable schedules compiled to systemd timers, with every run's logs and values kept."""


def _register_commands() -> None:
    from odin.commands import REGISTRARS

    for register in REGISTRARS:
        register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``odin`` console script."""
    _register_commands()
    try:
        app(args=argv, prog_name="odin")
    except OdinError as err:
        typer.echo(f"odin: {err.render()}", err=True)
        sys.exit(err.exit_code)
