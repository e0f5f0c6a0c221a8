"""A real `diktat serve` on loopback for tests and benchmarks: uvicorn in a thread, free port.

`running_server` takes the test session's already loaded engine (through `Services.build`), so
the model is loaded once however many servers a test module starts.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

from diktat.config import Settings
from diktat.server.app import create_app
from diktat.server.run import uvicorn_config
from diktat.server.services import Services


@dataclass
class RunningServer:
    url: str
    port: int
    services: Services
    settings: Settings

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/dictate"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_settings(root: Path, **server) -> Settings:
    """Settings with every store under `root` and the [server] values given; the live capacity
    fixed at `max_streams` unless given (0: measured at start, as in production), so that test
    servers do not spend seconds of decoding on it."""
    server.setdefault("live_capacity", server.get("max_streams", 8))
    return Settings(
        sessions_dir=root / "sessions",
        server={"host": "127.0.0.1", "port": free_port(), "audit_log": root / "audit.log",
                **server},
    )


@contextlib.contextmanager
def running_server(settings: Settings, engine) -> Iterator[RunningServer]:
    import uvicorn

    services = Services.build(settings, engine=engine)
    server = uvicorn.Server(uvicorn_config(create_app(settings, services=services),
                                           settings.server))
    thread = threading.Thread(target=server.run, name="test-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield RunningServer(f"http://127.0.0.1:{settings.server.port}", settings.server.port,
                            services, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        services.close()


def pcm16(samples: np.ndarray) -> bytes:
    """float32 [-1, 1] → 16-bit little-endian PCM, as the web page sends it."""
    return np.clip(np.round(samples * 32768.0), -32768, 32767).astype("<i2").tobytes()


async def stream_clip(ws_url: str, samples: np.ndarray, *, frame_s: float = 0.1,
                      realtime: bool = False, pace_s: float = 0.0) -> dict:
    """Stream `samples` over /ws/dictate, send stop, and collect every message until the socket
    closes. `realtime` paces frames by the clock (as a microphone would); else `pace_s` between
    frames. Returns {"messages": [...], "frame_times": [...], "stop_sent": t, "done_at": t}."""
    import asyncio

    import websockets

    frame = max(1, round(frame_s * 16_000))
    messages: list[dict] = []
    arrivals: list[float] = []
    async with websockets.connect(ws_url, max_size=2**24, open_timeout=30) as ws:

        async def receive() -> None:
            async for raw in ws:
                messages.append(json.loads(raw))
                arrivals.append(time.monotonic())

        reader = asyncio.create_task(receive())
        started = time.monotonic()
        for i, start in enumerate(range(0, len(samples), frame)):
            await ws.send(pcm16(samples[start:start + frame]))
            if realtime:
                due = started + (i + 1) * frame_s
                await asyncio.sleep(max(0.0, due - time.monotonic()))
            elif pace_s:
                await asyncio.sleep(pace_s)
        stop_sent = time.monotonic()
        await ws.send(json.dumps({"type": "stop"}))
        await reader
    return {"messages": messages, "arrivals": arrivals, "started": started,
            "stop_sent": stop_sent}


NOTE_TEXT = ("Pasienten har hatt en rolig natt. Blodtrykket var 130/80 og pulsen 72. "
             "Hun fikk Paracet 1 g klokka åtte.")
ORIGINAL = "Opprinnelig utkast fra sykepleieren."
NOT_AUDIO = b"RIFF\x10\x00\x00\x00WAVE" + b"\x00" * 2000


def audit_entries(server) -> list[dict]:
    path = server.settings.audit_log_path
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


async def first_ws_frame(url: str, **connect) -> str | int:
    """The type of the first message, or the close code when the server closes instead."""
    import websockets

    async with websockets.connect(url, **connect) as ws:
        try:
            first = json.loads(await ws.recv())["type"]
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code
        await ws.send(json.dumps({"type": "stop"}))
        async for _ in ws:
            pass
        return first


def wait_until_serving(proc, url: str, output, timeout: float = 120) -> None:
    """Wait for a `diktat serve` subprocess to answer /health; its `output()` if it exits."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"diktat serve exited {proc.returncode}: {output()}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "diktat serve did not come up"
        time.sleep(0.2)


def wait_for_job(http, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        state = http.get(f"/api/jobs/{job_id}").json()
        if state["status"] in ("done", "failed") or time.monotonic() > deadline:
            return state
        time.sleep(0.1)


@contextlib.contextmanager
def nurse_draft(server, token: str | None = None) -> Iterator[tuple[str, str]]:
    """A note with the nurse's draft (`ORIGINAL`) on `server`: (note id, draft path)."""
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=server.url, headers=auth, timeout=60) as client:
        made = client.post("/api/structure", json={"text": NOTE_TEXT}).json()
        path = f"/api/notes/{made['note_id']}/draft"
        assert client.put(path, json={"epj": ORIGINAL}).status_code == 200
        yield made["note_id"], path
        client.delete(path)
