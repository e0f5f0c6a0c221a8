"""Retention: the store deletes journal material once it is no longer needed.

Audio, transcripts and drafts are journal material while diktat holds them, to be kept only as
long as needed (Normen faktaark 25 «Lagringstid og sletting»; the defaults follow
``../shared/anchors/NORWEGIAN_HEALTH_SECURITY.md``). Two rules, set in `[retention]`:

- approved: a note approved more than ``approved_hours`` ago (default 24) is deleted with
  everything beside it — the dictation's audio and transcript; its text is in the EPJ;
- unapproved: anything else — dictations never approved (the command line's included), drafts,
  notes made from text, recordings a crash left, uploads a stopped server left — is deleted
  ``unapproved_days`` (default 7) after its last change.

A draft left beside an approval (one edited after it) counts as unapproved. A session that a
process holds (being recorded or recovered) is never touched, and its lock is held while it is
deleted. Each deletion is written to the audit log *before* the files go (an audit log that
cannot be written stops the round: nothing is deleted unlogged), with the id, the rule and the
age, never content; a deletion that then fails adds a `retention.failed` entry. A folder that
cannot be read is listed as such and left. Ages come from the files' modification times, so a
test can shift the clock by passing ``now``.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from diktat.config import RetentionSettings, Settings
from diktat.errors import DiktatError
from diktat.store.audit import AuditLog
from diktat.store.names import APPROVED_JSON, DRAFT_JSON, NoteId
from diktat.store.sealed import Keyring
from diktat.store.sessions import SessionStore

log = logging.getLogger(__name__)

Kind = Literal["session", "note", "upload"]
Rule = Literal["approved", "unapproved"]


@dataclass(frozen=True)
class StoredItem:
    """One entry of the store, described without its content."""

    id: str
    kind: Kind
    path: Path  # the folder (a session, a note) or the file (an upload)
    state: str  # session: unfinished, recording, finished, recovered, damaged; note: draft;
    #             approved; unreadable
    changed_at: datetime  # the newest file in it
    approved_at: datetime | None  # None: never approved, or a draft was left beside it
    held: bool  # a process holds it (recording or recovering)
    size_bytes: int
    damaged: bool = False  # a session folder whose session.json cannot be read
    error: str | None = None  # it could not be read: listed, never deleted automatically


@dataclass(frozen=True)
class Deletion:
    item: StoredItem
    rule: Rule
    age: timedelta
    error: str | None = None  # why it could not be deleted (it stays)


def inventory(settings: Settings, keys: Keyring) -> list[StoredItem]:
    """Every session, note and waiting upload in the store, oldest change first."""
    store = SessionStore(settings.session_store_dir, keys)
    states = {meta.id: meta.state for meta in store.sessions()}
    items = []
    for folder in _entries(store.root):
        if _is_note(folder, "session"):
            items.append(_describe(folder, "session", states.get(folder.name), store))
    for folder in _entries(settings.notes_store_dir):
        if _is_note(folder, "text"):
            items.append(_describe(folder, "note", "draft", store))
    for upload in _entries(settings.uploads_dir):
        if upload.is_file():
            items.append(_describe(upload, "upload", "waiting", store))
    return sorted((i for i in items if i is not None), key=lambda i: i.changed_at)


def _is_note(folder: Path, kind: str) -> bool:
    """`folder` is a note's folder of `kind` (a foreign entry is left alone)."""
    named = NoteId.match(folder.name)
    return named is not None and named.kind == kind and folder.is_dir()


def describe_note(settings: Settings, note_id: NoteId, keys: Keyring) -> StoredItem | None:
    """The store item that holds a note (its session, or its text note folder)."""
    return describe(settings, "session" if note_id.is_session else "note", note_id.value, keys)


def describe(settings: Settings, kind: Kind, item_id: str, keys: Keyring) -> StoredItem | None:
    """One item of the store as it is now; None when it is not there."""
    store = SessionStore(settings.session_store_dir, keys)
    if kind == "session":
        meta = store.meta(item_id)
        return _describe(store.root / item_id, kind, meta.state if meta else None, store)
    root, state = ((settings.notes_store_dir, "draft") if kind == "note"
                   else (settings.uploads_dir, "waiting"))
    return _describe(root / item_id, kind, state, store)


def deletes_at(item: StoredItem, policy: RetentionSettings) -> tuple[Rule, datetime] | None:
    """The rule that will delete `item` and when; None while a process holds it or it cannot
    be read."""
    if item.held or item.error:
        return None
    if item.approved_at is not None:
        return "approved", item.approved_at + timedelta(hours=policy.approved_hours)
    return "unapproved", item.changed_at + timedelta(days=policy.unapproved_days)


def due(
    item: StoredItem, policy: RetentionSettings, now: datetime
) -> tuple[Rule, timedelta] | None:
    """The rule that deletes `item` at `now` and how old it is by that rule; None: keep it."""
    when = deletes_at(item, policy)
    if when is None or now <= when[1]:
        return None
    rule = when[0]
    since = item.approved_at if rule == "approved" and item.approved_at else item.changed_at
    return rule, now - since


def prune(
    settings: Settings,
    keys: Keyring,
    *,
    actor: str,
    audit: AuditLog | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
) -> list[Deletion]:
    """Delete what the retention rules say is due (only list it with `dry_run`). Raises
    OutputError when the audit log cannot be written (before deleting anything unlogged)."""
    now = now or datetime.now(UTC)
    audit = audit if audit is not None else AuditLog(settings.audit_log_path)
    store = SessionStore(settings.session_store_dir, keys)
    done = []
    for item in inventory(settings, keys):
        verdict = due(item, settings.retention, now)
        if verdict is None:
            continue
        if not dry_run:
            # Looked at again just before: a save or approval since may have changed the verdict.
            fresh = describe(settings, item.kind, item.id, keys)
            verdict = None if fresh is None else due(fresh, settings.retention, now)
            if verdict is None:
                continue
            item = fresh
        rule, age = verdict
        error = None
        if not dry_run:
            ids = _audit_ids(item)
            audit.record("retention.deleted", actor=actor, rule=rule,
                         age_h=round(age / timedelta(hours=1), 1), **ids)
            if error := _delete(item, store):
                try:
                    audit.record("retention.failed", actor=actor, error_type=error[:80], **ids)
                except DiktatError:
                    log.warning("retention: %s %s not deleted: %s", item.kind, item.id, error)
        done.append(Deletion(item, rule, age, error))
    return done


def _audit_ids(item: StoredItem) -> dict[str, str]:
    key = {"session": "session_id", "note": "note_id", "upload": "upload"}[item.kind]
    return {key: item.id}


def _delete(item: StoredItem, store: SessionStore) -> str | None:
    try:
        if item.kind == "session":
            store.delete(item.id, damaged=item.damaged)  # under its lock; refuses a held one
        elif item.kind == "note":
            shutil.rmtree(item.path)
        else:
            item.path.unlink()
    except FileNotFoundError:
        return None  # already gone (another prune)
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    except DiktatError as exc:
        return str(exc)
    return None


def _entries(folder: Path) -> list[Path]:
    """The entries of `folder` that are not links (a link is never followed or deleted)."""
    try:
        return sorted(p for p in folder.iterdir() if not p.is_symlink())
    except FileNotFoundError:
        return []


def _describe(path: Path, kind: Kind, state: str | None, store: SessionStore) -> StoredItem | None:
    """The item at `path`; None when it is gone; an `error` item when it cannot be read."""
    damaged = kind == "session" and state is None
    try:
        held = kind == "session" and store.in_use(path.name)
        files = [path] if kind == "upload" else [
            Path(e.path) for e in os.scandir(path) if e.is_file(follow_symlinks=False)]
        stats = {f.name: f.stat(follow_symlinks=False) for f in files}
        changed = max((st.st_mtime for st in stats.values()), default=path.stat().st_mtime)
        approved = stats[APPROVED_JSON].st_mtime if APPROVED_JSON in stats else None
        if approved is not None and DRAFT_JSON in stats:
            approved = None  # a draft left beside the approval holds a later edit
        if kind == "session" and state == "active":
            state = "recording" if held else "unfinished"
        return StoredItem(
            id=path.name, kind=kind, path=path,
            state="approved" if approved is not None else state or "damaged",
            changed_at=_utc(changed), approved_at=None if approved is None else _utc(approved),
            held=held, size_bytes=sum(st.st_size for st in stats.values()), damaged=damaged,
        )
    except FileNotFoundError:
        return None  # deleted meanwhile
    except (OSError, ValueError, OverflowError) as exc:  # unreadable, or an absurd file time
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        log.warning("retention: cannot read %s %s: %s", kind, path.name, reason)
        return StoredItem(id=path.name, kind=kind, path=path, state="unreadable",
                          changed_at=datetime.now(UTC), approved_at=None, held=False,
                          size_bytes=0, damaged=damaged, error=reason)


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


class PeriodicPrune:
    """`prune` now and then every `interval_s` in a background thread, until `stop` (what
    `diktat serve` runs). A failed round is logged (no content) and the next one tries again."""

    def __init__(self, settings: Settings, keys: Keyring, *, actor: str, audit: AuditLog,
                 interval_s: float = 3600.0) -> None:
        self.settings = settings
        self.keys = keys
        self.actor = actor
        self.audit = audit
        self.interval_s = interval_s
        self.rounds = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="diktat-retention", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                for d in prune(self.settings, self.keys, actor=self.actor, audit=self.audit):
                    if d.error:
                        log.warning("retention: %s %s not deleted: %s", d.item.kind, d.item.id,
                                    d.error)
            except DiktatError as exc:
                log.warning("retention round stopped: %s", exc)
            except Exception:  # noqa: BLE001 - the thread must outlive a bad round
                log.exception("retention round failed")
            self.rounds += 1
            self._stop.wait(self.interval_s)
