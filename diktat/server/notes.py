"""Journal notes in the server: structure a transcript with the one shared backend, and store
the note a nurse approved.

Note ids say where a note belongs without any lookup table, so approval works after a restart:
a note made from a dictation session has the session's id (its approval is written into that
session folder), a note from free text has the id ``t-<16 hex>`` (written to
``<notes dir>/<id>/``). Both forms are checked against a strict pattern before they touch a
path (`note_folder`). Approved notes and drafts (`server/drafts.py`) are journal material:
folders 0700, files 0600. A note made again keeps its id, so approving it again replaces the
earlier approval.
"""

from __future__ import annotations

import errno
import json
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path

from diktat.errors import InputError, OutputError
from diktat.fileio import private_dir, write_atomic
from diktat.note_files import APPROVED_JSON, APPROVED_TEXT, TEXT_NOTE_ID
from diktat.structuring.lexicon import Lexicon
from diktat.structuring.note import JournalNote
from diktat.structuring.options import LlmOptions
from diktat.structuring.pipeline import Backend, Structurer, load_backend, structure
from diktat.stt.streaming.journal import SESSION_ID
from diktat.types import Transcript


def note_folder(note_id: str, sessions: Path, notes: Path) -> Path:
    """The folder of a note's files: its dictation session's, or ``<notes>/<id>`` for a note
    made from text. InputError for an id this server did not make or a session it lacks."""
    if SESSION_ID.fullmatch(note_id):
        folder = sessions / note_id
        if not folder.is_dir():
            raise InputError(f"no dictation session {note_id!r} on this server")
        return folder
    if TEXT_NOTE_ID.fullmatch(note_id):
        return notes / note_id
    raise InputError(f"{note_id!r} is not a note id made by this server")


def load_structurer(backend: Backend, llm: LlmOptions, lexicon: Lexicon) -> Structurer:
    """The backend, loaded once for every request ('auto': the rules when the LLM is missing)."""
    return load_backend(backend, lexicon, llm)


class NoteService:
    """Structuring (one call at a time: an LLM backend is not thread-safe) and approval."""

    def __init__(self, structurer: Structurer, lexicon: Lexicon, sessions: Path, notes: Path):
        self.structurer = structurer
        self.lexicon = lexicon
        self.sessions = Path(sessions)
        self.notes = Path(notes)
        self._lock = threading.Lock()

    @property
    def backend(self) -> str:
        return self.structurer.name

    def structure(self, transcript: Transcript | str) -> JournalNote:
        with self._lock:
            return structure(transcript, structurer=self.structurer, lexicon=self.lexicon)

    def session_transcript(self, session_id: str) -> Transcript | None:
        """The finished transcript of a dictation session, if there is one."""
        from diktat.types import read_transcript_json

        if not SESSION_ID.fullmatch(session_id):
            return None
        path = self.sessions / session_id / "transcript.json"
        try:
            return read_transcript_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def note_id_for(self, session_id: str | None) -> str:
        """The session's own id when that session exists, else a new free-text note id."""
        session = session_id and SESSION_ID.fullmatch(session_id)
        if session and (self.sessions / session_id).is_dir():
            return session_id
        return f"t-{secrets.token_hex(8)}"

    def approve(self, note_id: str, note: dict, text: str) -> str:
        """Store the approved note (JSON as edited, and the EPJ text); returns the time."""
        folder = note_folder(note_id, self.sessions, self.notes)
        doc = {"approved_at": datetime.now(UTC).isoformat(timespec="seconds"), "note": note}
        private_note_dir(folder)
        write_private(folder / APPROVED_JSON, json.dumps(doc, ensure_ascii=False, indent=2))
        write_private(folder / APPROVED_TEXT, text.rstrip("\n") + "\n")
        return doc["approved_at"]


class StoreFull(OutputError):
    """The store's disk is full, over quota or read-only: nothing can be kept until it is not."""


_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


def private_note_dir(path: Path) -> None:
    try:
        private_dir(path.parent)
        private_dir(path)
    except OSError as exc:
        raise store_error(f"cannot create {path}", exc) from None


def write_private(path: Path, text: str) -> None:
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise store_error(f"cannot write {path}", exc) from None


def store_error(what: str, exc: OSError) -> OutputError:
    return (StoreFull if exc.errno in _FULL else OutputError)(f"{what}: {exc.strerror}")
