"""Working drafts of notes, kept in the store beside the note they belong to.

The page saves what the nurse is working on (transcript, edited note, EPJ text) as they type,
sealed as ``draft.json`` in the note's folder (a dictation session's, or ``<notes>/<text id>``),
so journal text stays in the one store with the sessions and approved notes instead of the
browser's storage, and a new dictation never overwrites an earlier unapproved draft: each note
has its own. Approval removes the draft (`remove_approved`, unless it was edited after the
approved state); `discard` deletes it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from diktat.errors import InputError, OutputError
from diktat.store.audit import AuditLog
from diktat.store.documents import DocumentRejected, check_text, check_value
from diktat.store.names import DRAFT_JSON, NoteId, NoteKind
from diktat.store.notes import note_folder, private_note_dir, write_private
from diktat.store.sealed import Keyring, read_file
from diktat.store.sessions import SessionStore

PREVIEW_CHARS = 80


class NoteDraft(BaseModel):
    """What the page is working on for one note: the transcript, the note as edited, the EPJ
    text, the marked words, and whether the text changed since the note was made."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(default="", max_length=200_000)
    note: dict[str, Any] | None = None
    epj: str = Field(default="", max_length=200_000)
    uncertain: list[dict[str, Any]] = Field(default_factory=list, max_length=5_000)
    stale: bool = False
    # When the page made this state (its clock, ms): a save that arrives after a newer one
    # (two requests in flight as the page is left) does not overwrite it.
    edited_at: int | None = Field(default=None, ge=0)

    @field_validator("note", "uncertain")
    @classmethod
    def _bounded_depth(cls, value: Any) -> Any:
        return bounded(value)


def bounded(value: Any) -> Any:
    """`value`, or ValueError (a 422 in a request) when it is nested too deep to be kept."""
    try:
        return check_value(value)
    except DocumentRejected as exc:
        raise ValueError(str(exc)) from None


class StoredDraft(NoteDraft):
    note_id: str
    note_kind: NoteKind  # told to the page, which never works it out from the id
    saved_at: str
    owner: str = "local"  # who made the note: a signed-in user's pseudonym, else "local"
    shared_with: list[str] = Field(default_factory=list, max_length=50)  # handed over to

    @model_validator(mode="before")
    @classmethod
    def _kind_of_older_drafts(cls, data: Any) -> Any:
        """Drafts saved before the kind was stored: it is the id's."""
        if isinstance(data, dict) and "note_kind" not in data and "note_id" in data:
            named = NoteId.match(str(data["note_id"]))
            if named is not None:
                data = {**data, "note_kind": named.kind}
        return data


class DraftSummary(BaseModel):
    """One unapproved draft in the list the page offers to reopen."""

    note_id: str
    note_kind: NoteKind
    saved_at: str
    preview: str  # the first words of the transcript or the EPJ text
    # When retention deletes it unless it is changed or approved before (at the latest).
    deletes_at: str | None = None
    # Its dictation was cut off (the server or its process died) and finished by recovery:
    # the page marks it «gjenopprettet etter avbrudd».
    recovered: bool = False
    shared: bool = False  # a colleague handed it over to the reader («delt med deg»)


class DraftUnreadable(OutputError):
    """A draft file exists but is not a draft (damaged). It is reported and left out of the list,
    and stays until a good save of the same note replaces it."""


class DraftStore:
    def __init__(self, sessions: Path, notes: Path, keys: Keyring) -> None:
        self.sessions = Path(sessions)
        self.notes = Path(notes)
        self.keys = keys
        self._lock = threading.Lock()  # compare-and-write of one draft at a time

    def save(self, note_id: NoteId, draft: NoteDraft, *, owner: str = "local",
             audit: AuditLog | None = None, actor: str = "", role: str | None = None,
             ) -> tuple[StoredDraft, bool]:
        """Store the draft unless the stored one was edited later (`edited_at`); returns the
        draft now stored and whether it is the one given. A draft keeps the owner and the
        colleagues it was shared with; a new one is `owner`'s. With `audit`, a save that will
        be written is recorded first (`draft.saved`): no write without its entry.
        DocumentRejected, before anything is replaced, for a draft nested too deep or too
        large to be read back."""
        folder = note_folder(note_id, self.sessions, self.notes)
        check_value(draft.note)
        check_value(draft.uncertain)
        with self._lock:
            try:
                current = self.load(note_id)
            except DraftUnreadable:
                current = None  # replaced by a good one
            if _edited_later(current, draft.edited_at):
                return current, False
            stored = StoredDraft(
                note_id=note_id.value,
                note_kind=note_id.kind,
                saved_at=datetime.now(UTC).isoformat(timespec="microseconds"),
                owner=current.owner if current else owner,
                shared_with=current.shared_with if current else [],
                **draft.model_dump(),
            )
            document = check_text(stored.model_dump_json(indent=1))
            if audit is not None:
                audit.record("draft.saved", actor=actor, role=role, note_id=note_id.value)
            private_note_dir(folder)
            write_private(self.keys, folder / DRAFT_JSON, document)
            return stored, True

    def load(self, note_id: NoteId) -> StoredDraft | None:
        """The note's draft; None when it has none. InputError for an unknown id,
        DraftUnreadable for a draft file that cannot be read back."""
        path = note_folder(note_id, self.sessions, self.notes) / DRAFT_JSON
        try:
            return StoredDraft.model_validate_json(read_file(self.keys, path))
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise DraftUnreadable(f"cannot read {path}: {exc.strerror}") from None
        except OutputError as exc:  # sealed wrongly, or damaged
            raise DraftUnreadable(str(exc)) from None
        except ValueError:
            raise DraftUnreadable(f"{path} is damaged: not a draft this server wrote") from None

    def share(self, note_id: NoteId, colleague: str, *, audit: AuditLog, actor: str
              ) -> StoredDraft:
        """Hand the draft over to `colleague` (a pseudonym) as well: audited (`note.shared`)
        before it is written. InputError when the note has no draft."""
        with self._lock:
            current = self.load(note_id)
            if current is None:
                raise InputError(f"note {note_id} has no draft to share")
            if colleague in current.shared_with or colleague == current.owner:
                return current
            audit.record("note.shared", actor=actor, note_id=note_id.value, user=colleague)
            shared = current.model_copy(update={"shared_with": [*current.shared_with,
                                                                colleague]})
            write_private(self.keys, note_folder(note_id, self.sessions, self.notes) /
                          DRAFT_JSON, check_text(shared.model_dump_json(indent=1)))
            return shared

    def remove_approved(self, note_id: NoteId, approved_edit: int | None) -> bool:
        """After approval: delete the draft unless it holds a later edit than the approved
        state (typed while the approval was on its way); True when it was deleted."""
        with self._lock:
            try:
                current = self.load(note_id)
            except DraftUnreadable:
                current = None
            if current is None or _edited_later(current, approved_edit):
                return False
            return self.discard(note_id)

    def discard(self, note_id: NoteId, *, audit: AuditLog | None = None, actor: str = ""
                ) -> bool:
        """Delete the note's draft; False when there was none. With `audit`, the deletion is
        recorded first (`draft.discarded`): if the entry cannot be written, the draft stays."""
        path = note_folder(note_id, self.sessions, self.notes) / DRAFT_JSON
        if not path.exists():
            return False
        if audit is not None:
            audit.record("draft.discarded", actor=actor, note_id=note_id.value)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise OutputError(f"cannot delete {path}: {exc.strerror}") from None
        return True

    def summaries(self, reader: str = "local",
                  may_read: Callable[[str, list[str]], bool] = lambda owner, shared: True,
                  ) -> list[DraftSummary]:
        """Every readable draft `may_read` lets `reader` see (given its owner and the people it
        was shared with), newest first; an unreadable one is skipped, not deleted."""
        found = []
        sessions = SessionStore(self.sessions, self.keys)
        for root, kind in ((self.sessions, "session"), (self.notes, "text")):
            for path in root.glob(f"*/{DRAFT_JSON}"):
                named = NoteId.match(path.parent.name)
                if named is None or named.kind != kind:
                    continue
                try:
                    draft = self.load(named)
                except (InputError, OutputError):
                    continue
                if draft is not None and may_read(draft.owner, draft.shared_with):
                    found.append(DraftSummary(
                        note_id=named.value, note_kind=named.kind, saved_at=draft.saved_at,
                        preview=_preview(draft), recovered=_recovered(sessions, named),
                        shared=draft.owner != reader and reader in draft.shared_with,
                    ))
        return sorted(found, key=lambda d: (d.saved_at, d.note_id), reverse=True)


def _recovered(sessions: SessionStore, note_id: NoteId) -> bool:
    meta = sessions.meta(note_id.value) if note_id.is_session else None
    return meta is not None and meta.state == "recovered"


def _edited_later(stored: StoredDraft | None, edited_at: int | None) -> bool:
    """The stored draft holds an edit made after `edited_at` (unknown times never count)."""
    return (
        stored is not None
        and stored.edited_at is not None
        and edited_at is not None
        and stored.edited_at > edited_at
    )


def _preview(draft: NoteDraft) -> str:
    text = " ".join((draft.text or draft.epj).split())
    if len(text) <= PREVIEW_CHARS:
        return text
    return text[:PREVIEW_CHARS].rsplit(" ", 1)[0] + " …"
