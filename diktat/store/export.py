"""Exports: one note's files decrypted, out of the store — for its owner, or for an operator
with a stated reason.

The owner downloads her own note from the page (`note_archive`: a zip of its files, audited as
`store.exported` with reason "owner"). An operator's `diktat store export` is break-glass
access: it needs a stated reason, and it is audited (`store.exported`, with the reason, the
actor and the number of files) *before* anything is written — no audit entry, no export. Its
files are written into a new folder (0700, files 0600) that is then the operator's, not the
store's: retention does not delete it.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from diktat.errors import InputError
from diktat.store.audit import AuditLog
from diktat.store.fileio import PART_SUFFIX, store_error, write_atomic
from diktat.store.names import NoteId
from diktat.store.notes import note_folder
from diktat.store.sealed import Keyring, read_file

MIN_REASON = 10  # characters: a reason, not a placeholder
MAX_REASON = 200


def export_note(keys: Keyring, note_id: NoteId, *, sessions: Path, notes: Path, target: Path,
                audit: AuditLog, actor: str, reason: str) -> list[Path]:
    """Write every file of the note `note_id` decrypted into the new folder `target`; returns
    the files written. InputError for a missing reason, an unknown note or a `target` that
    exists; AuditUnwritable when the export cannot be audited (then nothing is written)."""
    reason = " ".join(reason.split())
    if not MIN_REASON <= len(reason) <= MAX_REASON:
        raise InputError(f"an export needs a stated reason of {MIN_REASON} to {MAX_REASON} "
                         "characters (--reason): it is written to the audit log")
    if target.exists():
        raise InputError(f"{target} exists; export into a new folder")
    contents = note_files(keys, note_id, sessions=sessions, notes=notes)
    audit.record("store.exported", actor=actor, note_id=note_id.value,
                 session_id=note_id.value if note_id.is_session else None, reason=reason,
                 files=len(contents))
    try:
        target.mkdir(parents=True, mode=0o700)
        written = [write_atomic(target / name, data) for name, data in contents.items()]
    except OSError as exc:
        raise store_error(f"cannot write the export into {target}", exc) from None
    os.chmod(target, 0o700)
    return written


def note_files(keys: Keyring, note_id: NoteId, *, sessions: Path, notes: Path
               ) -> dict[str, bytes]:
    """Every file of the note, decrypted, by name (read whole before anything is audited or
    written). InputError for a note with no files."""
    folder = note_folder(note_id, sessions, notes)
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink()
                   and not p.name.endswith((".lock", PART_SUFFIX))) if folder.is_dir() else []
    if not files:
        raise InputError(f"note {note_id} has no files in the store")
    return {path.name: read_file(keys, path) for path in files}


def note_archive(keys: Keyring, note_id: NoteId, *, sessions: Path, notes: Path,
                 audit: AuditLog, actor: str, role: str) -> bytes:
    """The note's files as a zip, for its owner (the caller checked she owns it); audited
    before it is handed out."""
    contents = note_files(keys, note_id, sessions=sessions, notes=notes)
    audit.record("store.exported", actor=actor, role=role, note_id=note_id.value,
                 session_id=note_id.value if note_id.is_session else None, reason="owner",
                 files=len(contents))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(f"{note_id.value}/{name}", data)
    return out.getvalue()
