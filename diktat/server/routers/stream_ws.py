"""WebSocket /ws/dictate: live dictation from the browser's microphone.

In: binary frames of 16 kHz mono 16-bit little-endian PCM (any size), and text frames
``{"type": "stop" | "pause" | "resume"}``. Out: ``ready``, ``view`` (whenever the text or status
changes), ``done`` (transcript and note) or ``error`` (Norwegian). Over `max_streams` the socket
is closed with 1013 (try again later); a wrong token with 1008.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from diktat.server.deps import websocket_token_ok
from diktat.server.live import LiveDictation, Message
from diktat.server.services import Services
from diktat.stt.audio import SAMPLE_RATE

router = APIRouter()

BUSY = "Serveren har for mange diktater samtidig; prøv igjen om litt."
BAD_TOKEN = "Feil eller manglende tilgangsnøkkel (token)."
TOO_LONG = "Diktatet er for langt; det avsluttes og lagres nå."
IDLE = "Ingen lyd eller beskjed på lenge; diktatet avsluttes og lagres nå."
CLOSED = 1000


@router.websocket("/ws/dictate")
async def dictate_socket(websocket: WebSocket) -> None:
    services: Services = websocket.app.state.services
    await websocket.accept()
    if not websocket_token_ok(websocket):
        await websocket.close(code=1008, reason=BAD_TOKEN)
        return
    if not services.streams.acquire():
        await websocket.close(code=1013, reason=BUSY)
        return
    try:
        await _run(websocket, services)
    finally:
        services.streams.release()


async def _run(websocket: WebSocket, services: Services) -> None:
    loop = asyncio.get_running_loop()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    live = LiveDictation(services, lambda m: loop.call_soon_threadsafe(outbox.put_nowait, m))
    live.start()
    sender = asyncio.create_task(_send_all(websocket, outbox))
    max_s = services.settings.server.max_duration_s
    try:
        while True:
            # A client that neither sends nor closes would hold its stream slot for ever.
            try:
                message = await asyncio.wait_for(websocket.receive(), timeout=max_s)
            except TimeoutError:
                outbox.put_nowait({"type": "error", "message": IDLE})
                live.finish()
                break
            if message["type"] == "websocket.disconnect":
                live.abort()
                break
            if message.get("bytes") is not None:
                live.feed(message["bytes"])
                if live.source.samples_received > max_s * SAMPLE_RATE:
                    outbox.put_nowait({"type": "error", "message": TOO_LONG})
                    live.finish()
                    break
            elif _command(message.get("text"), live):
                break
    except WebSocketDisconnect:
        live.abort()
    except BaseException:
        live.abort()
        raise
    finally:
        await sender


def _command(text: str | None, live: LiveDictation) -> bool:
    """Apply a control message; True when it ends the input (stop)."""
    try:
        kind = json.loads(text or "").get("type")
    except (ValueError, AttributeError):
        return False  # not ours: ignored
    if kind == "pause":
        live.pause()
    elif kind == "resume":
        live.resume()
    elif kind == "stop":
        live.finish()
        return True
    return False


async def _send_all(websocket: WebSocket, outbox: asyncio.Queue[Message]) -> None:
    """Forward the dictation's messages until its last one, then close the socket."""
    connected = True
    while (message := await outbox.get()) is not None:
        if connected:
            try:
                await websocket.send_text(json.dumps(message, ensure_ascii=False))
            except (WebSocketDisconnect, RuntimeError, OSError):
                connected = False  # keep draining: the dictation still finishes and saves
    if connected:
        with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
            await websocket.close(code=CLOSED)
