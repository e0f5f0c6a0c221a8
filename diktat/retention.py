"""Retention: the store deletes journal material once it is no longer needed.

Audio, transcripts and drafts are journal material while diktat holds them, to be kept only as
long as needed (Normen faktaark 25 «Lagringstid og sletting»; the defaults follow
``../shared/anchors/NORWEGIAN_HEALTH_SECURITY.md``). Two rules, set in `[retention]`:

- approved: a note approved more than ``approved_hours`` ago (default 24) is deleted with
  everything beside it — the dictation's audio, transcript and draft; its text is in the EPJ;
- unapproved: anything else — dictations never approved (the command line's included), drafts,
  notes made from text, recordings a crash left — is deleted ``unapproved_days`` (default 7)
  after its last change, a hard maximum.

A draft edited after its approval counts as unapproved from that edit. A session that a process
holds (being recorded or recovered) is never touched. Each deletion goes to the audit log with
the id, the rule and the age, never content. Ages come from the files' modification times, so
a test can shift the clock by passing ``now``.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from diktat.audit import AuditLog
from diktat.config import RetentionSettings, Settings
from diktat.errors import DiktatError
from diktat.note_files import APPROVED_JSON, DRAFT_JSON
from diktat.stt.streaming.journal import SESSION_ID, SessionStore

log = logging.getLogger(__name__)

Kind = Literal["session", "note"]
Rule = Literal["approved", "unapproved"]


@dataclass(frozen=True)
class StoredItem:
    """One entry of the store, described without its content."""

    id: str
    kind: Kind
    folder: Path
    state: str  # a session's (active, finished, recovered, damaged), a note's (draft); approved
    changed_at: datetime  # the newest file in the folder
    approved_at: datetime | None  # None: never approved, or edited since
    held: bool  # a process holds it (recording or recovering)
    size_bytes: int


@dataclass(frozen=True)
class Deletion:
    item: StoredItem
    rule: Rule
    age: timedelta
    error: str | None = None  # why it could not be deleted (it stays)


def inventory(settings: Settings) -> list[StoredItem]:
    """Every session and note folder in the store, oldest change first."""
    store = SessionStore(settings.session_store_dir)
    items = []
    states = {meta.id: meta.state for meta in store.sessions()}
    for folder in sorted(store.root.iterdir()) if store.root.is_dir() else ():
        if folder.is_dir() and SESSION_ID.fullmatch(folder.name):
            with suppress(FileNotFoundError):  # deleted meanwhile
                # A folder whose session.json is unreadable is journal material all the same.
                state = states.get(folder.name, "damaged")
                items.append(_item(folder.name, "session", folder, state,
                                   held=store.in_use(folder.name)))
    notes = settings.notes_store_dir
    for folder in sorted(notes.iterdir()) if notes.is_dir() else ():
        if folder.is_dir() and folder.name.startswith("t-"):
            with suppress(FileNotFoundError):
                items.append(_item(folder.name, "note", folder, "draft", held=False))
    return sorted(items, key=lambda i: i.changed_at)


def deletes_at(item: StoredItem, policy: RetentionSettings) -> tuple[Rule, datetime] | None:
    """The rule that will delete `item` and when; None while a process holds it."""
    if item.held:
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
    *,
    actor: str,
    audit: AuditLog | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
) -> list[Deletion]:
    """Delete what the retention rules say is due (only list it with `dry_run`); each deletion is
    audited. A folder that cannot be deleted is reported with the reason and left."""
    now = now or datetime.now(UTC)
    audit = audit if audit is not None else AuditLog(settings.audit_log_path)
    store = SessionStore(settings.session_store_dir)
    done = []
    for item in inventory(settings):
        verdict = due(item, settings.retention, now)
        if verdict is None:
            continue
        rule, age = verdict
        error = None
        if not dry_run:
            error = _delete(item, store)
            if error is None:
                which = {"session_id" if item.kind == "session" else "note_id": item.id}
                audit.record("retention.deleted", actor=actor, rule=rule,
                             age_h=round(age / timedelta(hours=1), 1), **which)
        done.append(Deletion(item, rule, age, error))
    return done


def _delete(item: StoredItem, store: SessionStore) -> str | None:
    try:
        if item.kind == "session" and item.state != "damaged":
            store.delete(item.id)  # refuses a session a process took meanwhile
        elif item.kind == "session" and store.in_use(item.id):
            return f"session {item.id} is held by a process"
        else:
            shutil.rmtree(item.folder)
    except OSError as exc:
        return exc.strerror or str(exc)
    except DiktatError as exc:
        return str(exc)
    return None


def _item(item_id: str, kind: Kind, folder: Path, state: str, *, held: bool) -> StoredItem:
    changed, size = 0.0, 0
    mtimes: dict[str, float] = {}
    for entry in os.scandir(folder):
        if entry.is_file(follow_symlinks=False):
            stat = entry.stat(follow_symlinks=False)
            mtimes[entry.name] = stat.st_mtime
            changed = max(changed, stat.st_mtime)
            size += stat.st_size
    if not mtimes:
        changed = folder.stat().st_mtime
    approved = mtimes.get(APPROVED_JSON)
    if approved is not None and mtimes.get(DRAFT_JSON, 0.0) > approved:
        approved = None  # edited after approval: the draft counts
    return StoredItem(
        id=item_id, kind=kind, folder=folder,
        state="approved" if approved is not None else state,
        changed_at=_utc(changed),
        approved_at=None if approved is None else _utc(approved),
        held=held, size_bytes=size,
    )


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


class PeriodicPrune:
    """`prune` now and then every `interval_s` in a background thread, until `stop` (what
    `diktat serve` runs). A failed round is logged (no content) and the next one tries again."""

    def __init__(self, settings: Settings, *, actor: str, audit: AuditLog,
                 interval_s: float = 3600.0) -> None:
        self.settings = settings
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
                for d in prune(self.settings, actor=self.actor, audit=self.audit):
                    if d.error:
                        log.warning("retention: %s %s not deleted: %s", d.item.kind, d.item.id,
                                    d.error)
            except (OSError, DiktatError) as exc:
                log.warning("retention round failed: %s", exc)
            self.rounds += 1
            self._stop.wait(self.interval_s)
