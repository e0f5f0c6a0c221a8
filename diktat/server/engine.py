"""One loaded engine shared by every request, decoding one window or file at a time.

CTranslate2 already uses every core for one decode; running eight sessions' decodes at once
would only make them thrash. `SharedEngine` exposes the engine protocol (`transcribe`,
`decode_window`, `model_id`, `model_sha256`) and passes each call through a first-come,
first-served lock, so concurrent dictations take turns in order and none starves.
"""

from __future__ import annotations

import itertools
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

    def transcribe(self, samples: np.ndarray, opts: DecodeOptions) -> Transcript: ...

    def decode_window(
        self, samples: np.ndarray, opts: DecodeOptions, *, max_new_tokens: int | None = None
    ) -> list[Segment]: ...


class FairLock:
    """A ticket lock: waiters are served in arrival order (threading.Lock is not fair)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._tickets = itertools.count()
        self._serving = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._cond:
            ticket = next(self._tickets)
            self._cond.wait_for(lambda: self._serving == ticket)
        try:
            yield
        finally:
            with self._cond:
                self._serving += 1
                self._cond.notify_all()


class SharedEngine:
    """The engine protocol over one loaded engine, one call at a time."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.model_id = engine.model_id
        self.model_sha256 = engine.model_sha256
        self.lock = FairLock()

    def transcribe(self, samples: np.ndarray, opts: DecodeOptions) -> Transcript:
        with self.lock.held():
            return self._engine.transcribe(samples, opts)

    def decode_window(
        self, samples: np.ndarray, opts: DecodeOptions, *, max_new_tokens: int | None = None
    ) -> list[Segment]:
        with self.lock.held():
            return self._engine.decode_window(samples, opts, max_new_tokens=max_new_tokens)
