"""Reading a user's UTF-8 text file with one specific error per failure."""

from __future__ import annotations

from pathlib import Path

from diktat.errors import InputError


def read_utf8(path: Path, *, what: str = "", hint: str = "") -> str:
    """The file's text; ``InputError`` naming ``what`` and ``path`` when it cannot be read.
    ``hint`` is appended to the not-UTF-8 message (e.g. how to fix it)."""
    name = f"{what} {path}" if what else str(path)
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text{hint}") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror})") from None
