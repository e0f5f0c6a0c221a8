"""Shared CLI plumbing: settings from flags, and DiktatError → clear message + exit code."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console

from diktat.config import Settings
from diktat.errors import ConfigError, DiktatError
from diktat.store.keys import KeyCreated

err_console = Console(stderr=True)
out_console = Console()

F = TypeVar("F", bound=Callable)


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
