"""One loaded engine shared by every request, decoding as many windows or files at once as it
has workers, the streaming windows of several live sessions in shared batches.

The engine's workers share the cores (two single-threaded workers on 2 cores); running eight
sessions' decodes at once would only make them thrash. `SharedEngine` exposes the engine
protocol (`transcribe`, `decode_window`, `model_id`, `model_sha256`, `workers`) and passes each
call through a first-come, first-served gate with one place per worker, so concurrent
dictations take turns in order and none starves.

Live sessions' windows go to a queue; one dispatcher per worker takes a place at the gate and
decodes the windows waiting then (up to `window_batch`, shared out over the dispatchers that
are free) in one call of an engine that has `decode_windows`: continuous batching, with no
wait for a batch to fill, so one session alone decodes as before. Measured on 2 cores (AVX2,
whisper base int8, 8.5 s windows, bench/bench_window_batch.py): one thread per window
1.44-1.64 s, two single-threaded workers side by side 0.85-1.00 s per window, the same two
each decoding its share as one batch 0.77 s at 4-8 windows — on a CPU a batch saves 10-20 %,
on a GPU it is the whole gain.
`LoadMeter` holds what a live session costs (a window's decode and the document decode,
measured at start) and the recent decode delay; the server refuses a new live session beyond
what the workers pay for within the committed-lag ceiling (`live_capacity`).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from diktat.stt.engine import WindowBatchEngine, WindowRequest
from diktat.stt.options import DecodeOptions
from diktat.types import Segment, Transcript


class Engine(Protocol):
    model_id: str
    model_sha256: str | None
    workers: int

    def transcribe(self, samples: np.ndarray, opts: DecodeOptions) -> Transcript: ...

    def decode_window(
        self, samples: np.ndarray, opts: DecodeOptions, *, max_new_tokens: int | None = None
    ) -> list[Segment]: ...


class FairSlots:
    """A ticket semaphore: up to `places` holders at once, waiters let in by arrival order
    (threading.Semaphore is not fair). Background holders (`held(background=True)`: the
    document decodes) are let in only when a place is free and no one else waits, and never
    take the last place of several; `SharedEngine`'s dispatchers stand back for one that has
    waited too long (`background_waited`)."""

    def __init__(self, places: int) -> None:
        if places < 1:
            raise ValueError(f"FairSlots needs at least one place, not {places}")
        self.places = places
        self._cond = threading.Condition()
        self._issued = 0  # tickets handed out, in arrival order
        self._left = 0  # holders that have left
        self._background = 0  # background holders now
        self._background_waits: list[float] = []  # when each background waiter came

    def background_waited(self) -> float:
        """How long the longest-waiting background caller has waited, if one could be let in
        now (0 when none waits, or the background already has all it may hold)."""
        with self._cond:
            if self._background >= max(1, self.places - 1):
                return 0.0
            return time.monotonic() - min(self._background_waits, default=time.monotonic())

    @property
    def waiting(self) -> int:
        """Callers waiting for a place now (background ones not counted)."""
        with self._cond:
            return max(0, self._issued - self._left - (self.places - self._background))

    @contextmanager
    def held_all(self) -> Iterator[None]:
        """Every place at once, in arrival order (after every earlier holder has left)."""
        with self._cond:
            last = self._issued + self.places - 1
            self._issued += self.places
            self._cond.wait_for(lambda: last < self._left + self.places - self._background)
        try:
            yield
        finally:
            with self._cond:
                self._left += self.places
                self._cond.notify_all()

    @contextmanager
    def held(self, *, background: bool = False) -> Iterator[None]:
        with self._cond:
            if background:
                came = time.monotonic()
                self._background_waits.append(came)
                try:
                    self._cond.wait_for(
                        lambda: self._background < max(1, self.places - 1)
                        and self._issued - self._left + self._background < self.places)
                finally:
                    self._background_waits.remove(came)
                self._background += 1
            else:
                ticket = self._issued
                self._issued += 1
                self._cond.wait_for(
                    lambda: ticket < self._left + self.places - self._background)
        try:
            yield
        finally:
            with self._cond:
                if background:
                    self._background -= 1
                else:
                    self._left += 1
                self._cond.notify_all()


class LoadMeter:
    """What a live session costs the engine, measured at start on the idle engine
    (`SharedEngine.calibrate`): one window's decode (`window_s`) and the document decode's
    seconds per second of audio (`document_rtf`, 0 with the document decode off); and the
    recent decode delay the sessions see (from a window's queueing to its result, last
    `recent_s`)."""

    def __init__(self, recent_s: float = 30.0, keep: int = 64) -> None:
        self.recent_s = recent_s
        self.window_s: float | None = None
        self.document_rtf = 0.0
        self._delays: deque[tuple[float, float]] = deque(maxlen=keep)  # (when, delay)
        self._lock = threading.Lock()

    @property
    def calibrated(self) -> bool:
        return self.window_s is not None

    def record(self, delay_s: float, *, now: float | None = None) -> None:
        with self._lock:
            self._delays.append((time.monotonic() if now is None else now, delay_s))

    def fastest_s(self, *, now: float | None = None) -> float | None:
        """The shortest recent decode delay (a window that did not wait); None without any."""
        return min(self._recent(now), default=None)

    def delay_s(self, *, now: float | None = None) -> float | None:
        """The median decode delay of the recent windows; None without any."""
        delays = sorted(self._recent(now))
        return delays[len(delays) // 2] if delays else None

    def _recent(self, now: float | None) -> list[float]:
        since = (time.monotonic() if now is None else now) - self.recent_s
        with self._lock:
            return [d for when, d in self._delays if when >= since]


# Share of the workers' time live sessions may plan on (uploads and bursts take the rest).
PLANNED_SHARE = 0.9


def decode_interval(window_s: float, ceiling_s: float) -> float:
    """Seconds between a session's decodes that keep its committed lag within `ceiling_s`: a
    word is committed when two decodes after it agree, about two intervals plus a decode."""
    return max(window_s, (ceiling_s - window_s) / 2)


def live_capacity(*, sessions: int, meter: LoadMeter, workers: int, ceiling_s: float,
                  limit: int) -> int:
    """How many live sessions the engine serves within a committed-lag ceiling of `ceiling_s`.

    A session decodes a window every `decode_interval` and, with the document decode on, its
    audio once more at `document_rtf`: worker-seconds per second = window / interval + rtf.
    The capacity is what `workers` x `PLANNED_SHARE` pays for, at least one session. While the
    sessions running already wait longer than the interval for their decodes (the estimate was
    too kind: long windows, uploads), no more are admitted. Never above `limit`, never below
    the sessions running (they keep their place); `limit` until the start's measurement."""
    if meter.window_s is None:
        return limit
    interval = decode_interval(meter.window_s, ceiling_s)
    demand = meter.window_s / interval + meter.document_rtf
    capacity = max(1, math.floor(workers * PLANNED_SHARE / demand))
    delay = meter.delay_s()
    if sessions and delay is not None and delay > interval:
        capacity = sessions
    return max(sessions, min(limit, capacity))


_YIELD_S = 0.02


@dataclass(eq=False)
class _Pending:
    request: WindowRequest
    result: Future
    queued: float


class SharedEngine:
    """The engine protocol over one loaded engine, `workers` calls at a time; live windows in
    shared batches of at most `window_batch`."""

    def __init__(self, engine: Engine, *, window_batch: int = 1,
                 background_patience_s: float = 3.0) -> None:
        self._engine = engine
        self.model_id = engine.model_id
        self.model_sha256 = engine.model_sha256
        self.workers = engine.workers
        self.slots = FairSlots(engine.workers)
        self.window_batch = max(1, window_batch)
        # A document decode waiting longer than this gets the next free worker: live windows
        # are always waiting on a loaded server and would otherwise keep it out until the stop.
        self.background_patience_s = background_patience_s
        self.load = LoadMeter()
        self.live_sessions = 0  # dictations now (the server's StreamSlots keeps it)
        self.batches: deque[int] = deque(maxlen=256)  # sizes of the recent window batches
        self._pending: deque[_Pending] = deque()
        self._cond = threading.Condition()
        self._idle_dispatchers = 0
        self._dispatchers: list[threading.Thread] = []
        self._closed = False

    def transcribe(self, samples: np.ndarray, opts: DecodeOptions) -> Transcript:
        with self.slots.held():
            return self._engine.transcribe(samples, opts)

    def transcribe_background(self, samples: np.ndarray, opts: DecodeOptions) -> Transcript:
        """`transcribe` behind every live decode (a dictation's document text)."""
        with self.slots.held(background=True):
            return self._engine.transcribe(samples, opts)

    def transcribe_alone(self, samples: np.ndarray, opts: DecodeOptions) -> Transcript:
        """The last span of a dictation that has stopped: with every worker (the engine's
        `transcribe_alone`, on all its cores) when no other dictation is live, else behind
        the live decodes, which must not wait seconds for one session's note."""
        alone = getattr(self._engine, "transcribe_alone", None)
        if alone is None or self.live_sessions > 1:
            return self.transcribe_background(samples, opts)
        with self.slots.held_all():
            return alone(samples, opts)

    def decode_window(
        self, samples: np.ndarray, opts: DecodeOptions, *, max_new_tokens: int | None = None
    ) -> list[Segment]:
        pending = _Pending(WindowRequest(samples, opts, max_new_tokens), Future(),
                           time.monotonic())
        with self._cond:
            if self._closed:
                raise RuntimeError("the shared engine is closed")
            if not self._dispatchers:
                self._start_dispatchers()
            self._pending.append(pending)
            self._cond.notify()
        segments = pending.result.result()
        self.load.record(time.monotonic() - pending.queued)
        return segments

    def calibrate(self, samples: np.ndarray, window: DecodeOptions,
                  document: DecodeOptions | None) -> None:
        """Measure on the idle engine what a live session costs (`LoadMeter`): a window of
        `samples` decoded with the streaming options `window` (after a first decode that
        warms the engine up) and, unless `document` is None (the document decode is off),
        `samples` transcribed with the batch options `document`."""
        self.decode_window(samples, window)
        started = time.monotonic()
        self.decode_window(samples, window)
        window_s = time.monotonic() - started
        if document is not None:
            started = time.monotonic()
            self.transcribe(samples, document)
            self.load.document_rtf = (time.monotonic() - started) / (len(samples) / 16_000)
        self.load.window_s = window_s

    def close(self, timeout_s: float = 5.0) -> bool:
        """Stop the dispatchers once the windows queued are decoded; True when they stopped
        within `timeout_s` (a decode still running keeps its native thread)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        deadline = time.monotonic() + timeout_s
        for thread in self._dispatchers:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._dispatchers)

    def _start_dispatchers(self) -> None:
        for number in range(self.workers):
            thread = threading.Thread(target=self._dispatch, daemon=True,
                                      name=f"diktat-windows-{number}")
            thread.start()
            self._dispatchers.append(thread)

    def _dispatch(self) -> None:
        while True:
            with self._cond:
                self._idle_dispatchers += 1
                self._cond.wait_for(lambda: self._pending or self._closed)
                self._idle_dispatchers -= 1
                if not self._pending:
                    return
            while self.slots.background_waited() > self.background_patience_s \
                    and not self._closed:
                time.sleep(_YIELD_S)  # the live windows let a document decode in
            with self.slots.held():
                batch = self._take_batch()
                if batch:
                    self._decode(batch)

    def _take_batch(self) -> list[_Pending]:
        """The oldest waiting window and those that can share its prompt, up to this
        dispatcher's share of the queue (the waiting windows over the dispatchers free now)."""
        with self._cond:
            if not self._pending:
                return []
            share = math.ceil(len(self._pending) / (1 + self._idle_dispatchers))
            size = min(self.window_batch, share)
            first = self._pending[0].request.opts
            key = (first.language, first.hotwords)
            batch = [p for p in self._pending
                     if (p.request.opts.language, p.request.opts.hotwords) == key][:size]
            taken = {id(p) for p in batch}
            self._pending = deque(p for p in self._pending if id(p) not in taken)
            return batch

    def _decode(self, batch: list[_Pending]) -> None:
        self.batches.append(len(batch))
        try:
            if len(batch) > 1 and isinstance(self._engine, WindowBatchEngine):
                results = self._engine.decode_windows([p.request for p in batch])
            else:
                results = [self._engine.decode_window(p.request.samples, p.request.opts,
                                                      max_new_tokens=p.request.max_new_tokens)
                           for p in batch]
        except BaseException as exc:  # noqa: BLE001 - every waiting session hears of it
            for pending in batch:
                pending.result.set_exception(exc)
            return
        for pending, segments in zip(batch, results, strict=True):
            pending.result.set_result(segments)
