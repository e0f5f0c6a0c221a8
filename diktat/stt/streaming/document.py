"""The document decode: while the nurse dictates, her recording is transcribed again in the
background with the batch pipeline, in spans of at least `min_span_s` cut inside pauses; the
transcript she reviews and the note are made from this text, the live text was the preview.

Short utterances decoded on their own lack context (on king.mp3 re-decoding each closed
utterance left 35–42 % WER against the offline transcript; spans of 10 s or more came to
13–18 %), so a span is cut only at the first pause after `min_span_s` of audio. When she stops,
only the last span is left to decode. Each span is decoded exactly as `engine.transcribe` would
decode that stretch of audio on its own (with word timestamps), so the document text can be
reproduced from the session's audio and the span boundaries kept in the transcript's options.

So that the stop need not wait for up to `min_span_s` of audio, the open span can be decoded
as a *draft* at a pause whenever the decoder has nothing else to do and `draft_step_s` more
audio came since the last draft; at the stop the latest draft becomes a span of its own and
only the audio after it is decoded, and a draft that a cut overtakes is dropped. Off by default
(`[dictate] document_draft_step_s`): on 2 cores the drafts took the cores from the live decodes
and a 60 s dictation's note came later, 13.4 s after the stop against 6.2 s without
(bench/bench_document.py, king.mp3, 2026-12-07); a machine with spare cores may gain.

Spans are decoded one at a time in a background thread, through the engine's background lane
where it has one (`SharedEngine.transcribe_background`: it waits while live decodes wait, and
leaves one worker to them): the preview keeps at least one worker, though with two a second
live decode may wait for a span's decode to end. Once she stops no preview decodes are left:
what is still to decode goes through `transcribe_last` (the engine's `transcribe_alone`, on
every core), and spans handed over and not yet begun are decoded with the last one as one span
(up to `MERGED_MAX_S`), so that a span cut a moment before the stop costs one decode, not two.
"""

from __future__ import annotations

import difflib
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from diktat.stt.options import DecodeOptions
from diktat.types import Segment, Transcript, Word

# Word timestamps are needed, and the plain pipeline keeps them for audio of any length.
_WITH_WORDS = {"batched_min_duration_s": 24 * 3600.0}


@dataclass(frozen=True)
class DocumentOptions:
    enabled: bool = True
    min_span_s: float = 20.0  # a span ends at the first pause after this much audio
    draft_step_s: float = 0.0  # audio between drafts of the open span; 0 = no drafts


@dataclass(frozen=True)
class Span:
    start: float  # seconds of the session's audio
    end: float
    words: tuple[Word, ...]  # in the session's time
    decode_s: float


# Spans not yet begun at the stop are decoded as one up to this length (a Whisper window).
MERGED_MAX_S = 28.0

# A span waiting this long was deferred by a busy machine (one decodes in 1-5 s on 2 idle
# cores): the nurse is told that the note waits for the better text.
DEFERRED_AFTER_S = 10.0


@dataclass(frozen=True)
class Backlog:
    audio_s: float  # seconds of audio handed over for spans and not decoded yet
    waited_s: float  # how long the oldest of it has waited

    @property
    def deferred(self) -> bool:
        return self.waited_s >= DEFERRED_AFTER_S


@dataclass(frozen=True)
class _Job:
    kind: Literal["span", "draft", "last"]
    start: float
    end: float


class DocumentDecoder:
    """Decodes spans of the recording in order, in a thread of its own."""

    def __init__(self, transcribe: Callable[[np.ndarray, DecodeOptions], Transcript],
                 decode: DecodeOptions, read_audio: Callable[[float, float], np.ndarray],
                 options: DocumentOptions,
                 transcribe_last: Callable[[np.ndarray, DecodeOptions], Transcript] | None = None,
                 ) -> None:
        self.options = options
        self.decode = decode.model_copy(update=_WITH_WORDS)
        self._transcribe = transcribe
        self._transcribe_last = transcribe_last or transcribe
        self._closed = threading.Event()  # she stopped: no preview decodes any more
        self._read_audio = read_audio
        self.cut_at = 0.0  # where the next span starts
        self.spans: list[Span] = []
        self._draft: Span | None = None  # the open span decoded up to a pause
        self._drafted_to = 0.0  # where the last draft asked for ends
        self._todo: queue.Queue[_Job | None] = queue.Queue()
        self._unfinished = 0  # jobs asked for and not done
        self._handed: deque[tuple[float, float]] = deque()  # (span end, when) not decoded yet
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="diktat-document", daemon=True)
        self._thread.start()

    def snapshot(self) -> list[Span]:
        """The spans decoded so far, in order."""
        with self._lock:
            return list(self.spans)

    def backlog(self) -> Backlog:
        """The audio handed over for spans and not decoded yet, and how long it has waited."""
        with self._lock:
            done = self.spans[-1].end if self.spans else 0.0
            since = self._handed[0][1] if self._handed else None
        return Backlog(audio_s=max(0.0, self.cut_at - done),
                       waited_s=0.0 if since is None else time.monotonic() - since)

    def offer_pause(self, point: float) -> bool:
        """A pause at `point` (seconds): cut a span there when it is long enough, or else
        draft the open span when the decoder is idle. True when a span was cut."""
        if point - self.cut_at >= self.options.min_span_s:
            self._submit(_Job("span", self.cut_at, point))
            self.cut_at = point
            return True
        step = self.options.draft_step_s
        with self._lock:
            idle = self._unfinished == 0
        if step > 0 and idle and point - max(self.cut_at, self._drafted_to) >= step:
            self._submit(_Job("draft", self.cut_at, point))
            self._drafted_to = point
        return False

    def close(self, end: float) -> None:
        """The recording ends at `end`: decode what is left (the audio after the open span's
        draft, if there is one), without waiting."""
        if end > self.cut_at:
            self._submit(_Job("last", self.cut_at, end))
            self.cut_at = end
        self._closed.set()
        self._todo.put(None)

    def finish(self) -> list[Span]:
        """Every span in order, once `close` was called (waits for them)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return list(self.spans)

    def abandon(self) -> None:
        """Stop without waiting (a failed dictation)."""
        self._todo.put(None)

    def _submit(self, job: _Job) -> None:
        with self._lock:
            self._unfinished += 1
            if job.kind != "draft":
                self._handed.append((job.end, time.monotonic()))
        self._todo.put(job)

    def _run(self) -> None:
        while (job := self._todo.get()) is not None:
            try:
                if self._closed.is_set() and job.kind == "span":
                    job = self._merged_with_next(job)
                if self._error is None:
                    self._do(job)
            except BaseException as exc:  # noqa: BLE001 - raised again by finish()
                self._error = exc
            finally:
                with self._lock:
                    self._unfinished -= 1

    def _merged_with_next(self, job: _Job) -> _Job:
        """`job` and the spans queued after it (the queue ends with the close) as one, while
        they fit in `MERGED_MAX_S`; the rest stay queued. Not with drafts about."""
        queued: list[_Job] = []
        while (next_job := self._todo.get()) is not None:  # the close puts None next
            queued.append(next_job)
        merged, taken = job, 0
        if all(j.kind != "draft" for j in queued) and self._draft is None:
            for next_job in queued:
                if next_job.end - job.start > MERGED_MAX_S:
                    break
                merged, taken = _Job(next_job.kind, job.start, next_job.end), taken + 1
        with self._lock:
            self._unfinished -= taken
        for rest in queued[taken:]:
            self._todo.put(rest)
        self._todo.put(None)
        return merged

    def _do(self, job: _Job) -> None:
        draft, self._draft = self._draft, None
        if job.kind == "draft":
            self._draft = self._decode(job.start, job.end)
            return
        start = job.start
        if job.kind == "last" and draft is not None and draft.start == start:
            self._add(draft)
            start = draft.end
        if job.end > start:
            self._add(self._decode(start, job.end))

    def _add(self, span: Span) -> None:
        with self._lock:
            self.spans.append(span)
            while self._handed and self._handed[0][0] <= span.end:
                self._handed.popleft()

    def _decode(self, start: float, end: float) -> Span:
        audio = self._read_audio(start, end)
        tick = time.perf_counter()
        transcribe = self._transcribe_last if self._closed.is_set() else self._transcribe
        transcript = transcribe(audio, self.decode) if len(audio) else None
        spent = time.perf_counter() - tick
        words = () if transcript is None else tuple(
            w.model_copy(update={"start": w.start + start, "end": w.end + start})
            for w in words_of(transcript.segments))
        return Span(start, end, words, spent)


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


@dataclass(frozen=True)
class Change:
    """Where the document text differs from the preview the nurse saw: words of each."""
    document: str
    preview: str


def preview_changes(preview: str, document: str) -> list[Change | str]:
    """The document text as runs of unchanged text (str) and `Change`s from the preview, by
    words (difflib's longest matching blocks), for the review view."""
    old, new = preview.split(), document.split()
    runs: list[Change | str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            runs.append(" ".join(new[b0:b1]))
        else:
            runs.append(Change(document=" ".join(new[b0:b1]), preview=" ".join(old[a0:a1])))
    return runs
