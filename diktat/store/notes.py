"""Approved notes in the store, and the folder each note's files live in.

A note made from a dictation session has the session's id and its approval is written into that
session folder; a note from free text has a text id (`NoteId`) and its files live in
``<notes dir>/<id>/``. Ids are parsed (`NoteId.parse`) before they touch a path. Approved notes
and drafts (`store/drafts.py`) are journal material: folders 0700, files 0600. A note made again
keeps its id, so approving it again replaces the earlier approval.
"""

from __future__ import annotations

import errno
import json
from datetime import UTC, datetime
from pathlib import Path

from diktat.errors import InputError, OutputError
from diktat.store.fileio import private_dir, write_atomic
from diktat.store.names import APPROVED_JSON, APPROVED_TEXT, NoteId
from diktat.store.sessions import TRANSCRIPT_JSON
from diktat.types import Transcript


def note_folder(note_id: NoteId, sessions: Path, notes: Path) -> Path:
    """The folder of a note's files: its dictation session's, or ``<notes>/<id>`` for a note
    made from text. InputError for a session this store lacks."""
    if note_id.is_session:
        folder = sessions / note_id.value
        if not folder.is_dir():
            raise InputError(f"no dictation session {note_id.value!r} on this server")
        return folder
    return notes / note_id.value


class NoteStore:
    """The notes under a session store and a text-note store: ids and approvals."""

    def __init__(self, sessions: Path, notes: Path):
        self.sessions = Path(sessions)
        self.notes = Path(notes)

    def session_transcript(self, session_id: str) -> Transcript | None:
        """The finished transcript of a dictation session, if there is one."""
        from diktat.types import read_transcript_json

        named = NoteId.match(session_id)
        if named is None or not named.is_session:
            return None
        path = self.sessions / named.value / TRANSCRIPT_JSON
        try:
            return read_transcript_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def note_id_for(self, session_id: str | None) -> NoteId:
        """The session's own id when that session exists, else a new text note id."""
        named = NoteId.match(session_id) if session_id else None
        if named is not None and named.is_session and (self.sessions / named.value).is_dir():
            return named
        return NoteId.new_text()

    def approve(self, note_id: NoteId, note: dict, text: str) -> str:
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
