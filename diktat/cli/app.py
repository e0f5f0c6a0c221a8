"""Root typer app; command groups register themselves here."""

from __future__ import annotations

import typer

from diktat import __version__

app = typer.Typer(
    name="diktat",
    help="Local Norwegian speech-to-text for nurses' dictation. Nothing leaves this machine.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"diktat {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """diktat: local, closed speech-to-text for Norwegian clinical dictation."""
