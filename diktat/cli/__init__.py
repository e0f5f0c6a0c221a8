"""The `diktat` command line: thin typer wrappers over plain functions (one module per group)."""

from diktat.cli import demo as _demo  # noqa: F401  (registers the command)
from diktat.cli import dictate as _dictate  # noqa: F401  (registers the command)
from diktat.cli import eval as _eval  # noqa: F401  (registers the group)
from diktat.cli import eval_corpus as _eval_corpus  # noqa: F401
from diktat.cli import keys as _keys  # noqa: F401  (registers the group)
from diktat.cli import models as _models  # noqa: F401  (registers the group)
from diktat.cli import serve as _serve  # noqa: F401  (registers the command)
from diktat.cli import store as _store  # noqa: F401  (registers the group)
from diktat.cli import structure as _structure  # noqa: F401
from diktat.cli import transcribe as _transcribe  # noqa: F401  (registers the command)
from diktat.cli.app import app

__all__ = ["app"]
