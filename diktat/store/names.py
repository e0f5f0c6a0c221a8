"""Names in the store: the one note-id scheme, parsed here only, and the file names of a note's
draft and approval (in a dictation session's folder, or in ``<notes>/<text id>/`` for a note
made from text).

A note id says where the note belongs without any lookup table, so approval works after a
restart: a note made from a dictation session has the session's id (``YYYYmmdd-HHMMSS-<6 hex>``),
a note made from free text has ``t-<16 hex>``. Every id from outside is parsed (`NoteId.parse`)
before it touches a path; the page is told each note's kind and never works it out itself.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from diktat.errors import InputError

APPROVED_JSON = "approved-note.json"
APPROVED_TEXT = "approved-note.txt"
DRAFT_JSON = "draft.json"

NoteKind = Literal["session", "text"]
_PATTERNS: dict[NoteKind, re.Pattern[str]] = {
    "session": re.compile(r"[0-9]{8}-[0-9]{6}-[0-9a-f]{6}"),
    "text": re.compile(r"t-[0-9a-f]{16}"),
}


@dataclass(frozen=True)
class NoteId:
    """A note's id: a dictation session's (`kind` "session") or a note made from text ("text")."""

    kind: NoteKind
    value: str

    def __post_init__(self) -> None:
        if not _PATTERNS[self.kind].fullmatch(self.value):
            raise InputError(f"{self.value!r} is not a {self.kind} note id")

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, raw: str) -> NoteId:
        """The id `raw` names; InputError for anything this store did not make."""
        found = cls.match(raw)
        if found is None:
            raise InputError(
                f"{raw!r} is not a note id made by this server (a dictation session's id "
                "YYYYmmdd-HHMMSS-xxxxxx, or t- and 16 hex digits for a note made from text)"
            )
        return found

    @classmethod
    def match(cls, raw: str) -> NoteId | None:
        """`parse` without the error: None for a name that is not a note id (a foreign folder)."""
        for kind, pattern in _PATTERNS.items():
            if pattern.fullmatch(raw):
                return cls(kind, raw)
        return None

    @classmethod
    def new_session(cls) -> NoteId:
        return cls("session", f"{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}")

    @classmethod
    def new_text(cls) -> NoteId:
        return cls("text", f"t-{secrets.token_hex(8)}")

    @property
    def is_session(self) -> bool:
        return self.kind == "session"
