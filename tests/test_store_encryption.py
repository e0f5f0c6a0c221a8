"""Encryption at rest with a real server, real speech and the real command line: no dictated
word and no stretch of the audio lies anywhere in the store after a live dictation, an upload
job, a transcription and an approval; after `diktat store rotate-key` recovery, dictation and
approval still work and the old key opens nothing; `diktat store export` is break-glass only.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import numpy as np
import pytest

from diktat.config import Settings
from diktat.store.keys import StoreKeyError, keyring_for, open_keyring, roots_of
from diktat.store.sealed import read_file
from diktat.store.sessions import SessionStore
from diktat.stt.audio import load_audio
from tests.server_helpers import (
    audit_entries,
    free_port,
    pcm16,
    running_server,
    stream_clip,
    wait_for_job,
)

pytestmark = pytest.mark.slow

MARKER = "Zyxoflamin"  # said nowhere else: the nurse's own edit of the note
CLIP = "norwegian-medium-8s.16k.wav"


def encrypted_settings(root: Path) -> Settings:
    """Every store under `root`, its own key file outside it (rotation here must not change the
    key the other tests use)."""
    return Settings(
        sessions_dir=root / "store" / "sessions",
        store={"key_file": root / "keys" / "store.key"},
        server={"host": "127.0.0.1", "port": free_port(),
                "audit_log": root / "store" / "audit.log"},
    )


def store_bytes(settings: Settings) -> bytes:
    """Every byte of every file of the store, and the audit log (which must hold no content)."""
    root = settings.session_store_dir.parent
    return b"\0".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def spoken_words(*texts: str) -> set[str]:
    return {w for text in texts for w in re.findall(r"\w{5,}", text)}


def audio_pieces(samples: np.ndarray, count: int = 40) -> list[bytes]:
    """Runs of 16 samples (32 bytes) of PCM from where the clip is loud."""
    pcm = pcm16(samples)
    loud = np.flatnonzero(np.abs(samples[: len(samples) - 16]) > 0.05)
    picks = loud[np.linspace(0, len(loud) - 1, count).astype(int)]
    return [pcm[2 * i: 2 * i + 32] for i in picks]


def live_dictation(server, samples: np.ndarray) -> dict:
    run = asyncio.run(stream_clip(server.ws_url, samples))
    return next(m for m in run["messages"] if m["type"] == "done")


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DIKTAT_STORE__KEY_FILE": str(settings.store_key_file),
           "DIKTAT_SESSIONS_DIR": str(settings.session_store_dir),
           "DIKTAT_SERVER__AUDIT_LOG": str(settings.audit_log_path)}
    return subprocess.run([sys.executable, "-m", "diktat", *args], env=env, text=True,
                          capture_output=True, timeout=120, stdin=subprocess.DEVNULL)


def test_no_dictated_word_or_audio_lies_anywhere_in_the_store(engine, npsc_dir, tmp_path):
    settings = encrypted_settings(tmp_path)
    clip = npsc_dir / CLIP
    samples = load_audio(clip).samples
    with running_server(settings, engine) as server, \
            httpx.Client(base_url=server.url, timeout=120) as http:
        done = live_dictation(server, samples)
        job = http.post("/api/jobs", files={"file": ("opptak.wav", clip.read_bytes(),
                                                     "audio/wav")}).json()
        finished = wait_for_job(http, job["id"])
        assert finished["status"] == "done", finished
        heard = http.post("/v1/audio/transcriptions", data={"model": "whisper-1"},
                          files={"file": ("a.wav", clip.read_bytes(), "audio/wav")})
        assert heard.status_code == 200, heard.text
        edited = f"{done['note_text']}Pasienten fikk {MARKER} 5 mg.\n"
        saved = http.put(f"/api/notes/{done['note_id']}/draft",
                         json={"text": done["text"], "epj": edited})
        assert saved.status_code == 200, saved.text
        approved = http.post(f"/api/notes/{done['note_id']}/approve",
                             json={"note": done["note"], "text": edited})
        assert approved.status_code == 200, approved.text

        job_text = " ".join(s["text"] for s in finished["transcript"]["segments"])
        texts = (done["text"], done["note_text"], job_text, finished["note_text"],
                 heard.json()["text"], edited)
        words = spoken_words(*texts)
        assert MARKER in words and len(words) >= 8, words  # real speech came through
        folder = settings.session_store_dir / done["session_id"]
        kept = {p.name for p in folder.iterdir()}
        assert {"audio.wav", "transcript.json", "approved-note.txt", "text.txt"} <= kept, kept
        keys = keyring_for(settings)
        assert MARKER in read_file(keys, folder / "approved-note.txt").decode()
        everything = store_bytes(settings)
        assert len(everything) > len(pcm16(samples))  # the audio is in there, sealed
        found = sorted(w for w in words if w.encode() in everything
                       or w.lower().encode() in everything)
        assert found == []
        assert [p for p in audio_pieces(samples) if p in everything] == []
        upload = clip.read_bytes()
        assert [i for i in range(1000, len(upload) - 64, 4096)
                if upload[i:i + 64] in everything] == []


def test_after_rotate_key_recovery_dictation_and_approval_work(engine, npsc_dir, tmp_path):
    settings = encrypted_settings(tmp_path)
    samples = load_audio(npsc_dir / CLIP).samples
    keys = keyring_for(settings)
    # a dictation cut off by a crash: its audio is in the store, the session still active
    interrupted = SessionStore(settings.session_store_dir, keys).create(input_description="test")
    interrupted.append_audio(samples)
    interrupted.close()
    with running_server(settings, engine) as server, \
            httpx.Client(base_url=server.url, timeout=120) as http:
        made = http.post("/api/structure", json={"text": "BT 130/80, puls 72."}).json()
        assert http.put(f"/api/notes/{made['note_id']}/draft",
                        json={"epj": "Før nøkkelbyttet."}).status_code == 200
        server.services.recovery.join(timeout=120)
        refused = cli(settings, "store", "rotate-key")  # the running server holds the store
        assert refused.returncode != 0
        assert "another diktat process" in refused.stderr, refused.stderr
    old_key = tmp_path / "old.key"
    shutil.copy(settings.store_key_file, old_key)

    rotated = cli(settings, "store", "rotate-key")
    assert rotated.returncode == 0, rotated.stderr
    assert "file(s) rewrapped" in rotated.stdout
    with pytest.raises(StoreKeyError, match="not the key this store"):
        open_keyring(old_key, roots_of(settings))

    # a second crash left another session, now under the new key
    again = SessionStore(settings.session_store_dir, keyring_for(settings)).create(
        input_description="test")
    again.append_audio(samples)
    again.close()
    with running_server(settings, engine) as server, \
            httpx.Client(base_url=server.url, timeout=120) as http:
        server.services.recovery.join(timeout=120)
        drafts = {d["note_id"]: d for d in http.get("/api/drafts").json()}
        assert drafts[again.id]["recovered"] and drafts[interrupted.id]["recovered"]
        assert http.get(f"/api/notes/{made['note_id']}/draft").json()["epj"] == "Før nøkkelbyttet."
        recovered = http.get(f"/api/notes/{again.id}/draft").json()
        assert len(recovered["text"].split()) >= 5, recovered
        approved = http.post(f"/api/notes/{again.id}/approve",
                             json={"note": recovered["note"], "text": recovered["epj"]})
        assert approved.status_code == 200, approved.text
        done = live_dictation(server, samples)
        assert len(done["text"].split()) >= 5
        actions = [e["action"] for e in audit_entries(server)]
    assert actions.count("dictation.recovered") == 2 and "note.approved" in actions
    assert "store.key_rotated" in actions
    assert cli(settings, "store", "verify-audit").returncode == 0


def test_export_is_break_glass_with_a_reason_in_the_audit_log(engine, tmp_path):
    settings = encrypted_settings(tmp_path)
    with running_server(settings, engine) as server, \
            httpx.Client(base_url=server.url, timeout=120) as http:
        made = http.post("/api/structure", json={"text": f"Fikk {MARKER} 5 mg kl 08."}).json()
        assert http.post(f"/api/notes/{made['note_id']}/approve",
                         json={"note": made["note"], "text": made["text"]}).status_code == 200
    target = tmp_path / "utlevert"
    refused = cli(settings, "store", "export", made["note_id"], "--to", str(target))
    assert refused.returncode == 2 and "reason" in refused.stderr and not target.exists()
    reason = "Tilsynssak 2026-118, begjært av fylkeslegen"
    exported = cli(settings, "store", "export", made["note_id"], "--to", str(target),
                   "--reason", reason)
    assert exported.returncode == 0, exported.stderr
    assert MARKER in (target / "approved-note.txt").read_text(encoding="utf-8")
    assert sorted(p.name for p in target.iterdir()) == ["approved-note.json",
                                                        "approved-note.txt"]
    entries = [json.loads(line) for line in settings.audit_log_path.read_text().splitlines()]
    export = next(e for e in entries if e["action"] == "store.exported")
    assert export["reason"] == reason and export["note_id"] == made["note_id"]
    assert export["files"] == 2 and export["actor"].startswith("cli:")
