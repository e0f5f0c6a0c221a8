"""WebSocket /ws/dictate: live dictation from the browser's microphone.

In: binary frames of 16 kHz mono 16-bit little-endian PCM (any size), and text frames
``{"type": "stop" | "pause" | "resume"}``. Out: ``ready``, ``view`` (whenever the text or status
changes), ``done`` (transcript and note) or ``error`` (Norwegian). Over `max_streams` the socket
is closed with 1013 (try again later), an operator's with 1008 (the Guard lets in only a
signed-in person or the local user: no key opens it). A session that receives less
audio than `min_audio_share` of real time for longer than `max_pause_s` — paused, silent, or a
trickle of tiny frames — is finished and saved as a draft like a stop, told why (an ``error``
message, then ``done``) and closed with the reason, so its slot is free again. When the server
shuts down (SIGTERM/SIGINT) uvicorn closes the socket (1012); the dictation then finishes with
all audio received and is kept as a draft.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from diktat.auth.principal import Principal
from diktat.server.deps import websocket_principal
from diktat.server.live import AudioActivity, LiveDictation, Message
from diktat.server.services import Services
from diktat.stt.audio import SAMPLE_RATE

router = APIRouter()

BUSY = "Serveren har for mange diktater samtidig; prøv igjen om litt."
TOO_LONG = "Diktatet er for langt; det avsluttes og lagres nå."
CLOSED = 1000
# How often, at most, a session that sends nothing is checked for idleness.
_IDLE_CHECK_S = 1.0
# A message (or the close) that cannot be written within this long: the client has stopped
# reading. It is given up on, so that its slot is released once the dictation has finished.
SEND_TIMEOUT_S = 30.0


def idle_message(max_pause_s: float) -> str:
    """The reason a session closed for idleness (sent as a message and as the close reason,
    which must stay under 123 bytes)."""
    minutes = max_pause_s / 60
    if max_pause_s >= 60 and minutes == int(minutes):
        span = "1 minutt" if minutes == 1 else f"{minutes:.0f} minutter"
    else:
        span = f"{max_pause_s:g} sekunder"
    return f"Ingen lyd på over {span}; diktatet avsluttes og lagres som utkast."

OPERATOR_CLOSE = "Driftsrollen gir ikke tilgang til journalinnhold."

@dataclass
class _Ending:
    reason: str = ""  # the close frame's reason


@router.websocket("/ws/dictate")
async def dictate_socket(websocket: WebSocket) -> None:
    services: Services = websocket.app.state.services
    await websocket.accept()
    principal = websocket_principal(websocket)
    if not principal.reads_content:
        await websocket.close(code=1008, reason=OPERATOR_CLOSE)
        return
    if not services.streams.acquire():
        await websocket.close(code=1013, reason=BUSY)
        return
    try:
        await _run(websocket, services, principal)
    finally:
        services.streams.release()


async def _run(websocket: WebSocket, services: Services, principal: Principal) -> None:
    loop = asyncio.get_running_loop()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    live = LiveDictation(services, lambda m: loop.call_soon_threadsafe(outbox.put_nowait, m),
                         principal)
    live.start()
    ending = _Ending()
    sender = asyncio.create_task(_send_all(websocket, outbox, ending))
    server = services.settings.server
    max_s = server.max_duration_s
    # Idleness is measured in audio received, not frames: a frame of any size, a text message
    # or a trickle of 2-byte frames does not keep the slot (nor does audio sent while paused).
    activity = AudioActivity(server.max_pause_s, server.min_audio_share)
    check_s = min(_IDLE_CHECK_S, server.max_pause_s / 4)
    receiving: asyncio.Future | None = None
    try:
        while True:
            # One receive stays pending across checks (a cancelled receive could lose a frame).
            if receiving is None:
                receiving = asyncio.ensure_future(websocket.receive())
            await asyncio.wait({receiving}, timeout=check_s)
            now = time.monotonic()
            if not receiving.done():
                if activity.expired(now):
                    _end_idle(live, outbox, ending, server.max_pause_s)
                    break
                continue
            message, receiving = receiving.result(), None
            if message["type"] == "websocket.disconnect":
                _disconnected(live, services)
                break
            if message.get("bytes") is not None:
                live.feed(message["bytes"])
                activity.received(len(message["bytes"]) // 2, now)
                if live.source.samples_received > max_s * SAMPLE_RATE:
                    outbox.put_nowait({"type": "error", "message": TOO_LONG})
                    ending.reason = TOO_LONG
                    live.finish()
                    break
            elif _command(message.get("text"), live, activity, now):
                break
            if activity.expired(now):
                _end_idle(live, outbox, ending, server.max_pause_s)
                break
    except WebSocketDisconnect:
        _disconnected(live, services)
    except BaseException:
        live.abort()
        raise
    finally:
        if receiving is not None and not receiving.done():
            receiving.cancel()
        await sender


def _disconnected(live: LiveDictation, services: Services) -> None:
    """The socket closed: by the client (stop now; what was recorded stays in the store), or by
    the server's shutdown (finish with all audio received and keep the draft)."""
    if services.stopping:
        live.finish_shutdown()
    else:
        live.abort()


def _end_idle(live: LiveDictation, outbox: asyncio.Queue[Message], ending: _Ending,
              max_pause_s: float) -> None:
    message = idle_message(max_pause_s)
    outbox.put_nowait({"type": "error", "message": message})
    ending.reason = message
    live.finish_idle()


def _command(text: str | None, live: LiveDictation, activity: AudioActivity,
             now: float) -> bool:
    """Apply a control message; True when it ends the input (stop)."""
    try:
        kind = json.loads(text or "").get("type")
    except (ValueError, AttributeError):
        return False  # not ours: ignored
    if kind == "pause":
        live.pause()
        activity.pause(now)
    elif kind == "resume":
        live.resume()
        activity.resume()
    elif kind == "stop":
        live.finish()
        return True
    return False


async def _send_all(websocket: WebSocket, outbox: asyncio.Queue[Message],
                    ending: _Ending) -> None:
    """Forward the dictation's messages until its last one, then close the socket (with the
    reason the server ended it, if it did). A client that stops reading is given up on after
    `SEND_TIMEOUT_S` (its socket buffers are full: no write, keep-alive pings included, would
    ever finish, and the slot would be held for as long as it keeps the connection open)."""
    connected = True
    while (message := await outbox.get()) is not None:
        if connected:
            try:
                await asyncio.wait_for(
                    websocket.send_text(json.dumps(message, ensure_ascii=False)), SEND_TIMEOUT_S)
            except (TimeoutError, WebSocketDisconnect, RuntimeError, OSError):
                connected = False  # keep draining: the dictation still finishes and saves
    if connected:
        with contextlib.suppress(TimeoutError, RuntimeError, OSError, WebSocketDisconnect):
            await asyncio.wait_for(websocket.close(code=CLOSED, reason=ending.reason),
                                   SEND_TIMEOUT_S)
