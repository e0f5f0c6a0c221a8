"""Upload jobs: a bounded queue served by worker threads.

One worker when jobs run on the server's own engine (every job ends in the one shared engine
anyway); one per Ray actor when they run on a Ray cluster (`[server] job_ray`). A bounded queue,
so a burst of uploads gets a clear "busy, retry later" (503) instead of piling up audio on disk
and waiting for ever. Finished jobs are kept in memory (the newest `KEEP_FINISHED`) for their
status calls; their audio is deleted as soon as the job ends. An accepted job's upload is parked
in the spool (`diktat.store.uploads.park`) until it ends, so jobs still queued or running when
the server stops resume, under the same id, at its next start (`submit(..., resumed=True)`).
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from diktat.errors import DiktatError
from diktat.store.names import NoteId
from diktat.store.uploads import unpark

log = logging.getLogger(__name__)

JobStatus = Literal["queued", "running", "done", "failed"]
KEEP_FINISHED = 256
_STOP = object()


@dataclass
class Job:
    """One upload's state; the worker fills in the results."""

    filename: str  # shown back to the uploader only, never logged
    path: Path  # the spooled upload, removed when the job ends
    content_type: str | None
    id: str = field(default_factory=lambda: secrets.token_hex(8))
    status: JobStatus = "queued"
    progress: float = 0.0
    error: str | None = None
    transcript: dict | None = None
    note_id: NoteId | None = None  # the note made from it (kept as a draft)
    note: dict | None = None
    note_text: str | None = None
    created: float = field(default_factory=time.time)
    owner: str = "local"  # who uploaded it: only she may see it
    actor: str = "local"  # her name in the audit log


class JobQueue:
    """`submit` (False when full) → the worker runs `work(job)` → `get(id)` reports it."""

    def __init__(self, maxsize: int, work: Callable[[Job], None], *, workers: int = 1) -> None:
        self.maxsize = maxsize
        self._queue: queue.Queue = queue.Queue()  # bounded by `submit` (resumed jobs fit)
        self._work = work
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._workers = [threading.Thread(target=self._run, name=f"diktat-jobs-{i}", daemon=True)
                         for i in range(max(1, workers))]
        for worker in self._workers:
            worker.start()

    @property
    def waiting(self) -> int:
        return self._queue.qsize()

    def submit(self, job: Job, *, resumed: bool = False) -> bool:
        """Queue `job`; False when the queue is full (a job `resumed` after a restart is always
        taken: it was accepted before)."""
        with self._lock:
            if not resumed and self._queue.qsize() >= self.maxsize:
                return False
            self._queue.put_nowait(job)
            self._jobs[job.id] = job
            self._forget_old()
        return True

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def close(self, timeout: float = 5.0) -> bool:
        """Stop after the running job (waiting up to `timeout`). Queued jobs, and a running one
        that does not end in time, stay parked with their audio and resume at the next start.
        True when no job is still running."""
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        for _ in self._workers:
            self._queue.put(_STOP)
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        return not any(worker.is_alive() for worker in self._workers)

    def _run(self) -> None:
        while (job := self._queue.get()) is not _STOP:
            job.status = "running"
            try:
                self._work(job)
                job.status = "done"
                job.progress = 1.0
            except Exception as exc:  # noqa: BLE001 - a job's failure must not stop the worker
                told = isinstance(exc, DiktatError) or hasattr(exc, "message")
                job.error = (getattr(exc, "message", None) or str(exc) if told
                             else "transcription failed")
                job.status = "failed"
                if not told:
                    log.exception("job %s failed", job.id)
            finally:
                unpark(job.path)

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.status in ("done", "failed")]
        finished.sort(key=lambda j: j.created)
        for job in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[job.id]
