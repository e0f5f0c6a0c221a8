"""One recording at a time on Ray actors: the server's upload jobs (`[server] job_ray`).

The server decodes and bounds an upload itself (`server.uploads.decode_upload`), so what travels
is the 16 kHz mono samples, never the container: a worker parses nothing a user sent, and a
hostile file is refused before any byte of it leaves the server. A two-minute dictation is about
7.7 MB of float32. The transcript comes back; structuring, drafts and the audit log stay on the
server (only `diktat/store/` writes journal material).

Each call borrows an idle actor and blocks until it is done, so `workers` job threads keep every
actor busy. An actor that dies during a call is replaced and the recording is sent again to the
next idle actor; a recording that killed `MAX_CRASHES` actors fails with a message, as a file
that kills the local transcriber twice is skipped.
"""

from __future__ import annotations

import queue

import numpy as np
import ray
from ray.exceptions import RayActorError

from diktat.config import Settings
from diktat.errors import WorkerLost
from diktat.stt.batch import MAX_CRASHES
from diktat.stt.options import DecodeOptions
from diktat.stt.ray_pool import RayPool, WorkerInfo
from diktat.types import Transcript


class RayEngine:
    """`transcribe(samples, opts)` on the first idle actor of a `RayPool`."""

    def __init__(self, pool: RayPool) -> None:
        self._pool = pool
        self._idle: queue.Queue = queue.Queue()
        for actor in pool.actors:
            self._idle.put(actor)

    @classmethod
    def open(cls, settings: Settings, address: str) -> RayEngine:
        """Connect (`ray_pool.connect`: a private local Ray, or the operator's cluster with
        TLS) and start `[ray] workers` actors, each with the model loaded."""
        pool = RayPool(settings, address)
        pool.__enter__()
        return cls(pool)

    @property
    def workers(self) -> int:
        return len(self._pool.actors)

    @property
    def worker_infos(self) -> tuple[WorkerInfo, ...]:
        return tuple(self._pool.infos.values())

    @property
    def replaced(self) -> int:
        return self._pool.replaced

    def transcribe(self, samples: np.ndarray, opts: DecodeOptions) -> Transcript:
        crashes = 0
        while True:
            actor = self._idle.get()
            try:
                transcript = ray.get(actor.transcribe_samples.remote(samples, opts))
            except RayActorError:
                crashes += 1
                fresh = self._pool.replace(actor)
                if fresh is not None:
                    self._idle.put(fresh)
                if crashes >= MAX_CRASHES:
                    raise WorkerLost(
                        f"the Ray worker died on this recording {crashes} times; it was not "
                        "transcribed") from None
                if not self._pool.actors:
                    raise WorkerLost("no Ray worker is left to transcribe on") from None
                continue
            self._idle.put(actor)
            return transcript

    def close(self) -> None:
        """End the actors (and a Ray this engine started)."""
        self._pool.__exit__(None, None, None)
