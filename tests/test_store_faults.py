"""Truth under faults (issue 17, item 3): the store on a real, small tmpfs filled to the brim.

Every write path answers precisely (507 for a full disk, a named 503 for an audit log that cannot
be written), leaves the store as it was, and leaves no partial file, lock or file handle behind.
The server runs in-process (Starlette's TestClient) with a fake recogniser: no model is loaded.
Mounting needs root (CI runs as root); without it, or where mount fails, these tests skip.
The document bounds (depth, size) need no tmpfs and always run.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import subprocess
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from diktat.config import Settings
from diktat.server.app import create_app
from diktat.server.services import Services
from diktat.store.keys import STORE_LOCK
from diktat.store.names import APPROVED_JSON, APPROVED_TEXT, DRAFT_JSON
from diktat.types import Transcript

PAGE = 4096
NOTE_TEXT = "Pasienten har hatt en rolig natt. Blodtrykket var 130/80 og pulsen 72."


@dataclass
class Disk:
    """A small tmpfs: `fill` writes a filler file until the disk is full (ENOSPC)."""

    root: Path

    @property
    def filler(self) -> Path:
        return self.root / "filler"

    def fill(self, *, leave_pages: int = 0) -> None:
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for size in (64 * PAGE, PAGE, 1):
                while True:
                    try:
                        os.write(fd, b"\0" * size)
                    except OSError as exc:
                        assert exc.errno == errno.ENOSPC, exc
                        break
            if leave_pages:
                left = os.fstat(fd).st_size
                os.ftruncate(fd, max(0, left - left % PAGE - leave_pages * PAGE))
        finally:
            os.close(fd)

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)


@contextlib.contextmanager
def small_tmpfs(where: Path, size: str = "2m") -> Iterator[Disk]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs to fill needs root (CI runs as root)")
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                              str(where)], capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs at {where}: {mounted.stderr.strip()}")
    try:
        yield Disk(where)
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


@pytest.fixture
def disk(tmp_path) -> Iterator[Disk]:
    with small_tmpfs(tmp_path / "disk") as mounted:
        yield mounted


class FakeEngine:
    """Hears nothing: enough for the server to start and for live dictation to run."""

    model_id = "fake-asr"
    model_sha256 = None
    workers = 1

    def transcribe(self, samples, opts) -> Transcript:
        return Transcript(language="no", duration=len(samples) / 16_000, model_id=self.model_id)

    def decode_window(self, samples, opts, *, max_new_tokens=None):
        return []


@dataclass
class Server:
    client: object
    settings: Settings
    services: Services

    @property
    def sessions(self) -> Path:
        return self.settings.session_store_dir

    def note_folder(self, note_id: str) -> Path:
        return self.settings.notes_store_dir / note_id

    def fill_audit_log(self) -> None:
        """On a full disk, append entries until the log's last page has no room for one more."""
        from diktat.errors import OutputError

        with contextlib.suppress(OutputError):
            for _ in range(100):
                self.services.audit.record("server.started", actor="test")

    def audit_actions(self) -> list[str]:
        lines = self.settings.audit_log_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["action"] for line in lines if line.strip()]


@contextlib.contextmanager
def server(store: Path, audit_log: Path | None = None) -> Iterator[Server]:
    from fastapi.testclient import TestClient

    settings = Settings(
        sessions_dir=store / "sessions",
        # TestClient's WebSocket names the host "testserver" (port 80).
        server={"host": "127.0.0.1", "port": 8000, "allowed_hosts": ["testserver:80"],
                "audit_log": audit_log or store / "audit.log"},
    )
    services = Services.build(settings, engine=FakeEngine())
    try:
        app = create_app(settings, services=services)
        with TestClient(app, base_url="http://127.0.0.1:8000",
                        raise_server_exceptions=False) as client:
            yield Server(client, settings, services)
    finally:
        services.close()


def made_note_with_draft(srv: Server) -> tuple[str, dict]:
    made = srv.client.post("/api/structure", json={"text": NOTE_TEXT})
    assert made.status_code == 200, made.text
    note_id = made.json()["note_id"]
    saved = srv.client.put(f"/api/notes/{note_id}/draft", json={"epj": "Mitt utkast.",
                                                                "note": made.json()["note"]})
    assert saved.status_code == 200, saved.text
    return note_id, made.json()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


# --- a. Approval ------------------------------------------------------------------------------

@pytest.mark.parametrize("leave_pages", [0, 1], ids=["no-room", "room-for-one-file"])
def test_approve_on_a_full_disk_leaves_the_store_as_before(disk, leave_pages):
    with server(disk.root) as srv:
        note_id, made = made_note_with_draft(srv)
        folder = srv.note_folder(note_id)
        before = leftovers(folder)
        disk.fill(leave_pages=leave_pages)
        answer = srv.client.post(f"/api/notes/{note_id}/approve",
                                 json={"note": made["note"], "text": made["text"]})
        assert leftovers(folder) == before == [DRAFT_JSON]  # no half approval, no temp file
        assert "note.approved" not in srv.audit_actions()
        assert answer.status_code == 507, answer.text
        assert "ikke godkjent" in answer.json()["detail"]
        assert srv.client.get(f"/api/notes/{note_id}/draft").json()["epj"] == "Mitt utkast."

        disk.free()
        answer = srv.client.post(f"/api/notes/{note_id}/approve",
                                 json={"note": made["note"], "text": made["text"]})
        assert answer.status_code == 200, answer.text
        assert leftovers(folder) == sorted([APPROVED_JSON, APPROVED_TEXT])  # the draft is gone
        assert srv.audit_actions().count("note.approved") == 1


def test_approve_without_its_audit_entry_keeps_nothing(tmp_path):
    """A full audit log: the approval fails (507) before any file is kept or the draft goes."""
    with small_tmpfs(tmp_path / "audit-disk") as audit_disk, \
            server(tmp_path / "store", audit_disk.root / "audit.log") as srv:
        note_id, made = made_note_with_draft(srv)
        folder = srv.note_folder(note_id)
        audit_disk.fill()
        srv.fill_audit_log()
        answer = srv.client.post(f"/api/notes/{note_id}/approve",
                                 json={"note": made["note"], "text": made["text"]})
        assert answer.status_code == 507, answer.text
        assert "ikke godkjent" in answer.json()["detail"]
        assert leftovers(folder) == [DRAFT_JSON]
        assert "note.approved" not in srv.audit_actions()


def test_approve_with_an_unwritable_audit_log_keeps_nothing(tmp_path):
    """Not a full disk but a log that cannot be opened: 503 naming the audit log; no root."""
    with server(tmp_path / "store") as srv:
        note_id, made = made_note_with_draft(srv)
        log = srv.settings.audit_log_path
        log.unlink()
        log.mkdir()  # opening it for appending now fails (EISDIR)
        answer = srv.client.post(f"/api/notes/{note_id}/approve",
                                 json={"note": made["note"], "text": made["text"]})
        assert answer.status_code == 503, answer.text
        assert "Revisjonsloggen" in answer.json()["detail"]
        assert leftovers(srv.note_folder(note_id)) == [DRAFT_JSON]


# --- b. Structuring needs its audit entry -----------------------------------------------------

def test_structure_with_a_full_audit_log_answers_507(tmp_path):
    with small_tmpfs(tmp_path / "audit-disk") as audit_disk, \
            server(tmp_path / "store", audit_disk.root / "audit.log") as srv:
        audit_disk.fill()
        srv.fill_audit_log()
        answer = srv.client.post("/api/structure", json={"text": NOTE_TEXT})
        assert answer.status_code == 507, answer.text
        assert "revisjonsloggen" in answer.json()["detail"]
        assert "note" not in answer.json()  # no note handed out without its entry


def test_structure_with_an_unwritable_audit_log_answers_503(tmp_path):
    with server(tmp_path / "store") as srv:
        log = srv.settings.audit_log_path
        log.unlink()
        log.mkdir()
        answer = srv.client.post("/api/structure", json={"text": NOTE_TEXT})
        assert answer.status_code == 503, answer.text
        assert "Revisjonsloggen" in answer.json()["detail"]


# --- c. Uploads ---------------------------------------------------------------------------------

def _wav(seconds: float = 3.0) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes((np.sin(np.arange(int(16_000 * seconds)) / 5) * 8000).astype("<i2")
                      .tobytes())
    return out.getvalue()


def test_uploads_on_a_full_disk_answer_507_and_leave_nothing(disk):
    with server(disk.root) as srv:
        disk.fill()
        audio = _wav()
        answer = srv.client.post("/v1/audio/transcriptions",
                                 files={"file": ("opptak.wav", audio, "audio/wav")},
                                 data={"model": "whisper-1"})
        assert answer.status_code == 507, answer.text
        assert answer.json()["error"]["code"] == "insufficient_storage"
        assert leftovers(srv.settings.uploads_dir) == []
        answer = srv.client.post("/api/jobs", files={"file": ("opptak.wav", audio, "audio/wav")})
        assert answer.status_code == 507, answer.text
        assert "Disken på serveren er full" in answer.json()["detail"]
        assert leftovers(srv.settings.uploads_dir) == []


# --- d. Document bounds (no tmpfs needed) -------------------------------------------------------

def _nested(levels: int) -> dict:
    value: dict = {"x": 1}
    for _ in range(levels):
        value = {"a": value}
    return value


def test_a_draft_nested_too_deep_is_refused_and_the_good_one_stays(tmp_path):
    with server(tmp_path / "store") as srv:
        note_id, _ = made_note_with_draft(srv)
        path = f"/api/notes/{note_id}/draft"
        answer = srv.client.put(path, json={"epj": "Ødelagt", "note": _nested(200)})
        assert answer.status_code == 422, answer.text
        assert "nestet for dypt" in answer.text
        kept = srv.client.get(path)
        assert kept.status_code == 200 and kept.json()["epj"] == "Mitt utkast."
        assert [d["note_id"] for d in srv.client.get("/api/drafts").json()] == [note_id]
        # An approval nested as deep is refused the same way, and keeps nothing.
        answer = srv.client.post(f"/api/notes/{note_id}/approve",
                                 json={"note": _nested(200), "text": "x"})
        assert answer.status_code == 422, answer.text
        assert leftovers(srv.note_folder(note_id)) == [DRAFT_JSON]


def test_a_draft_over_the_size_bound_is_refused_and_the_good_one_stays(tmp_path):
    with server(tmp_path / "store") as srv:
        note_id, _ = made_note_with_draft(srv)
        path = f"/api/notes/{note_id}/draft"
        huge = {"items": ["x" * 1000] * 3000}  # 3 MB: under the body limit, over the store's
        answer = srv.client.put(path, json={"epj": "For stort", "note": huge})
        assert answer.status_code == 413, answer.text
        assert srv.client.get(path).json()["epj"] == "Mitt utkast."


# --- e. Live dictation on a full disk -----------------------------------------------------------

def _dictate_once(srv: Server) -> list[dict]:
    from starlette.websockets import WebSocketDisconnect

    messages = []
    with srv.client.websocket_connect("/ws/dictate") as ws:
        frame = (np.sin(np.arange(1600) / 5) * 8000).astype("<i2").tobytes()
        for _ in range(10):
            ws.send_bytes(frame)
        ws.send_text(json.dumps({"type": "stop"}))
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                messages.append(ws.receive_json())
    return messages


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_live_dictation_on_a_full_disk_tells_the_truth_and_leaks_nothing(disk):
    with server(disk.root) as srv:
        disk.fill()
        _dictate_once(srv)  # warm up the client's own threads and sockets
        fds = _open_fds()
        errors = [[m for m in _dictate_once(srv) if m["type"] == "error"] for _ in range(6)]
        assert _open_fds() <= fds  # no lock file or audio file left open
        # No "damaged" folder for retention to trip on: nothing but the store's lock file.
        assert [n for n in leftovers(srv.sessions) if n != STORE_LOCK] == []
        for error in errors:
            assert len(error) == 1, error
            assert "Lyden som kom fram" not in error[0]["message"]  # nothing was kept
            assert "ingenting" in error[0]["message"] and "full" in error[0]["message"]
