"""Streaming recognition over a growing audio buffer: insert audio, decode, commit what agrees.

The processor keeps the audio since the last trim point (earlier utterances included, as
context) and re-decodes all of it whenever enough new audio has arrived (`process_iter`).
LocalAgreement commits the words that the last two decodes agree on and that both heard to
their end (a word cut off at the end of a window is where Whisper guesses, and two guesses can
agree); the rest is the tentative tail. To bound the cost of a decode over a long session, the
buffer is cut at a committed sentence end once it is longer than `trim_after_s` (at
the last committed word past `max_buffer_s`). `end_utterance` closes an utterance (a VAD pause,
or `finish`): its words come from the last decode when that already saw the end of speech, else
from one more decode. `skip` moves the clock over audio not given (a long pause) and starts
afresh.

With `parallel_decodes` > 1 (live input, an engine with that many workers) decodes run in the
background while audio keeps coming, and `process_iter` hands back the words of finished decodes
in the order they were started. Regular decodes use all workers but one; the last is kept for
the closing decode, which then starts the moment a pause begins instead of queueing behind the
decode in flight (2 cores, one thread per decode: final text after end of speech median 1.02 s
→ 0.83-0.95 s, bench/bench_streaming.py). Two regular decodes at once, every 0.25 s, made each
decode slower and the final later (1.16 s) for little gain in committed lag (1.98 s vs 2.20 s).
With 1 (the default) every decode finishes inside `process_iter`, so a file replays the same way
every time.

Measured on all of king.mp3 through the VAD gate, WER of the final text against the reference
(the offline transcription: 0.44): 0.52 with the buffer trimmed after 8 s and 0.61 after 4 s
(0.5 s chunks), 0.60 and 0.67 replayed at the pace of speech. The longer context is the default
although each decode of it costs more (the encoder sees the window, `stt/whisper_window.py`).

No text prompt: whisper_streaming gives the committed text that left the buffer as the decoder
prompt, but with Whisper base that made the decoder write the prompt out again or loop on short
windows ("Det er en av det er en av ..."), and those echoes got committed.

Same engine, vocabulary (`decode.hotwords`) and hallucination guards as batch transcription.
"""

from __future__ import annotations

import math
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from diktat.stt.audio import SAMPLE_RATE
from diktat.stt.guards import apply_guards
from diktat.stt.options import DecodeOptions
from diktat.stt.streaming.events import StreamEvent, event
from diktat.stt.streaming.policy import LocalAgreement
from diktat.types import Segment, Word

_SENTENCE_END = (".", "?", "!")
# Whisper's own limit per 30 s window (half its 448-token context; the prompt takes the rest).
_MAX_NEW_TOKENS = 224
# A word committed to catch up must be followed by this much audio in its decode: the end of a
# window is where Whisper guesses.
_CATCH_UP_MARGIN_S = 1.0


class WindowDecoder(Protocol):
    """What the processor needs from an engine (`diktat.stt.whisper.WhisperEngine` has it)."""

    def decode_window(
        self,
        samples: np.ndarray,
        opts: DecodeOptions,
        *,
        max_new_tokens: int | None = None,
    ) -> list[Segment]: ...


def streaming_decode_options(batch: DecodeOptions | None = None) -> DecodeOptions:
    """The batch decode options (language, vocabulary, guard thresholds) with the streaming
    decoder: greedy and without temperature fallback. A window re-decoded at random temperatures
    rarely agrees with the previous decode, and every fallback multiplies the decode time."""
    batch = batch or DecodeOptions()
    return batch.model_copy(update={"beam_size": 1, "temperatures": (0.0,), "vad": False})


@dataclass(frozen=True)
class StreamingOptions:
    """How the processor decodes and trims; `decode` = streaming_decode_options(batch options)."""

    decode: DecodeOptions = field(default_factory=streaming_decode_options)
    agreement_n: int = 2  # hypotheses that must agree before a word is committed
    min_chunk_s: float = 0.5  # new audio needed before process_iter decodes again
    trim_after_s: float = 8.0  # longer buffer: cut at the last committed sentence end
    max_buffer_s: float = 15.0  # longer buffer: cut at the last committed word
    max_tokens_per_s: float = 12.0  # caps a decode so a repetition loop cannot stall the stream
    parallel_decodes: int = 1  # decodes running at once (up to the engine's workers)
    # Committed-lag ceiling: once the oldest uncommitted word was said more than half of it
    # ago (audio received since), the newest decode's words are committed without waiting for
    # a second decode to agree, as decodes come too seldom on a loaded server; None: always
    # wait for agreement.
    max_lag_s: float | None = None


@dataclass(frozen=True)
class _Decode:
    words: Future[list[Word]]
    until: float  # stream time of the end of the audio it decodes


class StreamingProcessor:
    """insert_audio_chunk → process_iter (tentative/committed events) → finish (final)."""

    def __init__(self, engine: WindowDecoder, options: StreamingOptions | None = None) -> None:
        self.engine = engine
        self.options = options or StreamingOptions()
        self._policy = LocalAgreement(self.options.agreement_n)
        self._received = 0  # samples in the stream so far (given or skipped)
        self._buffer = np.zeros(0, dtype=np.float32)
        self._buffer_start = 0.0  # stream time of the buffer's first sample
        self._decoded_until = 0.0  # stream time of the buffer end at the last decode started
        self._applied_until = 0.0  # ... at the last decode whose words were taken
        # Buffer ends of the last `agreement_n` decodes taken.
        self._window_ends: deque[float] = deque(maxlen=self.options.agreement_n)
        self._in_flight: deque[_Decode] = deque()
        self._pool: ThreadPoolExecutor | None = None
        self._utterance: list[Word] = []  # committed words of the current utterance
        self._utterance_ends: list[float] = []  # ends of earlier utterances still in the buffer
        self._tentative: tuple[Word, ...] = ()
        self.decode_count = 0

    @property
    def audio_seconds(self) -> float:
        return self._received / SAMPLE_RATE

    @property
    def decoded_until(self) -> float:
        """Stream time up to which the last decode started sees audio."""
        return self._decoded_until

    def insert_audio_chunk(self, samples: np.ndarray) -> None:
        chunk = np.asarray(samples, dtype=np.float32).reshape(-1)
        if not len(self._buffer):
            self._buffer_start = self.audio_seconds
        self._buffer = np.concatenate([self._buffer, chunk])
        self._received += len(chunk)

    def skip(self, seconds: float) -> None:
        """Advance the stream clock over audio that is not given (a long pause between
        utterances): the buffer is emptied, as it no longer joins up with what comes next."""
        self._wait_in_flight()  # their words belong to the audio dropped here
        self._received += round(seconds * SAMPLE_RATE)
        self._buffer = np.zeros(0, dtype=np.float32)
        self._buffer_start = self.audio_seconds
        self._policy.reset()
        self._utterance_ends = []

    def process_iter(self, *, force: bool = False) -> list[StreamEvent]:
        """Start a decode of the buffer if at least `min_chunk_s` of new audio came since the
        last one (any new audio with `force`) and a worker is free; return the events of the
        decodes that finished. With one decode at a time that is the decode just started. With
        more, the call waits for the oldest only when every worker is busy: otherwise the
        caller goes back to its audio (and the VAD to the next frames) at once. `force` (the
        closing decode) may take the worker that regular decodes leave free."""
        new_s = self.audio_seconds - max(self._decoded_until, self._buffer_start)
        enough = new_s > 0 and (new_s >= self.options.min_chunk_s or force)
        if enough and len(self._in_flight) < self._workers_for(force):
            self._start_decode()
        busy = len(self._in_flight) >= self.options.parallel_decodes
        # Back-pressure: while decodes lag (a shared, loaded server), audio waits with the
        # caller rather than growing the buffer towards Whisper's 30 s window.
        too_long = len(self._buffer) > self.options.max_buffer_s * SAMPLE_RATE
        behind = bool(self._in_flight) and too_long
        return self._take_finished(wait_s=None if busy or behind else 0.0)

    def poll(self) -> list[StreamEvent]:
        """The events of decodes that finished meanwhile; starts none."""
        return self._take_finished(wait_s=0.0)

    def end_utterance(self, speech_end: float | None = None) -> list[StreamEvent]:
        """Close the current utterance: commit the rest and emit it as final.

        The last decode's tail is taken as it is when that decode saw the audio up to
        `speech_end` (default: all audio given); otherwise the buffer is decoded once more.
        """
        events = self._take_finished(wait_s=None, every=True)
        covered_until = self.audio_seconds if speech_end is None else speech_end
        committed = []
        if self._applied_until < covered_until and len(self._buffer):
            self._decoded_until = self._applied_until = self.audio_seconds
            self.decode_count += 1
            committed = self._policy.update(self._decode(self._buffer, self._buffer_start))
        events += self._commit(committed + self._policy.commit_tentative())
        if self._utterance:
            words = tuple(self._utterance)
            events.append(event("final", words, words[-1].end))
            self._utterance_ends.append(words[-1].end)
        self._utterance = []
        self._tentative = ()
        self._window_ends.clear()
        return events

    def finish(self) -> list[StreamEvent]:
        """End of input: commit and finalise whatever is left."""
        return self.end_utterance()

    def close(self) -> None:
        """Let the decode threads go (a decode still running finishes first)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _workers_for(self, closing: bool) -> int:
        """With several workers one is kept free for the closing decode of an utterance (the
        gate forces it when a pause begins), so that it never queues behind a regular one."""
        parallel = self.options.parallel_decodes
        return parallel if closing or parallel == 1 else parallel - 1

    def _start_decode(self) -> None:
        self._decoded_until = self.audio_seconds
        self.decode_count += 1
        if self.options.parallel_decodes == 1:
            words: Future[list[Word]] = Future()
            words.set_result(self._decode(self._buffer, self._buffer_start))
        else:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    self.options.parallel_decodes, thread_name_prefix="diktat-decode"
                )
            words = self._pool.submit(self._decode, self._buffer, self._buffer_start)
        self._in_flight.append(_Decode(words, self._decoded_until))

    def _take_finished(self, *, wait_s: float | None, every: bool = False) -> list[StreamEvent]:
        """Take the words of finished decodes in the order they started: the oldest after
        waiting up to `wait_s` (None: until it is done), the others only if already done
        (`every`: wait for all)."""
        events: list[StreamEvent] = []
        while self._in_flight:
            try:
                words = self._in_flight[0].words.result(timeout=wait_s)
            except TimeoutError:
                break
            events += self._take(words, self._in_flight.popleft().until)
            if not every:
                wait_s = 0.0
        return events

    def _take(self, hypothesis: list[Word], until: float) -> list[StreamEvent]:
        self._applied_until = until
        self._window_ends.append(until)
        # Only words that every agreeing decode heard to their end: a word cut off at the end
        # of a window is where Whisper guesses, and two guesses can agree.
        heard_by_all = self._window_ends[0]
        committed = self._policy.update(hypothesis, commit_until=heard_by_all)
        waiting = self._policy.tentative
        lag_s = self.options.max_lag_s
        if lag_s is not None and waiting and self.audio_seconds - waiting[0].end > lag_s / 2:
            # Half the ceiling: the next decode, which would bring the agreement, comes too late.
            committed += self._policy.commit_through(until - _CATCH_UP_MARGIN_S)
        events = self._commit(committed)
        if self._policy.tentative != self._tentative:
            self._tentative = self._policy.tentative
            events.append(event("tentative", self._tentative, until))
        self._trim(until)
        return events

    def _wait_in_flight(self) -> None:
        while self._in_flight:
            self._in_flight.popleft().words.result()

    def _decode(self, buffer: np.ndarray, offset: float) -> list[Word]:
        """Decode `buffer` (starting at stream time `offset`); guarded words in stream time.
        Runs in a decode thread: it reads only its arguments and the options."""
        opts = self.options.decode
        if float(np.max(np.abs(buffer), initial=0.0)) < opts.silence_peak:
            return []
        window_s = len(buffer) / SAMPLE_RATE
        segments = self.engine.decode_window(
            buffer,
            opts,
            max_new_tokens=min(
                math.ceil(window_s * self.options.max_tokens_per_s) + 8, _MAX_NEW_TOKENS
            ),
        )
        kept, _ = apply_guards(
            segments,
            no_speech_threshold=opts.no_speech_threshold,
            log_prob_threshold=opts.log_prob_threshold,
            prompt=opts.hotwords,
        )
        return [
            w.model_copy(update={"start": w.start + offset, "end": w.end + offset})
            for s in kept
            for w in s.words
        ]

    def _commit(self, words: list[Word]) -> list[StreamEvent]:
        if not words:
            return []
        self._utterance.extend(words)
        return [event("committed", tuple(words), words[-1].end)]

    def _trim(self, decoded_until: float) -> None:
        """Cut the buffer where the committed text ends a sentence or an utterance,
        so the next decode starts on a clean boundary and stays short. Lengths count the audio
        the decode just taken saw: what came in since is not judged before it is decoded."""
        length_s = decoded_until - self._buffer_start
        if length_s <= self.options.trim_after_s:
            return
        committed_end = self._policy.last_committed_end
        boundaries = list(self._utterance_ends)
        boundaries += [
            w.end for w in self._policy.committed if w.text.rstrip().endswith(_SENTENCE_END)
        ]
        cut = max(boundaries, default=self._buffer_start)
        if length_s > self.options.max_buffer_s:
            # Never longer than max_buffer_s: cut at the last committed word, or drop the oldest
            # audio when nothing was agreed on for a long time (noise the VAD let through).
            cut = max(committed_end, self._buffer_start + length_s - self.options.trim_after_s)
        if cut <= self._buffer_start:
            return
        drop = min(round((cut - self._buffer_start) * SAMPLE_RATE), len(self._buffer))
        self._buffer = self._buffer[drop:]
        self._buffer_start += drop / SAMPLE_RATE
        self._policy.forget_before(self._buffer_start)
        self._utterance_ends = [e for e in self._utterance_ends if e > self._buffer_start]
