"""Shared CLI plumbing: settings from flags, and DiktatError → clear message + exit code."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console

from diktat.errors import DiktatError

err_console = Console(stderr=True)
out_console = Console()

F = TypeVar("F", bound=Callable)


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
