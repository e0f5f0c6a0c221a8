"""Approved notes in the store, and the folder each note's files live in.

A note made from a dictation session has the session's id and its approval is written into that
session folder; a note from free text has a text id (`NoteId`) and its files live in
``<notes dir>/<id>/``. Ids are parsed (`NoteId.parse`) before they touch a path. Approved notes
and drafts (`store/drafts.py`) are journal material: folders 0700, files 0600. A note made again
keeps its id, so approving it again replaces the earlier approval. Every file is sealed
(`diktat.store.sealed`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from diktat.errors import InputError, OutputError
from diktat.store.audit import AuditLog
from diktat.store.documents import check_text, check_value
from diktat.store.fileio import (
    PART_SUFFIX,
    StoreFull,
    fsync_dir,
    private_dir,
    store_error,
)
from diktat.store.names import APPROVED_JSON, APPROVED_TEXT, NoteId
from diktat.store.sealed import Keyring, read_file, write_document
from diktat.store.sessions import TRANSCRIPT_JSON, SessionStore
from diktat.types import Transcript

if TYPE_CHECKING:
    from diktat.store.drafts import DraftStore

__all__ = ["NoteStore", "StoreFull", "note_folder", "private_note_dir", "store_error",
           "write_private"]
log = logging.getLogger(__name__)


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

    def __init__(self, sessions: Path, notes: Path, keys: Keyring):
        self.sessions = Path(sessions)
        self.notes = Path(notes)
        self.keys = keys

    def session_transcript(self, session_id: str) -> Transcript | None:
        """The finished transcript of a dictation session, if there is one."""
        from diktat.types import read_transcript_json

        named = NoteId.match(session_id)
        if named is None or not named.is_session:
            return None
        path = self.sessions / named.value / TRANSCRIPT_JSON
        try:
            return read_transcript_json(read_file(self.keys, path).decode("utf-8"))
        except (OSError, OutputError, ValueError):
            return None

    def note_id_for(self, session_id: str | None) -> NoteId:
        """The session's own id when that session exists, else a new text note id."""
        named = NoteId.match(session_id) if session_id else None
        if named is not None and named.is_session and (self.sessions / named.value).is_dir():
            return named
        return NoteId.new_text()

    def owner(self, note_id: NoteId, drafts: DraftStore) -> tuple[str, list[str]] | None:
        """Who a note belongs to and whom its draft was shared with: the draft's, else the
        dictation's or the approval's; None for a note the store has nothing of yet."""
        damaged = False
        try:
            draft = drafts.load(note_id)
        except InputError:
            return None  # a dictation session this store does not have
        except OutputError:
            draft, damaged = None, True
        if draft is not None:
            return draft.owner, draft.shared_with
        if note_id.is_session:
            meta = SessionStore(self.sessions, self.keys).meta(note_id.value)
            return (meta.owner, []) if meta is not None else None
        path = self.notes / note_id.value / APPROVED_JSON
        try:
            return str(json.loads(read_file(self.keys, path)).get("owner", "local")), []
        except FileNotFoundError:
            # a damaged draft alone: whose it was cannot be read, so only the local user's
            return ("local", []) if damaged else None
        except (OSError, OutputError, ValueError, AttributeError):
            return "local", []  # unreadable: only the local user's, as before owners were kept

    def approve(self, note_id: NoteId, note: dict, text: str, *, audit: AuditLog, actor: str,
                drafts: DraftStore | None = None, edited_at: int | None = None,
                owner: str = "local", **audit_fields: str | None) -> str:
        """Approve a note: keep the note as edited (JSON) and its EPJ text, audited; returns the
        time. In this order, so that every fault leaves the store as it was:

        1. both files are written and fsync'ed under temporary names in the note's folder (a
           full disk fails here: the temporary files are removed, nothing is audited);
        2. the `note.approved` entry is written (if it cannot be, the approval fails and the
           temporary files are removed: no approval without its entry);
        3. both files are renamed into place (a rename needs no room on the disk);
        4. the draft is removed (`drafts.remove_approved`, unless edited later); if that fails,
           the approval stands and the draft stays listed.

        StoreFull for a full disk, AuditUnwritable for the log, DocumentRejected for a note
        too deep or too large, InputError for an unknown session."""
        folder = note_folder(note_id, self.sessions, self.notes)
        approved_at = datetime.now(UTC).isoformat(timespec="seconds")
        doc = json.dumps({"approved_at": approved_at, "owner": owner,
                          "note": check_value(note)}, ensure_ascii=False, indent=2)
        contents = {APPROVED_JSON: check_text(doc), APPROVED_TEXT: text.rstrip("\n") + "\n"}
        created = not folder.exists()
        staged: dict[str, Path] = {}
        try:
            private_note_dir(folder)
            for name, content in contents.items():
                staged[name] = _stage(self.keys, folder, name, content)
            audit.record(
                "note.approved", actor=actor, note_id=note_id.value,
                session_id=note_id.value if note_id.is_session else None, **audit_fields)
            try:
                _commit(folder, staged)
            except OutputError:
                with contextlib.suppress(OutputError):
                    audit.record("note.approval_failed", actor=actor, note_id=note_id.value,
                                 error_type="commit")
                raise
        finally:
            for tmp in staged.values():
                tmp.unlink(missing_ok=True)
            if created:
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only if still empty: a text note that was never kept
        if drafts is not None:
            try:
                drafts.remove_approved(note_id, edited_at)
            except OutputError as exc:  # the approval stands; the draft stays until discarded
                log.warning("note %s approved, its draft not removed: %s", note_id.value, exc)
        return approved_at


def _stage(keys: Keyring, folder: Path, name: str, content: str) -> Path:
    """`content` sealed as `folder / name`, written and fsync'ed under a temporary name beside
    it."""
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=PART_SUFFIX)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(keys.seal(content.encode("utf-8"), folder / name))
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise store_error(f"cannot write {folder / name}", exc) from None
    return tmp


def _commit(folder: Path, staged: dict[str, Path]) -> None:
    """Rename the staged files into place; if one rename fails, the ones before it are removed
    again, so no approved-note.json stands without its text."""
    done: list[Path] = []
    try:
        for name, tmp in staged.items():
            os.replace(tmp, folder / name)
            done.append(folder / name)
        fsync_dir(folder)
    except OSError as exc:
        for path in done:
            path.unlink(missing_ok=True)
        raise store_error(f"cannot keep the approval in {folder}", exc) from None


def private_note_dir(path: Path) -> None:
    try:
        private_dir(path.parent)
        private_dir(path)
    except OSError as exc:
        raise store_error(f"cannot create {path}", exc) from None


def write_private(keys: Keyring, path: Path, text: str) -> None:
    try:
        write_document(keys, path, text)
    except OSError as exc:
        raise store_error(f"cannot write {path}", exc) from None
