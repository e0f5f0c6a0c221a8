"""Live dictation for one WebSocket: the browser's PCM in, `dictate()` in a thread, messages out.

The socket side (asyncio) only feeds bytes and reads messages; everything else is the same
`dictate()` the terminal uses — the session store writes the audio to disk as it arrives, voice
commands act on the text, the note is made at the end. Messages leave the dictation thread
through `emit`, which the router binds to `loop.call_soon_threadsafe`, so the thread never
touches the socket. View messages are sent only when what they show changed, at most
`VIEW_RATE_HZ` a second (a status change always goes out at once). `AudioActivity` tells the
router when a session has gone idle — measured in seconds of audio received, not in frames — so
a page that trickles tiny frames cannot hold a live slot.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator

import numpy as np

from diktat.auth.principal import Principal
from diktat.errors import DiktatError, OutputError
from diktat.store.fileio import StoreFull
from diktat.store.sessions import SessionNote
from diktat.structuring.note import JournalNote
from diktat.structuring.render import render
from diktat.stt.audio import SAMPLE_RATE
from diktat.stt.factory import dictation_options
from diktat.stt.streaming.commands import render_pieces
from diktat.stt.streaming.dictation import Controls, DictationView, dictate
from diktat.stt.streaming.document import preview_changes
from diktat.stt.streaming.processor import StreamingOptions
from diktat.types import Transcript

log = logging.getLogger(__name__)

Message = dict | None  # None: no more messages, close the socket
VIEW_RATE_HZ = 10.0
_POLL_S = 0.02
MAX_HANDOVER_S = 6.0
_NOTHING = object()
# What the page is told when a dictation fails: only what the store really holds.
FAILED = ("Diktatet kunne ikke fullføres på serveren. Lyden som kom fram ({seconds:.0f} s), er "
          "lagret og kan gjenopprettes.")
FAILED_NOTHING_KEPT = "Diktatet kunne ikke fullføres på serveren, og ingenting av det er lagret."
DISK_FULL = " Disken på serveren er full."


def failed_message(kept_s: float, full: bool) -> str:
    """The page's message after a failure: what was kept (`kept_s` seconds of audio in the
    store) and whether the disk is full."""
    message = FAILED.format(seconds=max(1.0, kept_s)) if kept_s > 0 else FAILED_NOTHING_KEPT
    return message + (DISK_FULL if full else "")
# Activity is judged over the audio received in this many recent seconds.
ACTIVITY_WINDOW_S = 10.0
_ACTIVITY_BUCKETS = 10


class AudioActivity:
    """Whether a live session is in use, in seconds of audio received rather than in frames.

    The session counts as active whenever the audio received over the last `window_s` seconds
    reaches `min_share` of that time (0.1: 1 s of audio in 10 s); `expired` once it has not been
    active for longer than `max_pause_s`. An explicit pause is idle time from its start: audio
    sent while paused does not count (the page keeps sending while paused, and that audio is
    dropped) and the audio before it is forgotten; a resume is no activity by itself (else
    pause/resume messages would be a trickle too). A nurse's pause fits in the default 10
    minutes. The start counts as active. Audio is summed in a few time buckets, so a flood of
    tiny frames costs no memory here.
    """

    def __init__(self, max_pause_s: float, min_share: float, *,
                 window_s: float = ACTIVITY_WINDOW_S, now: float | None = None) -> None:
        self.max_pause_s = max_pause_s
        self.window_s = window_s
        self.needed_s = min_share * window_s
        self.paused = False
        self.active_at = time.monotonic() if now is None else now
        self._bucket_s = window_s / _ACTIVITY_BUCKETS
        self._recent: deque[list[float]] = deque()  # [bucket start, seconds of audio]
        self._recent_s = 0.0

    def pause(self, now: float) -> None:
        if not self.paused:
            self.idle_s(now)  # active until now, if it was
            self._recent.clear()
            self._recent_s = 0.0
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    def received(self, samples: int, now: float) -> None:
        """`samples` (16 kHz) arrived at `now`; ignored while paused."""
        if self.paused or samples <= 0:
            return
        seconds = samples / SAMPLE_RATE
        start = now - now % self._bucket_s
        if self._recent and self._recent[-1][0] == start:
            self._recent[-1][1] += seconds
        else:
            self._recent.append([start, seconds])
        self._recent_s += seconds

    def idle_s(self, now: float) -> float:
        """Seconds since the session last received enough audio."""
        while self._recent and self._recent[0][0] + self._bucket_s <= now - self.window_s:
            self._recent_s -= self._recent.popleft()[1]
        if not self._recent:
            self._recent_s = 0.0
        if self._recent_s >= self.needed_s:
            self.active_at = now
        return max(0.0, now - self.active_at)

    def expired(self, now: float) -> bool:
        return self.idle_s(now) > self.max_pause_s


class SocketSource:
    """An AudioSource fed by the socket: 16-bit little-endian mono PCM at 16 kHz, any framing.

    Audio is handed to the dictation at the pace it is recognised: everything that arrived
    since the dictation loop's last step goes out as one chunk once the loop has stepped again
    (`stepped`, called from its view callback). Alone on the server that is every 0.1-0.5 s,
    as before; when eight sessions share the CPU and a session waits seconds for its turn at
    the engine, the audio that piled up meanwhile is decoded in fewer, larger passes (at most
    `MAX_HANDOVER_S` each, which keeps a window well under Whisper's 30 s) instead of in
    3-second slices that can never catch up. Pause and resume travel in the same queue, so
    audio sent before a pause is still recorded and audio sent after it is not.
    """

    sample_rate = SAMPLE_RATE
    live = True

    def __init__(self) -> None:
        self._items: queue.Queue[np.ndarray | Callable[[], None] | None] = queue.Queue()
        self._carry = b""
        self._stepped = threading.Event()
        self._stepped.set()
        self.samples_received = 0

    @property
    def description(self) -> str:
        return "nettleser (WebSocket)"

    def feed(self, data: bytes) -> None:
        data = self._carry + data
        whole = len(data) - len(data) % 2
        self._carry = data[whole:]
        if whole:
            pcm = np.frombuffer(data[:whole], dtype="<i2").astype(np.float32) / 32768.0
            self.samples_received += len(pcm)
            self._items.put(pcm)

    def control(self, action: Callable[[], None]) -> None:
        """Run `action` (pause, resume) after the audio fed so far has been handed over."""
        self._items.put(action)

    def stepped(self) -> None:
        """The dictation loop finished a step: it is ready for the audio gathered since."""
        self._stepped.set()

    def end(self) -> None:
        """No more audio: the dictation finishes what it has."""
        self._items.put(None)

    def chunks(self) -> Iterator[np.ndarray]:
        gathered: list[np.ndarray] = []
        while True:
            try:
                item = self._items.get(timeout=_POLL_S if gathered else None)
            except queue.Empty:
                item = _NOTHING
            if isinstance(item, np.ndarray):
                gathered.append(item)
            elif item is not _NOTHING:  # a control action or the end: hand over audio first
                yield from _pieces(gathered)
                gathered = []
                if item is None:
                    return
                item()
            if gathered and self._stepped.is_set():
                self._stepped.clear()
                first, *gathered = _pieces(gathered)
                yield first


def _pieces(gathered: list[np.ndarray]) -> list[np.ndarray]:
    """The gathered audio joined, in pieces of at most MAX_HANDOVER_S."""
    if not gathered:
        return []
    audio = np.concatenate(gathered)
    size = round(MAX_HANDOVER_S * SAMPLE_RATE)
    return [audio[i : i + size] for i in range(0, len(audio), size)]


class LiveDictation:
    """One session: `start`, then `feed`/`pause`/`resume`, then `finish` (or `abort`)."""

    def __init__(self, services, emit: Callable[[Message], None], principal: Principal) -> None:
        self.services = services
        self.principal = principal
        self.source = SocketSource()
        self.controls = Controls("toggle")
        self._emit = emit
        self._note: JournalNote | None = None
        self._session_id: str | None = None
        self._last_view: tuple | None = None
        self._last_sent = 0.0
        self._idle = False
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="diktat-ws", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def feed(self, data: bytes) -> None:
        self.source.feed(data)

    def pause(self) -> None:
        self.source.control(self._pause)

    def resume(self) -> None:
        self.source.control(self._resume)

    def _pause(self) -> None:
        if self.controls.listening:
            self.controls.talk_key()

    def _resume(self) -> None:
        if not self.controls.listening:
            self.controls.talk_key()

    def finish(self) -> None:
        """End of input: the audio already sent is still transcribed, then the note is made."""
        self.source.end()

    def finish_idle(self) -> None:
        """Closed for idleness: finish as `finish` does, and keep what was said as a draft in
        the store (listed on the page), since no page may be there to save it."""
        self._idle = True
        self.source.end()

    def finish_shutdown(self) -> None:
        """The server is stopping (its socket is already closed): finish with the audio
        received, as `finish_idle` does, and keep what was said as a draft in the store."""
        self._stopping = True
        self.source.end()

    def abort(self) -> None:
        """The client is gone: stop now (what was recorded stays in the session store)."""
        self.controls.stop()
        self.source.end()

    def _run(self) -> None:
        services = self.services
        try:
            result = dictate(
                self.source, services.engine, services.store, decode=services.decode,
                options=dictation_options(
                    services.settings.dictate, mode="toggle", owner=self.principal.user_id,
                    streaming=StreamingOptions(
                        max_lag_s=services.settings.server.max_commit_lag_s)),
                commands=services.commands, controls=self.controls,
                make_note=self._make_note, on_view=self._on_view,
            )
            note = self._note or services.structuring.structure(result.transcript)
            if (self._idle or self._stopping) and result.text.strip():
                services.keep_draft(result.session_id, result.text, note)
            services.audit.record(
                "dictation.finished", actor=self.principal.actor, role=self.principal.role,
                session_id=result.session_id,
                note_id=result.session_id, asr_model=result.transcript.model_id,
                asr_model_sha256=result.transcript.model_sha256,
                structurer=services.structuring.backend,
                audio_s=round(result.transcript.duration, 2),
                stopped_by=("idle" if self._idle else "shutdown" if self._stopping
                            else result.stopped_by),
            )
            self._emit(done_message(result.session_id, result.text, result.transcript, note,
                                    preview=result.preview_text))
        except DiktatError as exc:
            log.warning("dictation %s failed: %s", self._session_id, type(exc).__name__)
            self._failed(type(exc).__name__, full=isinstance(exc, StoreFull))
        except Exception:  # noqa: BLE001 - reported to the client with what was kept
            log.exception("dictation %s failed", self._session_id)
            self._failed("internal")
        finally:
            self._emit(None)

    def _failed(self, error_type: str, *, full: bool = False) -> None:
        services = self.services
        kept_s = services.store.kept_audio_s(self._session_id) if self._session_id else 0.0
        try:
            services.audit.record("dictation.failed", actor=self.principal.actor,
                                  session_id=self._session_id, error_type=error_type)
        except OutputError as exc:  # the page must still hear what happened
            log.error("dictation %s: its failure could not be audited: %s", self._session_id,
                      exc)
            full = full or isinstance(exc, StoreFull)
        self._emit({"type": "error", "message": failed_message(kept_s, full)})

    def _make_note(self, transcript: Transcript) -> SessionNote:
        self._note = self.services.structuring.structure(transcript)
        return SessionNote(render(self._note, "text"), render(self._note, "json"))

    def _on_view(self, view: DictationView) -> None:
        self.source.stepped()
        if self._session_id is None:
            self._session_id = view.session_id
            self._emit({"type": "ready", "session_id": view.session_id,
                        "sample_rate": SAMPLE_RATE})
        text = render_pieces(view.pieces)
        document = render_pieces(view.pieces[:view.document_pieces])
        deferred = view.document_backlog.deferred
        busy = self._engine_busy()
        shown = (view.status, text, view.pending, view.tentative, document, deferred, busy)
        now = time.monotonic()
        status_changed = self._last_view is None or self._last_view[0] != view.status
        if shown == self._last_view or (
            not status_changed and now - self._last_sent < 1 / VIEW_RATE_HZ
        ):
            return
        self._last_view, self._last_sent = shown, now
        self._emit({
            "type": "view", "status": view.status, "text": text, "pending": view.pending,
            "tentative": view.tentative, "recorded_s": round(view.recorded_s, 2),
            "recognised_s": round(view.recognised_s, 2), "last_command": view.last_command,
            # the start of `text` that is the document text (the batch decode, up to
            # `document_s`), which replaced the preview there
            "document_text": document, "document_s": round(view.document_s, 2),
            # the busy server has let the document decode wait: the note waits for it
            "document_deferred": deferred,
            "document_backlog_s": round(view.document_backlog.audio_s, 1),
            # the live text comes later than usual: the server has many sessions to decode
            "busy": busy,
        })

    def _engine_busy(self) -> bool:
        """The live decodes wait for each other: the recent decode delay is over twice a
        window's decode on the idle engine (measured at start; else the fastest recent one)."""
        meter = self.services.engine.load
        delay = meter.delay_s()
        alone = meter.window_s if meter.window_s is not None else meter.fastest_s()
        return delay is not None and alone is not None and delay > 2 * alone


def done_message(session_id: str, text: str, transcript: Transcript, note: JournalNote, *,
                 preview: str = "") -> dict:
    """The finished dictation; with the document decode on, also where its text differs from
    the preview the nurse watched (runs of text and {document, preview} changes)."""
    return {
        "type": "done",
        "session_id": session_id,
        "note_id": session_id,
        "note_kind": "session",
        "text": text,
        "transcript": transcript.model_dump(mode="json"),
        "note": note.model_dump(mode="json"),
        "note_text": render(note, "text", review=False),
        "uncertain": [w.model_dump(mode="json") for w in note.uncertain_words],
        "preview_changes": [
            run if isinstance(run, str) else dataclasses.asdict(run)
            for run in preview_changes(preview, text)
        ] if preview else None,
    }
