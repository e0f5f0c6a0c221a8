"""Bounds on the JSON documents the store keeps (drafts, approved notes): nesting depth and
size, checked before a document replaces anything.

A document deeper than `MAX_DEPTH` could be written but not read back (pydantic's JSON parser
stops at 200 levels), and would have replaced a good draft; one larger than `MAX_BYTES` has no
place in a nurse's note. Both are refused as `DocumentRejected` (the server answers 413 or
422); the check is an iterative scan, so a deep document cannot exhaust the stack here.
"""

from __future__ import annotations

from typing import Any

from diktat.errors import InputError

# A structured note is about 6 levels deep (note → section → item → field → list → value).
MAX_DEPTH = 32
MAX_BYTES = 2 * 1024 * 1024  # as stored (JSON, UTF-8)

TOO_DEEP = (f"Dokumentet er nestet for dypt (over {MAX_DEPTH} nivåer) og ble ikke lagret; det "
            "som var lagret fra før, er uendret. / The document is nested more than "
            f"{MAX_DEPTH} levels deep and was not stored; what was stored before is unchanged.")
TOO_LARGE = (f"Dokumentet er større enn {MAX_BYTES // (1024 * 1024)} MB og ble ikke lagret; det "
             "som var lagret fra før, er uendret. / The document is larger than "
             f"{MAX_BYTES // (1024 * 1024)} MB and was not stored; what was stored before is "
             "unchanged.")


class DocumentRejected(InputError):
    """A document over the depth or size bound: refused before anything was replaced."""

    def __init__(self, message: str, *, too_large: bool) -> None:
        super().__init__(message)
        self.too_large = too_large


def depth(value: Any) -> int:
    """The nesting depth of a JSON value (a scalar is 0, `[]` and `{}` are 1)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list | tuple):
            continue
        level += 1
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest  # no need to walk the rest
        stack.extend((child, level) for child in item)
    return deepest


def check_value(value: Any) -> Any:
    """`value` unchanged, or DocumentRejected when it is nested deeper than MAX_DEPTH."""
    if depth(value) > MAX_DEPTH:
        raise DocumentRejected(TOO_DEEP, too_large=False)
    return value


def check_text(text: str) -> str:
    """A serialized document unchanged, or DocumentRejected when it is over MAX_BYTES."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8")) > MAX_BYTES:
        raise DocumentRejected(TOO_LARGE, too_large=True)
    return text
