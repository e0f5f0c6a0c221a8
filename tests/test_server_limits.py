"""`diktat serve` under two availability attacks (issue 15), against real servers with real audio.

- A small upload that holds hours of audio (FLAC silence, the header's length zeroed or lying)
  is refused with 413 after at most `max_duration_s` of it is decoded: the peak memory of a real
  `diktat serve` process grows by at most 300 MB (it grew by gigabytes).
- Live slots cannot be held by a trickle of 2-byte frames: idleness is measured in seconds of
  audio received, so such sessions are closed after `max_pause_s` (short here) with a
  Norwegian reason, and a real dictation then gets a slot; one at real-time pace is not closed,
  and a paused one with speech is closed and kept as a draft.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from diktat.config import ServerSettings
from diktat.stt.audio import SAMPLE_RATE, load_audio
from tests.crafted_audio import set_flac_total_samples, silent_flac
from tests.server_helpers import (
    free_port,
    pcm16,
    running_server,
    server_settings,
    wait_until_serving,
)

MB = 1024 * 1024
MAX_GROWTH = 300 * MB
DEFAULT_MAX_DURATION_S = ServerSettings().max_duration_s
MAX_PAUSE_S = 3.0


# --- pure logic ------------------------------------------------------------------------------


def test_audio_activity_counts_seconds_of_audio_not_frames():
    """Simulated clock: a 2-byte frame every 0.5 s expires after max_pause_s, as does audio at
    5 % of real time; real time, or 20 %, never does; a pause is idle time; a resume is not."""
    from diktat.server.live import AudioActivity

    def run(activity, frames, until, step=0.1):
        expired_at = None
        for i in range(round(until / step)):
            now = i * step
            for at, samples in frames(now, step):
                activity.received(samples, at)
            if expired_at is None and activity.expired(now):
                expired_at = now
        return expired_at

    def every(period, samples):
        def frames(now, step):
            k = round(now / step)
            return [(now, samples)] if k % round(period / step) == 0 else []
        return frames

    def trickle():
        return AudioActivity(5, 0.1, now=0)

    assert run(trickle(), every(0.5, 1), 30) == pytest.approx(5.1)
    assert run(trickle(), every(0.1, 1600), 120) is None  # real time
    assert run(trickle(), every(1.0, 3200), 120) is None  # 20 % of real time
    assert run(trickle(), every(1.0, 800), 120) is not None  # 5 % of real time
    assert run(trickle(), lambda now, step: [], 30) == pytest.approx(5.1)  # nothing at all

    paused = AudioActivity(5, 0.1, now=0)
    run(paused, every(0.1, 1600), 3)
    paused.pause(3.0)  # idle from here: the page keeps sending while paused, which is not counted
    for t in np.arange(3.0, 8.5, 0.1):
        paused.received(1600, t)
    assert not paused.expired(7.9) and paused.expired(8.1)
    paused.resume()
    assert paused.expired(8.2)  # a resume alone is no activity
    paused.received(2 * SAMPLE_RATE, 8.3)
    assert not paused.expired(8.3) and paused.idle_s(8.3) == 0


def test_pause_limit_settings_are_validated():
    server = ServerSettings()
    assert server.max_pause_s == 600 and server.min_audio_share == 0.1
    for bad in ({"max_pause_s": 0}, {"max_pause_s": -1}, {"min_audio_share": 0},
                {"min_audio_share": 1.5}):
        with pytest.raises(ValueError):
            ServerSettings(**bad)


def test_idle_reason_is_norwegian_and_fits_a_close_frame():
    from diktat.server.routers.stream_ws import idle_message

    assert idle_message(600) == ("Ingen lyd på over 10 minutter; diktatet avsluttes og lagres "
                                 "som utkast.")
    assert "1 minutt;" in idle_message(60) and "2.5 sekunder" in idle_message(2.5)
    for seconds in (0.5, 3, 59.9, 61, 600, 86_400):
        assert len(idle_message(seconds).encode()) <= 123


# --- bounded decoding: a real `diktat serve` process ------------------------------------------


class PeakRss:
    """Growth of a process's resident memory over a `with` block: the kernel's high-water mark
    (VmHWM, reset through /proc/PID/clear_refs) where the kernel lets us reset it, and a 5 ms
    poll of VmRSS besides."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.base = self.peak = 0
        self._reset = False
        self._stop = threading.Event()

    def _status(self, field: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise AssertionError(f"no {field} for process {self.pid}")

    def _poll(self) -> None:
        while not self._stop.wait(0.005):
            with contextlib.suppress(OSError, AssertionError):
                self.peak = max(self.peak, self._status("VmRSS"))

    def __enter__(self) -> PeakRss:
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
            self._reset = True
        except OSError:
            self._reset = False
        self.base = self.peak = self._status("VmRSS")
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._status("VmRSS"))
        if self._reset:
            self.peak = max(self.peak, self._status("VmHWM"))

    @property
    def growth(self) -> int:
        return self.peak - self.base


@pytest.fixture(scope="module")
def serve_process(whisper_model, tmp_path_factory):
    """`diktat serve` with default limits (max_duration_s 1800, max_upload_mb 50), loopback."""
    root = tmp_path_factory.mktemp("serve-limits")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DIKTAT_SERVER__TOKEN"}
    log = open(root / "serve.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "diktat", "serve", "--port", str(port),
         "--sessions-dir", str(root / "sessions")],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, url, (root / "serve.log").read_text)
        yield proc, url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def hours_of_silence(tmp_path_factory) -> Path:
    """Three hours of FLAC silence (about 0.5 MB) whose header says nothing of its length."""
    path = silent_flac(tmp_path_factory.mktemp("bombs") / "opptak.flac", 3 * 3600)
    return set_flac_total_samples(path, 0)


@pytest.fixture(scope="module")
def claims_one_second(tmp_path_factory) -> Path:
    """An hour of FLAC silence whose header claims one second."""
    path = silent_flac(tmp_path_factory.mktemp("bombs") / "kort.flac", 3600)
    return set_flac_total_samples(path, SAMPLE_RATE)


@pytest.mark.slow
def test_small_uploads_that_hold_hours_are_refused_within_300_mb(
    serve_process, hours_of_silence, claims_one_second, npsc_dir
):
    proc, url = serve_process
    assert hours_of_silence.stat().st_size < 1 * MB
    limit = f"at most {DEFAULT_MAX_DURATION_S:.0f} s"
    with httpx.Client(base_url=url, timeout=300) as http:
        with PeakRss(proc.pid) as openai_route:
            r = http.post("/v1/audio/transcriptions", data={"model": "whisper-1"},
                          files={"file": ("opptak.flac", hours_of_silence.read_bytes(),
                                          "audio/flac")})
        assert r.status_code == 413, r.text
        assert limit in r.json()["error"]["message"]

        with PeakRss(proc.pid) as jobs_route:
            r = http.post("/api/jobs", files={"file": ("kort.flac", claims_one_second.read_bytes(),
                                                       "audio/flac")})
            assert r.status_code == 202, r.text
            job_id = r.json()["id"]
            deadline = time.monotonic() + 240
            while (state := http.get(f"/api/jobs/{job_id}").json())["status"] not in (
                    "done", "failed"):
                assert time.monotonic() < deadline, state
                time.sleep(0.1)
        assert state["status"] == "failed" and limit in state["error"], state

        print(f"\npeak RSS growth: 3 h FLAC with no length on /v1/audio/transcriptions "
              f"{openai_route.growth / MB:.0f} MB (from {openai_route.base / MB:.0f} MB); "
              f"1 h FLAC claiming 1 s on /api/jobs {jobs_route.growth / MB:.0f} MB "
              f"(from {jobs_route.base / MB:.0f} MB)")
        assert openai_route.growth < MAX_GROWTH, f"{openai_route.growth / MB:.0f} MB"
        assert jobs_route.growth < MAX_GROWTH, f"{jobs_route.growth / MB:.0f} MB"

        # ... and the server still transcribes a real recording.
        clip = npsc_dir / "norwegian-short-3s.16k.wav"
        r = http.post("/v1/audio/transcriptions", data={"model": "whisper-1"},
                      files={"file": (clip.name, clip.read_bytes(), "audio/wav")})
        assert r.status_code == 200 and r.json()["text"].strip(), r.text


# --- live slots: a real server in this process ------------------------------------------------


@pytest.fixture(scope="module")
def live_server(engine, tmp_path_factory):
    root = tmp_path_factory.mktemp("server-limits")
    settings = server_settings(root, max_pause_s=MAX_PAUSE_S)  # the default 8 live slots
    with running_server(settings, engine) as running:
        yield running


async def _trickle(ws_url: str, period_s: float = 2.0) -> dict:
    """A session that sends a 2-byte frame every `period_s` until the server closes it."""
    import websockets

    messages: list[dict] = []
    async with websockets.connect(ws_url) as ws:
        opened = time.monotonic()

        async def drip() -> None:
            with contextlib.suppress(websockets.ConnectionClosed):
                while True:
                    await ws.send(b"\0\0")
                    await asyncio.sleep(period_s)

        dripping = asyncio.create_task(drip())
        try:
            async for raw in ws:
                messages.append(json.loads(raw))
        finally:
            dripping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await dripping
        return {"messages": messages, "held_s": time.monotonic() - opened,
                "code": ws.close_code, "reason": ws.close_reason}


async def _refused_code(ws_url: str) -> int | None:
    import websockets

    async with websockets.connect(ws_url) as ws:
        try:
            await ws.recv()
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code
        return None


async def _dictate(ws_url: str, samples: np.ndarray, *, pause_after: bool = False,
                   paused_s: float = 0.0) -> dict:
    """Stream `samples` at real time in 0.1 s frames as the page does; with `pause_after`, then
    pause and keep sending silence (the page sends while paused) until the server closes, else
    send stop. Returns the messages and the close code and reason."""
    import websockets

    frame = SAMPLE_RATE // 10
    messages: list[dict] = []
    async with websockets.connect(ws_url, max_size=2**24) as ws:

        async def receive() -> None:
            async for raw in ws:
                messages.append(json.loads(raw))

        reader = asyncio.create_task(receive())
        started = time.monotonic()
        for i, start in enumerate(range(0, len(samples), frame)):
            await ws.send(pcm16(samples[start:start + frame]))
            await asyncio.sleep(max(0.0, started + (i + 1) * 0.1 - time.monotonic()))
        paused_at = time.monotonic()
        if pause_after:
            await ws.send(json.dumps({"type": "pause"}))
            with contextlib.suppress(websockets.ConnectionClosed):
                while not reader.done():
                    await ws.send(pcm16(np.zeros(frame, np.float32)))
                    await asyncio.sleep(0.1)
        else:
            await ws.send(json.dumps({"type": "stop"}))
        await reader
        return {"messages": messages, "code": ws.close_code, "reason": ws.close_reason,
                "paused_s": time.monotonic() - paused_at}


def _errors(run: dict) -> list[str]:
    return [m["message"] for m in run["messages"] if m["type"] == "error"]


def _stalled_sockets(port: int, count: int) -> list[tuple[socket.socket, int]]:
    """Raw WebSocket clients that flood pings for a second and never read again after the
    handshake: the server's pongs and messages fill the socket buffers, so every send of the
    server (its keep-alive pings included) waits forever for the buffers to drain."""
    socks = [_handshake_only(port) for _ in range(count)]
    mask = os.urandom(4)
    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(b"p" * 125))
    pings = (bytes([0x89, 0x80 | 125]) + mask + payload) * 64  # masked ping frames
    sent = [0] * count
    until = time.monotonic() + 1
    while time.monotonic() < until:
        for i, sock in enumerate(socks):
            with contextlib.suppress(BlockingIOError):
                sent[i] += sock.send(pings)
    return list(zip(socks, sent, strict=True))


def _handshake_only(port: int) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(f"GET /ws/dictate HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                 f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                 "Sec-WebSocket-Version: 13\r\n\r\n".encode())
    assert sock.recv(12).endswith(b"101"), "handshake refused"
    sock.setblocking(False)
    return sock


@pytest.mark.slow
@pytest.mark.timing
def test_a_client_that_stops_reading_does_not_keep_its_slot(live_server, monkeypatch):
    """A client that floods pings and never reads: the session goes idle after max_pause_s, but
    its last messages (and its close) could never be sent, so the slot was held for as long as
    the client kept the connection open (the keep-alive ping waits to be written too). A send
    that cannot be written within the send timeout now gives up on the client."""
    from diktat.server.routers import stream_ws

    monkeypatch.setattr(stream_ws, "SEND_TIMEOUT_S", 2.0)
    streams = live_server.services.streams
    held = _stalled_sockets(live_server.port, 2)
    try:
        assert all(sent > 1 * MB for _, sent in held)  # the buffers are full
        assert streams.active == 2
        deadline = time.monotonic() + MAX_PAUSE_S + 2.0 + 20
        while streams.active and time.monotonic() < deadline:
            time.sleep(0.2)
        assert streams.active == 0, "a stalled client still holds its live slot"
        assert asyncio.run(asyncio.wait_for(_first_message(live_server.ws_url), 30)) == "ready"
    finally:
        for sock, _ in held:
            sock.close()
        deadline = time.monotonic() + 30  # the slots free for the next test
        while streams.active and time.monotonic() < deadline:
            time.sleep(0.1)


async def _first_message(ws_url: str) -> str:
    import websockets

    async with websockets.connect(ws_url) as ws:
        return json.loads(await ws.recv())["type"]


@pytest.mark.slow
@pytest.mark.timing
def test_trickled_sessions_are_closed_after_max_pause_s_and_real_dictation_gets_a_slot(
    live_server, npsc_dir
):
    """All 8 slots held by 2-byte frames every 2 s: a ninth dictation is refused (1013) until
    they are closed after max_pause_s with the Norwegian reason; a real dictation at real-time
    pace, longer than max_pause_s, then gets a slot and is not closed."""
    medium = load_audio(npsc_dir / "norwegian-medium-8s.16k.wav").samples
    url = live_server.ws_url

    async def scenario():
        slots = live_server.settings.server.max_streams
        trickles = [asyncio.create_task(_trickle(url)) for _ in range(slots)]
        await asyncio.sleep(1.0)
        refused = await _refused_code(url)
        done = await asyncio.wait_for(asyncio.gather(*trickles), MAX_PAUSE_S + 30)
        real = await asyncio.wait_for(_dictate(url, medium), 120)
        return refused, done, real

    refused, trickles, real = asyncio.run(scenario())
    assert refused == 1013
    for run in trickles:
        kinds = [m["type"] for m in run["messages"]]
        assert kinds[0] == "ready" and kinds[-1] == "done", kinds
        assert _errors(run) == [f"Ingen lyd på over {MAX_PAUSE_S:g} sekunder; diktatet "
                                "avsluttes og lagres som utkast."]
        assert run["code"] == 1000 and run["reason"].startswith("Ingen lyd på over")
        # Closed once max_pause_s passed without audio (not at once; not minutes later).
        assert MAX_PAUSE_S - 0.5 < run["held_s"] < MAX_PAUSE_S + 20, run["held_s"]
        assert run["messages"][-1]["text"] == ""
    drafts = httpx.get(f"{live_server.url}/api/drafts").json()
    assert not {r["messages"][-1]["session_id"] for r in trickles} & {
        d["note_id"] for d in drafts}  # nothing was said: no empty drafts in the nurse's list

    assert not _errors(real) and real["code"] == 1000 and real["reason"] == ""
    done = real["messages"][-1]
    assert done["type"] == "done" and done["text"].strip()
    assert done["transcript"]["duration"] == pytest.approx(len(medium) / SAMPLE_RATE, abs=0.2)


@pytest.mark.slow
@pytest.mark.timing
def test_a_paused_dictation_is_closed_after_max_pause_s_and_kept_as_a_draft(
    live_server, npsc_dir
):
    short = load_audio(npsc_dir / "norwegian-short-3s.16k.wav").samples
    run = asyncio.run(asyncio.wait_for(
        _dictate(live_server.ws_url, short, pause_after=True), MAX_PAUSE_S + 60))
    assert len(_errors(run)) == 1 and _errors(run)[0].startswith("Ingen lyd på over")
    assert run["code"] == 1000 and run["reason"] == _errors(run)[0]
    # Idle from the pause on (the audio before it does not keep the session for 10 s more).
    assert MAX_PAUSE_S - 0.5 < run["paused_s"] < MAX_PAUSE_S + 20, run["paused_s"]
    done = run["messages"][-1]
    assert done["type"] == "done" and done["text"].strip()
    session = live_server.settings.session_store_dir / done["session_id"]
    assert (session / "audio.wav").exists()
    # Kept as a draft in the store even with no page there to save it.
    draft = httpx.get(f"{live_server.url}/api/notes/{done['note_id']}/draft").json()
    assert draft["text"] == done["text"] and draft["epj"] == done["note_text"]
    assert done["note_id"] in {d["note_id"] for d in httpx.get(
        f"{live_server.url}/api/drafts").json()}
    audit = live_server.settings.audit_log_path.read_text(encoding="utf-8")
    finished = [json.loads(line) for line in audit.splitlines()
                if '"dictation.finished"' in line]
    assert {"session_id": done["session_id"], "stopped_by": "idle"}.items() <= next(
        e for e in finished if e["session_id"] == done["session_id"]).items()
