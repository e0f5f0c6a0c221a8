"""The document decode: while the nurse dictates, her recording is transcribed again in the
background with the batch pipeline, in spans of at least `min_span_s` cut inside pauses; the
transcript she reviews and the note are made from this text, the live text was the preview.

Short utterances decoded on their own lack context (on king.mp3 re-decoding each closed
utterance left 35–42 % WER against the offline transcript; spans of 10 s or more came to
13–18 %), so a span is cut only at the first pause after `min_span_s` of audio. When she stops,
only the last span is left to decode. Each span is decoded exactly as `engine.transcribe` would
decode that stretch of audio on its own (with word timestamps), so the document text can be
reproduced from the session's audio and the span boundaries kept in the transcript's options.

Spans are decoded one at a time in a background thread, through the engine's background lane
where it has one (`SharedEngine.transcribe_background`: it waits while live decodes wait, and
leaves one worker to them): the preview keeps at least one worker, though with two a second
live decode may wait for a span's decode to end.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from diktat.stt.options import DecodeOptions
from diktat.types import Segment, Transcript, Word

# Word timestamps are needed, and the plain pipeline keeps them for audio of any length.
_WITH_WORDS = {"batched_min_duration_s": 24 * 3600.0}


@dataclass(frozen=True)
class DocumentOptions:
    enabled: bool = True
    min_span_s: float = 20.0  # a span ends at the first pause after this much audio


@dataclass(frozen=True)
class Span:
    start: float  # seconds of the session's audio
    end: float
    words: tuple[Word, ...]  # in the session's time
    decode_s: float


class DocumentDecoder:
    """Decodes spans of the recording in order, in a thread of its own."""

    def __init__(self, transcribe: Callable[[np.ndarray, DecodeOptions], Transcript],
                 decode: DecodeOptions, read_audio: Callable[[float, float], np.ndarray],
                 options: DocumentOptions) -> None:
        self.options = options
        self.decode = decode.model_copy(update=_WITH_WORDS)
        self._transcribe = transcribe
        self._read_audio = read_audio
        self.cut_at = 0.0  # where the next span starts
        self.spans: list[Span] = []
        self._todo: queue.Queue[tuple[float, float] | None] = queue.Queue()
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="diktat-document", daemon=True)
        self._thread.start()

    def snapshot(self) -> list[Span]:
        """The spans decoded so far, in order."""
        with self._lock:
            return list(self.spans)

    def offer_pause(self, point: float) -> bool:
        """A pause at `point` (seconds): cut a span there when it is long enough."""
        if point - self.cut_at < self.options.min_span_s:
            return False
        self._submit(point)
        return True

    def finish(self, end: float) -> list[Span]:
        """The last span, up to `end`, then every span in order (waits for them)."""
        if end > self.cut_at:
            self._submit(end)
        self._todo.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return list(self.spans)

    def abandon(self) -> None:
        """Stop without waiting (a failed dictation)."""
        self._todo.put(None)

    def _submit(self, end: float) -> None:
        self._todo.put((self.cut_at, end))
        self.cut_at = end

    def _run(self) -> None:
        while (item := self._todo.get()) is not None:
            if self._error is not None:
                continue
            start, end = item
            try:
                audio = self._read_audio(start, end)
                tick = time.perf_counter()
                transcript = self._transcribe(audio, self.decode) if len(audio) else None
                spent = time.perf_counter() - tick
                words = () if transcript is None else tuple(
                    w.model_copy(update={"start": w.start + start, "end": w.end + start})
                    for w in words_of(transcript.segments))
                with self._lock:
                    self.spans.append(Span(start, end, words, spent))
            except BaseException as exc:  # noqa: BLE001 - raised again by finish()
                self._error = exc


def words_of(segments: tuple[Segment, ...]) -> list[Word]:
    """A transcript's words; a segment decoded without word timestamps is spread evenly."""
    words: list[Word] = []
    for s in segments:
        if s.words:
            words.extend(s.words)
            continue
        parts = s.text.split()
        step = (s.end - s.start) / max(1, len(parts))
        words.extend(
            Word(start=s.start + i * step, end=s.start + (i + 1) * step, text=" " + p,
                 probability=0.0)
            for i, p in enumerate(parts)
        )
    return words
