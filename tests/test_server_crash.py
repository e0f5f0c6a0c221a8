"""A real `diktat serve` process stopped the hard way and the polite way (issue 17, item 4).

- SIGKILL mid-dictation: after a restart the audio on disk is what was sent, sample for sample
  up to the last second; the session is recovered in the background and listed among the drafts
  as recovered; the interruption and the recovery are both in the audit log, whose chain holds.
- SIGTERM mid-dictation: exit 0, the dictation finished with all its audio and kept as a draft,
  nothing left in the upload spool.
- SIGTERM with upload jobs accepted: exit 0, the jobs parked, resumed after the restart under
  their ids and done, the spool empty afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

from diktat.store.audit import verify
from diktat.stt.audio import load_audio
from tests.server_helpers import free_port, pcm16, wait_until_serving
from tests.store_helpers import sealed_bytes, sealed_json, sealed_pcm

pytestmark = [pytest.mark.slow, pytest.mark.speech]
RATE = 16_000


class Serve:
    """`diktat serve` on a free port over the store under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k != "DIKTAT_SERVER__TOKEN"}
        self.log = open(root / f"serve-{self.port}.log", "w")  # noqa: SIM115 - closed in stop
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "diktat", "serve", "--port", str(self.port),
             "--sessions-dir", str(root / "sessions")],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_until_serving(self.proc, self.url, self.output)

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/dictate"

    def output(self) -> str:
        if not self.log.closed:  # stop() closes it; the message of a failed stop still reads it
            self.log.flush()
        return Path(self.log.name).read_text(encoding="utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self.log.close()


@pytest.fixture
def store(whisper_model, tmp_path) -> Path:
    return tmp_path


@pytest.fixture(scope="module")
def speech(npsc_dir) -> np.ndarray:
    """About 16 s of real Norwegian speech (the 8 s clip twice)."""
    samples = load_audio(npsc_dir / "norwegian-medium-8s.16k.wav").samples
    return np.concatenate([samples, samples]).astype(np.float32)


async def dictate_without_stop(ws_url: str, samples: np.ndarray, then) -> tuple[str, list]:
    """Stream `samples` (0.1 s frames), wait until the server reports it has recorded them
    all, then call `then()` with the socket still open (no stop). Returns the session id and
    every message received."""
    import websockets

    messages: list[dict] = []
    frame = RATE // 10
    async with websockets.connect(ws_url, max_size=2**24, open_timeout=30) as ws:
        ready = json.loads(await ws.recv())
        assert ready["type"] == "ready", ready
        for start in range(0, len(samples), frame):
            await ws.send(pcm16(samples[start:start + frame]))
            await asyncio.sleep(0.01)
        sent_s = len(samples) / RATE
        deadline = time.monotonic() + 60
        recorded = 0.0
        while recorded < sent_s - 0.05 and time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                message = json.loads(await asyncio.wait_for(ws.recv(), 1.0))
                messages.append(message)
                recorded = max(recorded, message.get("recorded_s") or 0.0)
        then()
        with contextlib.suppress(Exception):  # the server goes away: the socket closes
            async for raw in ws:
                messages.append(json.loads(raw))
    return ready["session_id"], messages


def audit_entries(root: Path) -> list[dict]:
    return [json.loads(line) for line in (root / "audit.log").read_text().splitlines() if line]


def spool_files(root: Path) -> list[Path]:
    uploads = root / "uploads"
    return sorted(p for p in uploads.rglob("*") if p.is_file()) if uploads.exists() else []


def wav_pcm(path: Path) -> np.ndarray:
    """The 16-bit samples of a session's sealed audio.wav."""
    data, rate = sf.read(io.BytesIO(sealed_bytes(path)), dtype="int16")
    assert rate == RATE
    return data


def test_sigkill_mid_dictation_is_recovered_listed_and_audited(store, speech):
    root = store
    sent = np.frombuffer(pcm16(speech), dtype="<i2")
    server = Serve(root)
    session_id, _ = asyncio.run(dictate_without_stop(
        server.ws_url, speech, lambda: server.proc.send_signal(signal.SIGKILL)))
    assert server.stop(timeout=30) == -signal.SIGKILL
    folder = root / "sessions" / session_id
    assert sealed_json(folder / "session.json")["state"] == "active"

    on_disk = sealed_pcm(folder / "audio.pcm")
    assert len(sent) - RATE <= len(on_disk) <= len(sent)  # at most the last second lost
    assert np.array_equal(on_disk, sent[:len(on_disk)])  # and the rest sample for sample

    restarted = Serve(root)
    try:
        deadline = time.monotonic() + 180
        listed = []
        while time.monotonic() < deadline:
            drafts = httpx.get(f"{restarted.url}/api/drafts", timeout=10).json()
            listed = [d for d in drafts if d["note_id"] == session_id]
            if listed:
                break
            time.sleep(0.5)
        assert listed, f"the recovered session is not listed: {restarted.output()}"
        assert listed[0]["recovered"] is True and listed[0]["note_kind"] == "session"
        draft = httpx.get(f"{restarted.url}/api/notes/{session_id}/draft", timeout=10).json()
        assert draft["text"].strip()  # the speech was transcribed again
    finally:
        assert restarted.stop() == 0, restarted.output()

    meta = sealed_json(folder / "session.json")
    assert meta["state"] == "recovered"
    assert np.array_equal(wav_pcm(folder / "audio.wav"), on_disk)
    entries = audit_entries(root)
    actions = {(e["action"], e.get("session_id")) for e in entries}
    assert ("dictation.interrupted", session_id) in actions
    assert ("dictation.recovered", session_id) in actions
    interrupted = next(e for e in entries if e["action"] == "dictation.interrupted")
    recovered = next(e for e in entries if e["action"] == "dictation.recovered")
    assert entries.index(interrupted) < entries.index(recovered)
    assert recovered["asr_model"] == "whisper-base" and recovered["stopped_by"] == "recovery"
    assert verify(root / "audit.log").intact
    raw = (root / "audit.log").read_text().lower()
    for word in {w.strip(".,!?").lower() for w in draft["text"].split()}:
        if len(word) >= 6:
            assert word not in raw, word  # no dictated text in the audit log
    assert not spool_files(root)


def test_sigterm_mid_dictation_exits_0_and_keeps_it(store, speech):
    root = store
    sent = np.frombuffer(pcm16(speech), dtype="<i2")
    server = Serve(root)
    session_id, _ = asyncio.run(dictate_without_stop(
        server.ws_url, speech, lambda: server.proc.send_signal(signal.SIGTERM)))
    assert server.stop() == 0, server.output()

    folder = root / "sessions" / session_id
    meta = sealed_json(folder / "session.json")
    assert meta["state"] == "finished"
    assert np.array_equal(wav_pcm(folder / "audio.wav"), sent)  # every sample sent, kept
    draft = sealed_json(folder / "draft.json")
    assert draft["text"].strip()
    done = [e for e in audit_entries(root) if e["action"] == "dictation.finished"]
    assert [(e["session_id"], e["stopped_by"]) for e in done] == [(session_id, "shutdown")]
    assert audit_entries(root)[-1]["action"] == "server.stopped"  # the stop itself, last
    assert verify(root / "audit.log").intact
    assert not spool_files(root)


def test_sigterm_with_jobs_accepted_parks_and_resumes_them(store, npsc_dir):
    root = store
    clip = (npsc_dir / "norwegian-medium-8s.16k.wav").read_bytes()
    server = Serve(root)
    ids = []
    for i in range(6):  # more than a fast machine finishes before the SIGTERM that follows
        r = httpx.post(f"{server.url}/api/jobs", timeout=30,
                       files={"file": (f"opptak-{i}.wav", clip, "audio/wav")})
        assert r.status_code == 202, r.text
        ids.append(r.json()["id"])
    assert server.stop() == 0, server.output()
    done_before = {e["job_id"] for e in audit_entries(root) if e["action"] == "job.done"}
    waiting = set(ids) - done_before
    assert waiting, "every job ended before the shutdown: nothing was tested"
    # Whatever was not done is parked: its upload and its description, nothing else.
    assert len([p for p in spool_files(root) if p.parent.name == "uploads"]) == len(waiting)

    restarted = Serve(root)
    try:
        deadline = time.monotonic() + 180
        states = {}
        while time.monotonic() < deadline:
            states = {i: httpx.get(f"{restarted.url}/api/jobs/{i}", timeout=10).json()
                      for i in waiting}
            if all(s.get("status") in ("done", "failed") for s in states.values()):
                break
            time.sleep(0.5)
        assert all(s["status"] == "done" for s in states.values()), states
        assert all(s["note_id"] for s in states.values())
        drafts = {d["note_id"] for d in httpx.get(f"{restarted.url}/api/drafts").json()}
        assert {s["note_id"] for s in states.values()} <= drafts
    finally:
        assert restarted.stop() == 0, restarted.output()
    entries = audit_entries(root)
    assert {e["job_id"] for e in entries if e["action"] == "job.resumed"} == waiting
    assert {e["job_id"] for e in entries if e["action"] == "job.done"} == set(ids)
    assert verify(root / "audit.log").intact
    assert not spool_files(root)
