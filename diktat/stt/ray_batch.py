"""Batch transcription across machines on Ray: `diktat transcribe ... --ray ADDRESS`.

The files are spread over Ray actors that each hold one loaded model (`factory.load_engine`, the
CLI's own loading code, run on the worker: the model comes from that machine's model store, never
from a download). Everything the user sees stays with the driver, the machine that runs the
command: it plans the jobs, keeps the done-log, writes every output (`batch.write_atomic`,
`formats.render`, the same JSON), and reports each file through the same `on_start`/`on_finish`
callbacks as `batch.run_batch`, so resuming, per-file errors and the progress bar are the local
path's.

**Audio travels as bytes.** The driver reads each file and sends its bytes with the task; the
worker decodes them from memory (`load_audio(..., stream=)`). Workers need no shared filesystem,
no mount of the nurses' folders and no path that means the same on every node, and a worker can
read nothing but what it was sent. The cost is that the driver holds what is in flight in memory:
at most `IN_FLIGHT` files per worker, each at most `[ray] max_file_mb` (256 MB by default; a
larger file fails alone with a message saying so). Dictations are 0.1-2 MB; 67 min of MP3 is
about 60 MB.

**A killed worker loses nothing.** An actor's calls run one after another, so of its files in
flight the oldest is the one it was working on. When an actor dies (killed, out of memory, a
native crash), a fresh actor takes its place and its files are sent again; the file it was working
on counts one crash, and a file that killed `MAX_CRASHES` workers fails alone, as the local path
skips a file that killed the process twice. A file's outputs are written only from a successful
result, so each file is written exactly once.

The cluster, its actors and what leaves this machine: `ray_pool`.
"""

from __future__ import annotations

import contextlib
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import ray
from ray.exceptions import RayActorError

from diktat.errors import InputError, OutputError
from diktat.stt.audio import check_input_file
from diktat.stt.batch import (
    MAX_CRASHES,
    BatchJob,
    BatchSummary,
    DerivedOutputs,
    DoneLog,
    FileResult,
    OnFinish,
    OnStart,
    fingerprint,
    groupable,
    source_info,
    write_atomic,
)
from diktat.stt.formats import OutputFormat, render
from diktat.stt.options import DecodeOptions
from diktat.stt.ray_pool import Outcome, RayPool

# Files sent to one actor ahead of its results: the next file is there when one ends.
IN_FLIGHT = 2


def run_on_ray(
    pool: RayPool,
    jobs: Sequence[BatchJob],
    opts: DecodeOptions,
    formats: Sequence[OutputFormat],
    output_dir: Path,
    *,
    force: bool = False,
    derived: DerivedOutputs | None = None,
    on_start: OnStart | None = None,
    on_finish: OnFinish | None = None,
) -> BatchSummary:
    """`batch.run_batch` on the pool's actors: the same done-log, outputs and callbacks."""
    return _Run(pool, opts, formats, output_dir, force, derived, on_start, on_finish).go(jobs)


@dataclass
class _Flight:
    jobs: list[BatchJob]  # one group, sent as one call
    ref: object
    started: bool = False


@dataclass
class _Run:
    pool: RayPool
    opts: DecodeOptions
    formats: Sequence[OutputFormat]
    output_dir: Path
    force: bool
    derived: DerivedOutputs | None
    on_start: OnStart | None
    on_finish: OnFinish | None
    summary: BatchSummary = field(default_factory=BatchSummary)
    crashes: Counter = field(default_factory=Counter)

    def go(self, jobs: Sequence[BatchJob]) -> BatchSummary:
        self.done = DoneLog(self.output_dir)
        d = self.derived
        self.fp = fingerprint(self.pool.model, self.opts) + (f"+{d.fingerprint}" if d else "")
        self.outputs = (*self.formats, *(d.suffixes if d else ()))
        self.queue: deque[BatchJob] = deque()
        self.flights: dict = {a: deque() for a in self.pool.actors}
        self.group_size = self.pool.files_per_group(self.opts)
        for job in jobs:
            if not self.force and self.done.is_current(job, self.fp, self.outputs):
                self._report(job, FileResult(job.source, "skipped", audio_s=job.duration or 0.0,
                             outputs=tuple(job.output(f) for f in self.outputs)))
            elif not self.force and self.done.crashes(job) >= MAX_CRASHES:
                self._report(job, FileResult(job.source, "failed", error=_crash_message(
                    job, self.done.crashes(job), "before")))
            else:
                self.queue.append(job)
        with contextlib.suppress(_Stopped):  # the summary holds why it stopped
            self._loop()
        return self.summary

    def _loop(self) -> None:
        while self.queue or any(self.flights.values()):
            self._fill()
            refs = {f.ref: (a, f) for a, fl in self.flights.items() for f in fl}
            if not refs:
                if self.queue and not self.flights:
                    self._abandon("no Ray worker is left")
                continue
            ready, _ = ray.wait(list(refs), num_returns=1, timeout=1.0)
            for ref in ready:
                actor, flight = refs[ref]
                if actor not in self.flights:
                    continue  # its actor died while handling an earlier result
                try:
                    outcomes = ray.get(ref)
                except RayActorError:
                    self._lost(actor)
                    continue
                except ray.exceptions.RayTaskError as exc:  # an unforeseen error
                    outcomes = [Outcome(error=f"{job.source}: transcription failed "
                                        f"({exc.cause or exc})") for job in flight.jobs]
                self.flights[actor].remove(flight)
                self._mark_running(actor)
                for job, outcome in zip(flight.jobs, outcomes, strict=True):
                    self._finish(job, outcome)

    def _fill(self) -> None:
        for actor, flights in self.flights.items():
            while self.queue and len(flights) < IN_FLIGHT:
                group = self._next_group()
                if group:
                    jobs = [job for job, _ in group]
                    files = [(str(job.source), data) for job, data in group]
                    flights.append(_Flight(jobs, actor.transcribe.remote(files, self.opts)))
                    self._mark_running(actor)

    def _next_group(self) -> list[tuple[BatchJob, bytes]]:
        """The next files to send together, as `run_batch` groups them: up to the engine's
        files per group; a long file, or one that already killed a worker (or the process),
        alone."""
        group: list[tuple[BatchJob, bytes]] = []
        while self.queue and len(group) < self.group_size:
            job = self.queue[0]
            alone = (self.crashes[job] or self.done.crashes(job)
                     or not groupable(job, self.opts))
            if alone and group:
                break
            self.queue.popleft()
            if self.on_start:
                self.on_start(job)
            data = self._read(job)
            if data is not None:
                group.append((job, data))
            if alone:
                break
        return group

    def _read(self, job: BatchJob) -> bytes | None:
        """The file's bytes, or None after reporting why it cannot be sent (local messages)."""
        limit = int(self.pool.cfg.max_file_mb * 1024 * 1024)
        try:
            check_input_file(job.source)
            if job.source.stat().st_size > limit:
                raise InputError(
                    f"{job.source}: larger than {self.pool.cfg.max_file_mb:g} MB, the most sent "
                    "to a Ray worker ([ray] max_file_mb); transcribe it without --ray")
            return job.source.read_bytes()
        except InputError as exc:
            error = str(exc)
        except OSError as exc:
            error = f"{job.source}: cannot read ({exc.strerror})"
        self._record(self.done.record_start, job)
        self._record(self.done.record_failure, job)
        self._report(job, FileResult(job.source, "failed", error=error))
        return None

    def _mark_running(self, actor) -> None:
        """The oldest group in flight on an actor is the one it works on: record its start."""
        flights = self.flights.get(actor)
        if flights and not flights[0].started:
            flights[0].started = True
            for job in flights[0].jobs:
                self._record(self.done.record_start, job)

    def _lost(self, actor) -> None:
        """An actor died: its files go back to the queue and a fresh actor takes its place.
        Each file of the group it was working on counts a crash and is sent alone from now on
        (as the local path treats the files of a group the process died in)."""
        flights = self.flights.pop(actor)
        back = []
        for i, flight in enumerate(flights):
            for job in flight.jobs:
                if i == 0 and flight.started:
                    self.crashes[job] += 1
                    total = self.crashes[job] + (0 if self.force else self.done.crashes(job))
                    if total >= MAX_CRASHES:
                        self._report(job, FileResult(job.source, "failed",
                                                     error=_crash_message(job, total, "")))
                        continue
                back.append(job)
        self.queue.extendleft(reversed(back))
        # Each death found here charges a crash to a file, so replacements are bounded by
        # MAX_CRASHES per file; a replacement that cannot start leaves the others to go on.
        fresh = self.pool.replace(actor)
        if fresh is not None:
            self.flights[fresh] = deque()

    def _abandon(self, why: str) -> None:
        while self.queue:
            job = self.queue.popleft()
            self._report(job, FileResult(job.source, "failed", error=f"{job.source}: {why}"))
        self.summary.aborted = why

    def _finish(self, job: BatchJob, outcome: Outcome) -> None:
        """`batch._process`'s tail, on the driver: render, write atomically, record."""
        if outcome.transcript is None:
            self._record(self.done.record_failure, job)
            self._report(job, FileResult(job.source, "failed", error=outcome.error))
            return
        transcript = outcome.transcript
        source = source_info(job.source)
        written = {fmt: render(transcript, fmt, source) for fmt in self.formats}
        if self.derived:
            written |= self.derived.make(transcript)
        try:
            for suffix, text in written.items():
                write_atomic(job.output(suffix), text)
            self.done.record(job, self.fp, tuple(written))
        except OutputError as exc:  # e.g. disk full: stop, keeping what is done (as locally)
            self.summary.results.append(FileResult(job.source, "failed", error=str(exc)))
            self.summary.aborted = str(exc)
            raise _Stopped from None
        self._report(job, FileResult(
            job.source, "done", warning=outcome.warning, audio_s=transcript.duration,
            elapsed_s=outcome.busy_s, outputs=tuple(job.output(f) for f in written),
            transcript=transcript))

    def _record(self, write, job: BatchJob) -> None:
        try:
            write(job)
        except OutputError as exc:
            self.summary.results.append(FileResult(job.source, "failed", error=str(exc)))
            self.summary.aborted = str(exc)
            raise _Stopped from None

    def _report(self, job: BatchJob, result: FileResult) -> None:
        self.summary.results.append(result)
        if self.on_finish:
            self.on_finish(job, result)


class _Stopped(Exception):
    """The batch had to stop (an output could not be written); the summary says why."""


def _crash_message(job: BatchJob, times: int, when: str) -> str:
    when = f" {when}" if when else ""
    return (f"{job.source}: the transcriber died on this file {times} times{when}; "
            "skipped so the batch can finish (use --force to try again)")
