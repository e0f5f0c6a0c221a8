"""Retention of the journal store on real session and note folders, with the clock shifted
(`now`) or the files aged (their modification times set back), as a municipality's rules apply
them: approved notes go a day after approval, everything else a week after its last change, a
session being recorded never, and every deletion is in the audit log without content."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from diktat.config import RetentionSettings, Settings
from diktat.errors import OutputError
from diktat.store.audit import AuditLog
from diktat.store.names import APPROVED_JSON, DRAFT_JSON
from diktat.store.retention import PeriodicPrune, inventory, prune
from diktat.store.sessions import SessionStore
from tests.store_helpers import write_sealed

SECRET = "Pasienten Kari Nordmann har fått Paracet"  # must never reach the audit log
DIKTAT = [sys.executable, "-m", "diktat"]


def finished_session(store: SessionStore) -> str:
    session = store.create(input_description="test")
    session.append_audio(np.zeros(1600, dtype=np.float32))
    session.finish(transcript_json="{}\n", text=SECRET + "\n")
    session.close()
    return session.id


def write(path: Path, text: str) -> None:
    """A file in the store, sealed as diktat writes it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_sealed(path, text)


def write_plain(path: Path, text: str) -> None:
    """A file that is not the store's (not sealed)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(text, encoding="utf-8")


def age(folder: Path, days: float) -> None:
    """Set every file's modification time `days` back (the folder was last changed then)."""
    then = time.time() - days * 86400
    for path in folder.iterdir():
        os.utime(path, (then, then))


@pytest.fixture
def store(tmp_path, store_keys):
    settings = Settings(sessions_dir=tmp_path / "sessions",
                        server={"audit_log": tmp_path / "audit.log"})
    sessions = SessionStore(settings.session_store_dir, store_keys)
    ids = {
        "finished": finished_session(sessions),
        "approved": finished_session(sessions),
        "edited_after_approval": finished_session(sessions),
    }
    root = settings.session_store_dir
    write(root / ids["approved"] / APPROVED_JSON, json.dumps({"note": SECRET}))
    write(root / ids["edited_after_approval"] / APPROVED_JSON, json.dumps({"note": SECRET}))
    draft = root / ids["edited_after_approval"] / DRAFT_JSON
    write(draft, json.dumps({"epj": SECRET}))
    later = time.time() + 60
    os.utime(draft, (later, later))
    crashed = sessions.create(input_description="test")
    crashed.append_audio(np.zeros(1600, dtype=np.float32))
    crashed.close()  # left active: a dead process's recording
    ids["crashed"] = crashed.id
    recording = sessions.create(input_description="test")  # held open: being recorded now
    ids["recording"] = recording.id
    ids["text_draft"] = "t-0123456789abcdef"
    write(settings.notes_store_dir / ids["text_draft"] / DRAFT_JSON, json.dumps({"epj": SECRET}))
    ids["text_approved"] = "t-fedcba9876543210"
    write(settings.notes_store_dir / ids["text_approved"] / APPROVED_JSON, SECRET)
    yield settings, ids
    recording.close()


def present(settings: Settings, store_keys) -> set[str]:
    return {item.id for item in inventory(settings, store_keys)}


def test_nothing_is_deleted_before_its_time(store, store_keys):
    settings, ids = store
    assert present(settings, store_keys) == set(ids.values())
    assert prune(settings, store_keys, actor="cli") == []
    later = datetime.now(UTC) + timedelta(hours=23)
    assert prune(settings, store_keys, actor="cli", now=later) == []
    assert present(settings, store_keys) == set(ids.values())
    assert not settings.audit_log_path.exists()


def test_approved_notes_go_after_a_day_and_the_rest_after_a_week(store, store_keys):
    settings, ids = store
    states = {item.id: item.state for item in inventory(settings, store_keys)}
    assert states[ids["approved"]] == states[ids["text_approved"]] == "approved"
    assert states[ids["edited_after_approval"]] == "finished"  # the later draft counts
    assert states[ids["crashed"]] == "unfinished" and states[ids["text_draft"]] == "draft"
    assert states[ids["recording"]] == "recording"

    day = datetime.now(UTC) + timedelta(hours=25)
    listed = prune(settings, store_keys, actor="cli", now=day, dry_run=True)
    assert {d.item.id for d in listed} == {ids["approved"], ids["text_approved"]}
    assert present(settings, store_keys) == set(ids.values())  # a dry run deletes nothing

    deleted = prune(settings, store_keys, actor="cli", now=day)
    assert {(d.item.id, d.rule) for d in deleted} == {
        (ids["approved"], "approved"), (ids["text_approved"], "approved")}
    assert not any(d.error for d in deleted)
    assert not (settings.session_store_dir / ids["approved"]).exists()
    assert not (settings.notes_store_dir / ids["text_approved"]).exists()

    week = datetime.now(UTC) + timedelta(days=7, hours=1)
    deleted = prune(settings, store_keys, actor="cli", now=week)
    assert {d.item.id for d in deleted} == {
        ids["finished"], ids["edited_after_approval"], ids["crashed"], ids["text_draft"]}
    assert {d.rule for d in deleted} == {"unapproved"}
    assert present(settings, store_keys) == {ids["recording"]}  # held by a process: never touched

    entries = [json.loads(line) for line in settings.audit_log_path.read_text().splitlines()]
    assert len(entries) == 6 and {e["action"] for e in entries} == {"retention.deleted"}
    assert {e.get("session_id") or e.get("note_id") for e in entries} == set(ids.values()) - {
        ids["recording"]}
    assert all(e["actor"] == "cli" and e["age_h"] > 0 for e in entries)
    assert "Kari" not in settings.audit_log_path.read_text()


def test_the_municipality_sets_the_limits(store, store_keys):
    settings, ids = store
    strict = settings.model_copy(update={
        "retention": RetentionSettings(approved_hours=1, unapproved_days=0.5)})
    deleted = prune(strict, store_keys, actor="cli", now=datetime.now(UTC) + timedelta(hours=13))
    assert {d.item.id for d in deleted} == set(ids.values()) - {ids["recording"]}
    with pytest.raises(ValueError):
        RetentionSettings(unapproved_days=0)


@pytest.mark.parametrize("plant", [write, write_plain], ids=["sealed-not-json", "not-sealed"])
def test_a_session_folder_whose_description_is_damaged_is_still_deleted_in_time(
    store, store_keys, plant
):
    settings, ids = store
    damaged = settings.session_store_dir / "20260101-120000-abcdef"
    plant(damaged / "session.json", "{ikke json")
    write(damaged / "text.txt", SECRET)
    item = next(i for i in inventory(settings, store_keys) if i.id == damaged.name)
    assert item.state == "damaged" and not item.held
    assert not (damaged / ".lock").exists()  # looking did not touch it
    soon = datetime.now(UTC) + timedelta(days=6)
    pruned = prune(settings, store_keys, actor="cli", now=soon)
    assert damaged.name not in {d.item.id for d in pruned}
    age(damaged, days=8)
    assert [d.item.id for d in prune(settings, store_keys, actor="cli")] == [damaged.name]
    assert not damaged.exists()


def test_what_is_odd_in_the_store_is_handled_not_fatal(store, tmp_path, store_keys):
    settings, ids = store
    week = datetime.now(UTC) + timedelta(days=8)
    # An approval beside a damaged session.json (the folder was recreated under an approval).
    damaged = settings.session_store_dir / "20260101-120000-abcdef"
    write(damaged / "session.json", "{ikke json")
    write(damaged / APPROVED_JSON, SECRET)
    # A draft left beside an approval holds a later edit: it is unapproved, whatever its time.
    older = time.time() - 3600
    os.utime(settings.session_store_dir / ids["approved"] / APPROVED_JSON, None)
    write(settings.session_store_dir / ids["approved"] / DRAFT_JSON, SECRET)
    os.utime(settings.session_store_dir / ids["approved"] / DRAFT_JSON, (older, older))
    # Not the store's: a folder of another name, and a link to a folder outside.
    foreign = settings.notes_store_dir / "t-shirts"
    write_plain(foreign / "liste.txt", "blå, grønn")
    outside = tmp_path / "utenfor"
    write_plain(outside / "behold.txt", "behold")
    (settings.notes_store_dir / "t-2222222222222222").symlink_to(outside)
    # Audio a killed server left waiting in the upload spool.
    upload = settings.uploads_dir / "upload-abc123.wav"
    write(upload, "RIFF")
    age(settings.uploads_dir, days=8)

    items = {i.id: i for i in inventory(settings, store_keys)}
    assert items[damaged.name].damaged and items[damaged.name].state == "approved"
    assert items[ids["approved"]].state == "finished"
    assert items[upload.name].kind == "upload"
    assert {"t-shirts", "t-2222222222222222"}.isdisjoint(items)

    day = datetime.now(UTC) + timedelta(hours=25)
    deleted = {d.item.id: d for d in prune(settings, store_keys, actor="cli", now=day)}
    assert damaged.name in deleted and not deleted[damaged.name].error
    assert not damaged.exists()
    assert ids["approved"] not in deleted  # its draft keeps it for the unapproved week
    assert upload.name in deleted and not upload.exists()
    deleted = {d.item.id for d in prune(settings, store_keys, actor="cli", now=week)}
    assert ids["approved"] in deleted
    assert foreign.exists() and (outside / "behold.txt").exists()
    log = settings.audit_log_path.read_text()
    assert '"upload": "upload-abc123.wav"' in log and "Kari" not in log


def test_nothing_is_deleted_unless_its_deletion_is_logged(store, store_keys):
    settings, ids = store
    settings.audit_log_path.mkdir()  # the audit log cannot be written
    with pytest.raises(OutputError, match="audit log"):
        prune(settings, store_keys, actor="cli", now=datetime.now(UTC) + timedelta(days=8))
    assert present(settings, store_keys) == set(ids.values())


def test_the_server_prunes_at_start(store, store_keys):
    settings, ids = store
    age(settings.notes_store_dir / ids["text_draft"], days=8)
    rounds = PeriodicPrune(settings, store_keys, actor="local",
                           audit=AuditLog(settings.audit_log_path), interval_s=3600)
    rounds.start()
    deadline = time.monotonic() + 20
    while rounds.rounds < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    rounds.stop()
    assert rounds.rounds == 1
    assert present(settings, store_keys) == set(ids.values()) - {ids["text_draft"]}


def test_store_list_and_prune_on_the_command_line(store, store_keys):
    settings, ids = store
    for name in ("finished", "crashed"):
        age(settings.session_store_dir / ids[name], days=8)
    env = {**os.environ, "DIKTAT_SERVER__AUDIT_LOG": str(settings.audit_log_path)}
    where = ["--sessions-dir", str(settings.session_store_dir)]
    listed = subprocess.run([*DIKTAT, "store", "list", "--json", *where], env=env,
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    rows = {row["id"]: row for row in map(json.loads, listed.stdout.splitlines())}
    assert set(rows) == set(ids.values())
    assert rows[ids["recording"]]["held"] and rows[ids["recording"]]["deletes_at"] is None
    assert rows[ids["approved"]]["rule"] == "approved"
    assert SECRET not in listed.stdout

    pruned = subprocess.run([*DIKTAT, "store", "prune", *where], env=env,
                            capture_output=True, text=True, timeout=120)
    assert pruned.returncode == 0, pruned.stderr
    assert f"deleted session {ids['finished']} (unapproved" in pruned.stdout
    assert present(settings, store_keys) == set(ids.values()) - {ids["finished"], ids["crashed"]}
