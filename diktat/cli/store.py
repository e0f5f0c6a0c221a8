"""`diktat store ...`: what the journal store holds (no content) and its retention."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from diktat.cli.app import app
from diktat.cli.common import (
    SessionsDir,
    announce_new_key,
    cli_actor,
    out_console,
    say,
    store_settings,
    user_errors,
)
from diktat.errors import InputError
from diktat.store.audit import ITEM_FIELDS, AuditLog, access_log, verify
from diktat.store.export import export_note
from diktat.store.keys import lock_path, roots_of, rotate, using_store
from diktat.store.names import NoteId
from diktat.store.retention import deletes_at, inventory, prune
from diktat.store.users import UserDirectory

store_app = typer.Typer(
    name="store",
    help="The journal store (dictations, drafts, approved notes): inventory, retention, audit "
    "log, key rotation, export.",
    no_args_is_help=True,
)
app.add_typer(store_app, name="store")

AS_JSON = Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")]


def _age(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"


@store_app.command("list")
@user_errors
def list_store(sessions_dir: SessionsDir = None, as_json: AS_JSON = False) -> None:
    """Every dictation, note and waiting upload in the store with its state, age and size
    (never content), and when the retention rules delete it."""
    settings = store_settings(sessions_dir)
    policy = settings.retention
    now = datetime.now(UTC)
    with using_store(settings, on_created=announce_new_key) as keys:
        found = inventory(settings, keys)
    items = [(item, deletes_at(item, policy)) for item in found]
    if as_json:
        for item, when in items:
            say(json.dumps({
                "id": item.id, "kind": item.kind, "state": item.state, "held": item.held,
                "changed_at": _iso(item.changed_at), "approved_at": _iso(item.approved_at),
                "size_bytes": item.size_bytes, "error": item.error,
                "rule": when[0] if when else None,
                "deletes_at": _iso(when[1]) if when else None,
            }))
        return
    table = Table(title=f"Journal store: {settings.session_store_dir.parent}")
    table.add_column("Id", overflow="fold", min_width=22)  # whole: `dictate --discard ID`
    for column in ("Kind", "State", "Last change", "Size", "Deleted"):
        table.add_column(column, no_wrap=True)
    for item, when in items:
        deleted = (f"never by itself ({item.error})" if item.error
                   else "not while in use" if when is None
                   else f"due now ({when[0]})" if when[1] < now
                   else f"in {_age((when[1] - now).total_seconds())} ({when[0]})")
        table.add_row(
            item.id, item.kind, item.state,
            f"{_age((now - item.changed_at).total_seconds())} ago",
            f"{item.size_bytes / 1e6:,.1f} MB", deleted,
        )
    out_console.print(table)
    out_console.print(
        f"Retention: approved notes {policy.approved_hours:g} h after approval, everything else "
        f"{policy.unapproved_days:g} days after its last change ([retention] in the settings).",
        markup=False, highlight=False,
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


@store_app.command("prune")
@user_errors
def prune_store(
    sessions_dir: SessionsDir = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what is due.")] = False,
) -> None:
    """Delete what the retention rules say is due; each deletion goes to the audit log.
    `diktat serve` does this by itself every hour; run it from cron where no server runs."""
    settings = store_settings(sessions_dir)
    with using_store(settings, on_created=announce_new_key) as keys:
        deletions = prune(settings, keys, actor="cli", dry_run=dry_run)
    failed = [d for d in deletions if d.error]
    for d in deletions:
        verb = "would delete" if dry_run else ("NOT deleted" if d.error else "deleted")
        say(f"{verb} {d.item.kind} {d.item.id} ({d.rule}, {_age(d.age.total_seconds())} old)"
             + (f": {d.error}" if d.error else ""))
    if not deletions:
        say("Nothing is due for deletion.")
    if failed:
        raise typer.Exit(4)


@store_app.command("verify-audit")
@user_errors
def verify_audit(
    log: Annotated[Path | None, typer.Option(
        "--log", help="The audit log (default: settings' server.audit_log, else beside the "
        "sessions).")] = None,
    sessions_dir: SessionsDir = None,
) -> None:
    """Check the audit log's hash chain to the end: exit 1 when an entry was changed, removed or
    inserted, or when no entry is chained. The chain has no key: it shows edits by anyone who
    did not recompute it; keep a copy of the last line's hash elsewhere to anchor it."""
    path = log or store_settings(sessions_dir).audit_log_path
    result = verify(path)
    if not result.entries:
        say(f"{path}: empty.")
        return
    if result.chained_from is None:
        say(f"{path}: {result.entries} entries, none chained (written before the chain "
             "existed, or the chain was removed).")
        raise typer.Exit(1)
    where = f"{path}: {result.entries} entries, chained from line {result.chained_from}"
    cut = (f"; line(s) {', '.join(map(str, result.cut))} cut short by a crash"
           if result.cut else "")
    if result.intact:
        say(f"{where}: intact{cut}.")
        return
    say(f"{where}: BROKEN at line(s) {', '.join(map(str, result.breaks))} (the entry before "
         f"each was changed, removed or inserted){cut}.")
    raise typer.Exit(1)


@store_app.command("rotate-key")
@user_errors
def rotate_key(sessions_dir: SessionsDir = None) -> None:
    """Give the store a new master key: every file's header is rewrapped (the content keeps its
    own data key), then the key file is replaced; the old key no longer opens anything. Stop
    `diktat serve` and any dictation first. Also seals any file an earlier diktat left in plain
    text. Back up the new key file at once."""
    settings = store_settings(sessions_dir)
    if settings.store_key_is_credential:
        raise InputError(
            "the store key is a systemd credential (read-only here): put the key in a key file "
            "([store] key_file), rotate, then make the credential from the new key file")
    roots = roots_of(settings)
    key_file = settings.store_key_file
    if not key_file.exists():
        raise InputError(f"there is no store key {key_file} to rotate")
    done = rotate(key_file, roots, lock=lock_path(roots))
    AuditLog(settings.audit_log_path).record(
        "store.key_rotated", actor=cli_actor(), key_id=done.new_key_id,
        files=done.rewrapped + done.sealed)
    say(f"New store key {done.new_key_id} in {key_file}: {done.rewrapped} file(s) rewrapped, "
         f"{done.sealed} plain file(s) sealed. Back up the new key file now; the old key opens "
         "nothing in the store any more (backups of the store made before need the old key).")


@store_app.command("export")
@user_errors
def export(
    note_id: Annotated[str, typer.Argument(help="The note's id (`diktat store list`).")],
    to: Annotated[Path, typer.Option("--to", help="A new folder to write the files into.")],
    reason: Annotated[str, typer.Option(
        "--reason", help="Why (break-glass access; written to the audit log).")] = "",
    sessions_dir: SessionsDir = None,
) -> None:
    """Write one note's files (audio, transcript, drafts, approval) decrypted into a new folder:
    an operator's break-glass access, which needs --reason and is audited with it before
    anything is written. (A nurse downloads her own notes from the page.)"""
    settings = store_settings(sessions_dir)
    with using_store(settings) as keys:
        written = export_note(
            keys, NoteId.parse(note_id), sessions=settings.session_store_dir,
            notes=settings.notes_store_dir, target=to,
            audit=AuditLog(settings.audit_log_path), actor=cli_actor(),
            reason=reason)
    say(f"Exported {len(written)} file(s) of {note_id} into {to} (audited). They are yours "
         "now, not the store's: delete them when done.")


@store_app.command("access-log")
@user_errors
def show_access_log(
    user: Annotated[str | None, typer.Option(
        "--user", help="A user name (or pseudonym u-...): what she opened, changed, approved, "
        "exported.")] = None,
    item: Annotated[str | None, typer.Option(
        "--item", help="A note, session or job id: who opened or changed it.")] = None,
    sessions_dir: SessionsDir = None,
    as_json: AS_JSON = False,
) -> None:
    """Who looked at what (innsyn i logg): the audit log's entries by person and item, with the
    names the store knows for the pseudonyms the log holds. Never content."""
    settings = store_settings(sessions_dir)
    with using_store(settings) as keys:
        people = {u.user_id: u for u in UserDirectory(settings.users_dir, keys).all()}
    actors = None
    if user is not None:
        actors = {uid for uid, u in people.items()
                  if u.username.lower() == user.lower() or uid == user}
        if not actors:
            raise InputError(f"no user {user!r} has signed in to this store")
    found = access_log(settings.audit_log_path, actors=actors, item=item)
    for entry in found:
        person = people.get(entry.get("actor", ""))
        row = {"time": entry.get("time"), "actor": entry.get("actor"),
               "user": person.username if person else None,
               "name": person.name if person else None, "role": entry.get("role"),
               "action": entry.get("action"),
               "item": next((entry[f] for f in ITEM_FIELDS if entry.get(f)), None)}
        if as_json:
            say(json.dumps(row, ensure_ascii=False))
        else:
            who = f"{row['user']} ({row['actor']})" if person else str(row["actor"])
            say(f"{row['time']}  {who}  {row['role'] or '-'}  {row['action']}  "
                 f"{row['item'] or ''}".rstrip())
    if not found and not as_json:
        say("No entries.")
