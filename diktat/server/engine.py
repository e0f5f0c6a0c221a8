"""One loaded engine shared by every request, decoding as many windows or files at once as it
has workers.

The engine's workers share the cores (two single-threaded workers on 2 cores); running eight
sessions' decodes at once would only make them thrash. `SharedEngine` exposes the engine
protocol (`transcribe`, `decode_window`, `model_id`, `model_sha256`, `workers`) and passes each
call through a first-come, first-served gate with one place per worker, so concurrent
dictations take turns in order and none starves.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import numpy as np

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
    take the last place of several."""

    def __init__(self, places: int) -> None:
        if places < 1:
            raise ValueError(f"FairSlots needs at least one place, not {places}")
        self.places = places
        self._cond = threading.Condition()
        self._issued = 0  # tickets handed out, in arrival order
        self._left = 0  # holders that have left
        self._background = 0  # background holders now

    @property
    def waiting(self) -> int:
        """Callers waiting for a place now (background ones not counted)."""
        with self._cond:
            return max(0, self._issued - self._left - (self.places - self._background))

    @contextmanager
    def held(self, *, background: bool = False) -> Iterator[None]:
        with self._cond:
            if background:
                self._cond.wait_for(
                    lambda: self._background < max(1, self.places - 1)
                    and self._issued - self._left + self._background < self.places)
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


class SharedEngine:
    """The engine protocol over one loaded engine, `workers` calls at a time."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.model_id = engine.model_id
        self.model_sha256 = engine.model_sha256
        self.workers = engine.workers
        self.slots = FairSlots(engine.workers)

    def transcribe(self, samples: np.ndarray, opts: DecodeOptions) -> Transcript:
        with self.slots.held():
            return self._engine.transcribe(samples, opts)

    def transcribe_background(self, samples: np.ndarray, opts: DecodeOptions) -> Transcript:
        """`transcribe` behind every live decode (a dictation's document text)."""
        with self.slots.held(background=True):
            return self._engine.transcribe(samples, opts)

    def decode_window(
        self, samples: np.ndarray, opts: DecodeOptions, *, max_new_tokens: int | None = None
    ) -> list[Segment]:
        with self.slots.held():
            return self._engine.decode_window(samples, opts, max_new_tokens=max_new_tokens)
