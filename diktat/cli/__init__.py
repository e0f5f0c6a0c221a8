"""The `diktat` command line: thin typer wrappers over plain functions (one module per group)."""

from diktat.cli.app import app

__all__ = ["app"]
