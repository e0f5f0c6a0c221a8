"""The dictation loop: audio source → session store + VadGate(StreamingProcessor) → voice commands.

Two threads. The capture thread takes each chunk from the source and, while listening, appends
it to the session's audio on disk before anything else happens to it, so a slow decode or a
crash never loses captured audio. The calling thread decodes, applies the voice commands,
autosaves the committed words and reports a `DictationView` after every step.

Listening is switched by `Controls` (the keyboard, or a test): in toggle mode a key starts and
pauses; in push-to-talk mode the dictation listens while key events keep arriving (a held key
repeats). Audio heard while paused is neither stored nor transcribed. While listening, the VAD
pauses recognition on silence by itself (no decode, the utterance ends after `pause_s`).

The live text is the preview. Unless `DictationOptions.document` is off, the recording is also
transcribed in the background with the batch pipeline, in spans cut at pauses
(`document.DocumentDecoder`); when the dictation stops only the last span is decoded, and the
transcript, the text and the note are made from this document text, with the voice commands
applied to it as to the preview. The session keeps the preview beside it (`preview.txt`), as
she saw it at the stop: it is not decoded once more, so the last span has the cores to itself.

`recovery.recover` finishes a session a dead process left behind with the same `finish_session`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from diktat.errors import DiktatError
from diktat.store.sessions import ActiveSession, Autosave, FinishedFiles, SessionNote, SessionStore
from diktat.stt.audio import SAMPLE_RATE
from diktat.stt.formats import to_json
from diktat.stt.options import DecodeOptions
from diktat.stt.streaming.commands import DEFAULT_COMMANDS, CommandApplier, Piece, VoiceCommand
from diktat.stt.streaming.document import Backlog, DocumentDecoder, DocumentOptions, Span
from diktat.stt.streaming.events import StreamEvent
from diktat.stt.streaming.processor import (
    StreamingOptions,
    StreamingProcessor,
    WindowDecoder,
    streaming_decode_options,
)
from diktat.stt.streaming.sources import AudioSource, level_dbfs
from diktat.stt.streaming.vadgate import VadGate
from diktat.types import Timings, Transcript, Word

Mode = Literal["toggle", "push-to-talk"]
Status = Literal["speech", "silence", "paused", "finishing", "done"]
NoteMaker = Callable[[Transcript], SessionNote]  # transcript → the structured note
# Key repeat starts after up to ~0.6 s; a gap longer than this means the key was released.
PUSH_TO_TALK_HOLD_S = 0.75
# Audio from a live source handed to recognition per step at most.
_MAX_STEP_S = 3.0
_CAPTURE_JOIN_S = 2.0
_END = object()


@dataclass(frozen=True)
class DictationOptions:
    mode: Mode = "toggle"
    pause_s: float = 0.6  # silence that ends an utterance
    streaming: StreamingOptions = field(default_factory=StreamingOptions)
    owner: str = "local"  # who the session belongs to (a signed-in user's pseudonym)
    document: DocumentOptions = field(default_factory=DocumentOptions)


class Controls:
    """Thread-safe switches for a running dictation: listen, pause, stop."""

    def __init__(self, mode: Mode = "toggle") -> None:
        self.mode = mode
        self._on = mode == "toggle"  # toggle starts listening; push-to-talk waits for the key
        self._last_key = float("-inf")
        self._stop = threading.Event()

    @property
    def listening(self) -> bool:
        if self.mode == "push-to-talk":
            return self._on or time.monotonic() - self._last_key < PUSH_TO_TALK_HOLD_S
        return self._on

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def talk_key(self) -> None:
        """The talk key was pressed (toggle: start/pause; push-to-talk: still held)."""
        if self.mode == "push-to-talk":
            self._last_key = time.monotonic()
        else:
            self._on = not self._on

    def stop(self) -> None:
        self._stop.set()


@dataclass(frozen=True)
class DictationView:
    """What the screen shows; times in seconds of recorded audio."""

    status: Status
    mode: Mode
    session_id: str
    input: str
    level_dbfs: float
    pieces: tuple[Piece, ...]  # the dictated text, commands applied
    pending: str  # committed words that may still turn out to be a command
    tentative: str  # the unstable tail, not yet committed
    recorded_s: float
    recognised_s: float  # how far recognition has decoded
    elapsed_s: float  # wall-clock time since the start
    last_command: str | None = None
    # The first `document_pieces` of `pieces` are the document text of the audio up to
    # `document_s` (the batch decode, which replaced the preview there); the rest is preview.
    document_on: bool = False  # the text will be the document decode's, not the preview
    document_s: float = 0.0
    document_pieces: int = 0
    # What the document decode has been handed and not decoded yet (a busy server defers
    # these decodes, never the preview's).
    document_backlog: Backlog = Backlog(0.0, 0.0)


@dataclass(frozen=True)
class DictationResult:
    session_id: str
    folder: Path
    files: FinishedFiles
    text: str
    transcript: Transcript
    state: Literal["finished", "recovered"]
    stopped_by: Literal["voice", "user", "end-of-input", "recovery"]
    preview_text: str = ""  # the live text, when the text is the document decode's
    note_ready_s: float = 0.0  # from the stop to the outputs and note written


class _Recording:
    """Committed words by utterance, for autosave and for the final transcript."""

    def __init__(self, applier: CommandApplier) -> None:
        self.applier = applier
        self.utterances: list[list[Word]] = [[]]
        self.transcribed_until = 0.0
        self.tentative = ""
        self.in_utterance = False  # between the first words of an utterance and its final
        self.last_command: str | None = None

    def apply(self, events: list[StreamEvent]) -> bool:
        """Apply events; True when the committed words changed."""
        changed = False
        for ev in events:
            if ev.words:
                self.in_utterance = ev.kind != "final"
            if ev.kind == "tentative":
                self.tentative = ev.text
            elif ev.kind == "committed":
                self.utterances[-1].extend(ev.words)
                self._note(self.applier.feed(ev.words))
                changed = True
            elif ev.kind == "final":
                self.close_utterance(ev.end)
                changed = True
        return changed

    def close_utterance(self, until: float) -> None:
        self._note(self.applier.flush())
        self.tentative = ""
        if self.utterances[-1]:
            self.utterances.append([])
        self.transcribed_until = max(self.transcribed_until, until)

    def autosave(self) -> Autosave:
        closed = [tuple(u) for u in self.utterances[:-1]]
        return Autosave(
            utterances=(*closed, tuple(self.utterances[-1])),
            closed_utterances=len(closed),
            transcribed_until=self.transcribed_until,
            text=self.applier.text,
            saved_at=time.time(),
        )

    def _note(self, applied: list[VoiceCommand]) -> None:
        if applied:
            self.last_command = applied[-1].phrase


class StreamingEngine(WindowDecoder, Protocol):
    model_id: str
    model_sha256: str | None
    workers: int  # decodes it runs at once

    def transcribe(self, samples, opts: DecodeOptions) -> Transcript: ...


def dictate(
    source: AudioSource,
    engine: StreamingEngine,
    store: SessionStore,
    *,
    decode: DecodeOptions,
    options: DictationOptions | None = None,
    commands: tuple[VoiceCommand, ...] = DEFAULT_COMMANDS,
    controls: Controls | None = None,
    make_note: NoteMaker | None = None,
    on_view: Callable[[DictationView], None] | None = None,
) -> DictationResult:
    """Dictate from `source` into a new session of `store` until the input ends, the user stops
    (`controls.stop()`, Ctrl-C) or a stop command is said; then write the session's outputs.
    `engine` needs `decode_window` (streaming) and `model_id`; `decode` (the batch options)
    gives the language, vocabulary and thresholds, `streaming_decode_options` the rest. Live
    input decodes on all of the engine's workers at once; a file or pipe read at decoding speed
    one decode at a time, so it replays the same way every time."""
    options = options or DictationOptions()
    controls = controls or Controls(options.mode)
    session = store.create(input_description=source.description, model_id=engine.model_id,
                           owner=options.owner)
    document = (DocumentDecoder(getattr(engine, "transcribe_background", engine.transcribe),
                                decode, session.read_audio, options.document,
                                transcribe_last=getattr(engine, "transcribe_alone", None))
                if options.document.enabled else None)
    try:
        return _dictate(session, document, source, engine, store, decode=decode,
                        options=options, commands=commands, controls=controls,
                        make_note=make_note, on_view=on_view)
    except BaseException:
        if document is not None:
            document.abandon()
        _abandon(session, store, controls)
        raise


def _abandon(session: ActiveSession, store: SessionStore, controls: Controls) -> None:
    """After a failure (a full disk, an error, Ctrl-C before the end): stop the capture, release
    the session's files and lock, and delete it when it holds no audio, so no lock, file handle
    or empty folder outlives the try. Audio that was kept stays recoverable."""
    controls.stop()
    with contextlib.suppress(OSError):
        session.close()
    if session.samples_written == 0:
        with contextlib.suppress(DiktatError, OSError):
            store.delete(session.id, damaged=True)


def _dictate(
    session: ActiveSession,
    document: DocumentDecoder | None,
    source: AudioSource,
    engine: StreamingEngine,
    store: SessionStore,
    *,
    decode: DecodeOptions,
    options: DictationOptions,
    commands: tuple[VoiceCommand, ...],
    controls: Controls,
    make_note: NoteMaker | None,
    on_view: Callable[[DictationView], None] | None,
) -> DictationResult:
    streaming = dataclasses.replace(
        options.streaming, decode=streaming_decode_options(decode),
        parallel_decodes=engine.workers if source.live else 1,
    )
    gate = VadGate(StreamingProcessor(engine, streaming), pause_s=options.pause_s)
    recording = _Recording(CommandApplier(commands))
    chunks: queue.Queue = queue.Queue()
    started = time.monotonic()
    session.save_meta(capture_started=time.time())
    capture = threading.Thread(
        target=_capture, args=(source, session, controls, chunks), name="diktat-capture",
        daemon=True,
    )
    capture.start()
    stopped_by: Literal["voice", "user", "end-of-input"] = "end-of-input"
    level = -90.0
    listening = controls.listening
    decode_s = 0.0

    shown_spans, shown_pieces = 0, ()  # the document text shown: made once per span

    def view(status: Status) -> None:
        nonlocal shown_spans, shown_pieces
        if on_view is None:
            return
        pieces, document_s = recording.applier.pieces, 0.0
        backlog = Backlog(0.0, 0.0)
        if document is not None:
            backlog = document.backlog()
            spans = document.snapshot()
            if len(spans) != shown_spans:
                shown_spans = len(spans)
                shown_pieces = _document_text(spans, commands, options.pause_s).pieces
            document_s = spans[-1].end if spans else 0.0
            pieces = (*shown_pieces, *_after(pieces, document_s))
        on_view(DictationView(
            status=status, mode=options.mode, session_id=session.id,
            input=source.description, level_dbfs=level,
            pieces=pieces, pending=recording.applier.pending_text,
            tentative=recording.tentative,
            recorded_s=session.samples_written / SAMPLE_RATE,
            recognised_s=gate.processor.decoded_until,
            elapsed_s=time.monotonic() - started,
            last_command=recording.last_command,
            document_on=document is not None, document_s=document_s,
            document_pieces=len(shown_pieces),
            document_backlog=backlog,
        ))

    try:
        ended = False
        while not ended:
            batch, ended = _take(chunks, _MAX_STEP_S if source.live else 0.0)
            events: list[StreamEvent] = []
            for chunk, heard in batch:
                level = level_dbfs(chunk)
                if heard:
                    gate.insert_audio_chunk(chunk)
                elif listening:  # just paused: the utterance ends here
                    events += gate.finish()
                listening = heard
            tick = time.perf_counter()
            events += gate.process_iter()
            decode_s += time.perf_counter() - tick
            if recording.apply(events):
                session.autosave(recording.autosave())
            if document is not None and (point := gate.quiet_point()) is not None:
                document.offer_pause(point)
            if recording.applier.stopped:
                stopped_by = "voice"
                break
            if controls.stopped:
                stopped_by = "user"
                break
            status: Status = "paused" if not listening else (
                "speech" if recording.in_utterance else "silence")
            view(status)
    except KeyboardInterrupt:
        stopped_by = "user"
    controls.stop()
    stop_tick = time.perf_counter()
    view("finishing")
    capture.join(timeout=_CAPTURE_JOIN_S)  # a pipe may block in read(); the thread is a daemon
    _raise_capture_error(chunks, session, store)
    if document is None:
        if not recording.applier.stopped:
            tick = time.perf_counter()
            recording.apply(gate.finish())
            decode_s += time.perf_counter() - tick
        gate.close()
        recording.close_utterance(gate.processor.audio_seconds)
        result = finish_session(
            session, recording.applier, engine, decode, make_note, state="finished",
            stopped_by=stopped_by, transcribe_s=decode_s,
            options={**streaming.decode.model_dump(mode="json"), "pipeline": "streaming",
                     "mode": options.mode, "pause_s": options.pause_s},
        )
    else:
        # The text is the document decode's: the preview is kept as she saw it at the stop,
        # its last words unconfirmed, instead of being decoded once more beside the last span.
        unconfirmed = recording.tentative
        document.close(session.samples_written / SAMPLE_RATE)
        recording.close_utterance(gate.processor.audio_seconds)
        spans = document.finish()
        gate.close()  # not before: its last decode may still be running, for nothing
        result = finish_session(
            session, _document_text(spans, commands, options.pause_s), engine, decode,
            make_note, state="finished", stopped_by=stopped_by,
            transcribe_s=decode_s + sum(s.decode_s for s in spans),
            options={**document.decode.model_dump(mode="json"), "pipeline": "document",
                     "mode": options.mode, "pause_s": options.pause_s,
                     "document_spans": [[s.start, s.end] for s in spans]},
            preview=" ".join(t for t in (recording.applier.text.strip(), unconfirmed.strip())
                             if t),
        )
    result = dataclasses.replace(result, note_ready_s=time.perf_counter() - stop_tick)
    view("done")
    return result


def _after(pieces: tuple[Piece, ...], seconds: float) -> tuple[Piece, ...]:
    """The preview's pieces from its first word past `seconds` on."""
    for i, piece in enumerate(pieces):
        if piece.word is not None and (piece.word.start + piece.word.end) / 2 >= seconds:
            return pieces[i:]
    return ()


def _document_text(spans: list[Span], commands: tuple[VoiceCommand, ...], pause_s: float
                   ) -> CommandApplier:
    """The voice commands applied to the document words as to the preview's: an utterance ends
    at a pause of `pause_s` between words, and at the end of each span."""
    applier = CommandApplier(commands)
    for span in spans:
        previous = None
        for word in span.words:
            if previous is not None and word.start - previous.end >= pause_s:
                applier.flush()
            applier.feed([word])
            previous = word
        applier.flush()
    return applier


def _capture(source: AudioSource, session: ActiveSession, controls: Controls, out: queue.Queue):
    chunks = source.chunks()
    try:
        for chunk in chunks:
            if controls.stopped:
                break
            heard = controls.listening
            if heard:
                session.append_audio(chunk)
            out.put((chunk, heard))
    except BaseException as exc:  # noqa: BLE001 - handed to the main thread
        out.put(exc)
    finally:
        chunks.close()
        out.put(_END)


def _take(chunks: queue.Queue, max_s: float) -> tuple[list[tuple], bool]:
    """The chunks waiting, up to `max_s` of audio (at least one), after waiting briefly for the
    first. A file read at decoding speed goes one chunk at a time, so its replay is
    deterministic; a live source may have piled up audio while a decode ran."""
    batch: list[tuple] = []
    taken = 0
    try:
        item = chunks.get(timeout=0.1)
        while True:
            if item is _END:
                return batch, True
            if isinstance(item, BaseException):
                chunks.put(item)  # raised after the capture thread has ended
                chunks.put(_END)
                return batch, True
            batch.append(item)
            taken += len(item[0])
            if taken >= max_s * SAMPLE_RATE:
                return batch, False
            item = chunks.get_nowait()
    except queue.Empty:
        return batch, False


def _raise_capture_error(chunks: queue.Queue, session: ActiveSession, store: SessionStore):
    while True:
        try:
            item = chunks.get_nowait()
        except queue.Empty:
            return
        if isinstance(item, BaseException):
            if session.samples_written == 0:  # nothing recorded: leave no empty session
                session.close()
                store.delete(session.id)
            else:
                session.close()  # what was captured stays recoverable
            raise item


def finish_session(session, applier, engine, decode, make_note, *, state, stopped_by,
                   transcribe_s, options, preview: str = "") -> DictationResult:
    """Write the transcript, text and note of a dictation or recovered session (and the live
    preview beside them when the text is the document decode's)."""
    transcript = Transcript(
        segments=applier.segments(),
        language=decode.language,
        duration=session.samples_written / SAMPLE_RATE,
        model_id=engine.model_id,
        model_sha256=engine.model_sha256,
        options=options,
        timings=Timings(transcribe_s=transcribe_s),
    )
    text = applier.text.strip()
    source = {"session": session.id, "input": session.meta.input, "state": state}
    written = session.finish(
        transcript_json=to_json(transcript, source), text=text + "\n",
        note=make_note(transcript) if make_note is not None else None, state=state,
        preview=preview + "\n" if preview else None,
    )
    return DictationResult(
        session_id=session.id, folder=session.path, files=written, text=text,
        transcript=transcript, state=state, stopped_by=stopped_by, preview_text=preview,
    )
