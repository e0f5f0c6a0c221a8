"""Shared CLI plumbing: settings from flags, DiktatError → clear message + exit code, and what
the store's commands share (the --sessions-dir option, plain output, the actor they audit as)."""

from __future__ import annotations

import functools
import getpass
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from diktat.config import Settings, load_settings
from diktat.errors import ConfigError, DiktatError
from diktat.store.keys import KeyCreated

err_console = Console(stderr=True)
out_console = Console()

F = TypeVar("F", bound=Callable)

SessionsDir = Annotated[
    Path | None,
    typer.Option("--sessions-dir", help="Session store (default: settings' sessions_dir)."),
]


def store_settings(sessions_dir: Path | None) -> Settings:
    """The settings, with the store moved by --sessions-dir when given."""
    return with_options(load_settings(), sessions_dir=sessions_dir)


def say(text: str) -> None:
    """A line on stdout as it is (no markup, no highlighting, no wrapping)."""
    out_console.print(text, markup=False, highlight=False, soft_wrap=True)


def cli_actor() -> str:
    """The audit log's actor for a store command: the operating-system user who ran it."""
    return f"cli:{getpass.getuser()}"


def with_options(settings: Settings, section: str | None = None, flags: dict | None = None,
                 **top) -> Settings:
    """`settings` with the command line's options laid on top — `flags` into `section`, `top`
    at the top level, None meaning "not given" — and validated again (ConfigError)."""
    data = settings.model_dump()
    if section is not None:
        data[section] |= {k: v for k, v in (flags or {}).items() if v is not None}
    data |= {k: v for k, v in top.items() if v is not None}
    try:
        return Settings.model_validate(data)
    except ValueError as exc:
        raise ConfigError(f"invalid option: {exc}") from None


def user_errors(func: F) -> F:
    """Turn a DiktatError into a one-line message on stderr and its exit code (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except DiktatError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


def announce_new_key(created: KeyCreated) -> None:
    """Say where a new store key was made: it must be backed up, apart from the store."""
    err_console.print(
        f"Ny hovednøkkel for journallageret er laget: {created.path}. Ta sikkerhetskopi av den, "
        "adskilt fra lageret: uten nøkkelen kan ingenting i lageret leses. / A new master key "
        f"for the journal store was made: {created.path}. Back it up apart from the store.",
        highlight=False, soft_wrap=True,
    )
