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

**Nothing goes anywhere but the cluster named.** ADDRESS is `local` (a private Ray instance on
this machine, on loopback only) or the address of the operator's cluster; Ray's own discovery
(`auto`) is refused, usage statistics are off, and a cluster other than `local` is refused unless
Ray's TLS is on (`RAY_USE_TLS=1`; `[ray] require_tls`), because its traffic carries patient
audio.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import ray
from ray.exceptions import RayActorError

from diktat.config import Settings
from diktat.errors import ConfigError, DiktatError, InputError, OutputError
from diktat.stt.audio import check_input_file, load_audio
from diktat.stt.batch import (
    MAX_CRASHES,
    BatchJob,
    BatchSummary,
    DerivedOutputs,
    DoneLog,
    FileResult,
    OnFinish,
    OnStart,
    file_error,
    fingerprint,
    groupable,
    source_info,
    write_atomic,
)
from diktat.stt.formats import OutputFormat, render
from diktat.stt.options import DecodeOptions
from diktat.types import Timings, Transcript

LOCAL = "local"
# Files sent to one actor ahead of its results: the next file is there when one ends.
IN_FLIGHT = 2
# Ray must never report usage, and a private local instance must listen on loopback only.
_PRIVATE_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
_TLS_ENV = ("RAY_TLS_SERVER_CERT", "RAY_TLS_SERVER_KEY", "RAY_TLS_CA_CERT")


@dataclass(frozen=True)
class WorkerInfo:
    model_id: str
    model_sha256: str | None
    device: str
    compute_type: str
    threads: int
    node: str
    pid: int


@dataclass(frozen=True)
class Outcome:
    """One file's result from a worker: a transcript, or the local path's error message."""

    transcript: Transcript | None = None
    warning: str | None = None
    error: str | None = None
    busy_s: float = 0.0


class Transcriber:
    """The Ray actor: one loaded model, files in as bytes, transcripts out. Writes nothing."""

    def __init__(self, settings: Settings, omp_threads: str | None = None) -> None:
        # Ray sets OMP_NUM_THREADS to the actor's CPUs; the libraries read it when loaded, and
        # with it set to 1 the decode differed from the CLI's on the same machine. The engine's
        # threads are set explicitly, so the worker runs as the driver's own process would.
        if omp_threads is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = omp_threads
        from diktat.stt.factory import load_engine  # the CLI's loading code, on the worker

        self.engine = load_engine(settings, many=True)

    def info(self) -> WorkerInfo:
        e = self.engine
        return WorkerInfo(e.model_id, e.model_sha256, e.device, e.compute_type, e.threads,
                          os.uname().nodename, os.getpid())

    def files_per_group(self, opts: DecodeOptions) -> int:
        many = getattr(self.engine, "files_per_group", None)
        return many(opts) if many else 1

    def transcribe(self, files: list[tuple[str, bytes]], opts: DecodeOptions) -> list[Outcome]:
        """One group of files, as `batch.run_batch` does a group: each decoded from its bytes
        (a file that fails to load fails alone), then their speech decoded together
        (`transcribe_many`) when the group has several, else one by one; if the shared decode
        fails, file by file. `name` is the driver's path, used only in messages, so that they
        read as the local run's."""
        outcomes: list[Outcome | None] = [None] * len(files)
        loaded = []  # (index, audio, decode seconds)
        for i, (name, data) in enumerate(files):
            started = time.perf_counter()
            try:
                audio = load_audio(Path(name), stream=io.BytesIO(data))
                loaded.append((i, audio, time.perf_counter() - started))
            except DiktatError as exc:
                outcomes[i] = Outcome(error=file_error(name, exc))
        transcripts = None
        many = getattr(self.engine, "transcribe_many", None)
        if len(files) > 1 and many and loaded:
            started = time.perf_counter()
            try:
                transcripts = many([a.samples for _, a, _ in loaded], opts)
            except (RuntimeError, MemoryError, DiktatError):
                transcripts = None  # the group failed: one by one below
        for n, (i, audio, decode_s) in enumerate(loaded):
            name = files[i][0]
            if transcripts is None:
                started = time.perf_counter()
                try:
                    transcript = self.engine.transcribe(audio.samples, opts)
                except (DiktatError, RuntimeError, MemoryError) as exc:  # this file only
                    outcomes[i] = Outcome(error=file_error(name, exc))
                    continue
            else:
                transcript = transcripts[n]
            timings = Timings(load_s=transcript.timings.load_s, decode_audio_s=decode_s,
                              transcribe_s=transcript.timings.transcribe_s)
            outcomes[i] = Outcome(transcript=transcript.model_copy(update={"timings": timings}),
                                  warning=audio.decode_warning,
                                  busy_s=decode_s + transcript.timings.transcribe_s)
        return outcomes


def connect(address: str, *, require_tls: bool = True, num_cpus: int | None = None) -> bool:
    """Join the cluster at `address`, or start a private one on loopback (`local`). Returns
    True when this call started Ray (the caller shuts it down)."""
    address = address.strip()
    if not address or address == "auto":
        raise ConfigError("--ray needs the cluster's address (HOST:PORT or ray://HOST:PORT), or "
                          "'local' for workers on this machine; Ray's own discovery is not used")
    tls = os.environ.get("RAY_USE_TLS", "").lower() in ("1", "true")
    if tls and not all(os.environ.get(k) for k in _TLS_ENV):
        raise ConfigError("RAY_USE_TLS is on but not all of " + ", ".join(_TLS_ENV) + " are set")
    if address != LOCAL and require_tls and not tls:
        raise ConfigError(
            f"Ray cluster {address}: its traffic would carry patient audio unencrypted. Set "
            "RAY_USE_TLS=1 with RAY_TLS_SERVER_CERT, RAY_TLS_SERVER_KEY and RAY_TLS_CA_CERT "
            "(README: Batch across machines on Ray), or [ray] require_tls = false")
    if ray.is_initialized():  # joined already (a test's cluster, or a caller's own)
        return False
    os.environ.update(_PRIVATE_ENV)
    if address == LOCAL:
        # Ray reads RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER when it is imported; this process may have
        # imported it before, so its constant is set too: every address of a private instance
        # is then 127.0.0.1 (its workers inherit the variable).
        from ray._private import ray_constants

        ray_constants.ENABLE_RAY_CLUSTER = False
        ray.init(num_cpus=num_cpus or os.cpu_count() or 1, include_dashboard=False,
                 log_to_driver=False, logging_level="error")
    else:
        ray.init(address=address, log_to_driver=False, logging_level="error")
    return True


class RayPool:
    """Actors with one model each; `run` transcribes jobs on them (see the module doc).

    Use as a context manager: it connects (see `connect`), starts the actors and waits until
    every one has loaded its model, and on exit ends the actors (and a Ray it started)."""

    def __init__(self, settings: Settings, address: str, *, workers: int | None = None) -> None:
        self.settings = settings
        self.address = address
        self.cfg = settings.ray
        self.wanted = workers if workers is not None else self.cfg.workers
        self.actors: list = []
        self.infos: dict = {}  # actor → WorkerInfo
        self.replaced = 0
        self._started_ray = False

    def __enter__(self) -> RayPool:
        self._started_ray = connect(self.address, require_tls=self.cfg.require_tls)
        try:
            n = self.wanted or self._auto_workers()
            self._check_room(n)
            actors = [self._new_actor() for _ in range(n)]
            infos = ray.get([a.info.remote() for a in actors])
        except BaseException:
            self.__exit__(None, None, None)
            raise
        self.actors = actors
        self.infos = dict(zip(actors, infos, strict=True))
        if len({i.model_sha256 or i.model_id for i in infos}) > 1:
            self.__exit__(None, None, None)
            raise ConfigError("the Ray workers loaded different models: "
                              + ", ".join(sorted({f"{i.node}: {i.model_id}" for i in infos})))
        return self

    def __exit__(self, *exc) -> None:
        for actor in self.actors:
            ray.kill(actor, no_restart=True)
        self.actors = []
        if self._started_ray:
            ray.shutdown()
            self._started_ray = False

    def files_per_group(self, opts: DecodeOptions) -> int:
        return max(1, ray.get(self.actors[0].files_per_group.remote(opts)))

    @property
    def model(self) -> WorkerInfo:
        return next(iter(self.infos.values()))

    def _auto_workers(self) -> int:
        res = ray.cluster_resources()
        if self.cfg.gpus_per_worker:
            return max(1, int(res.get("GPU", 0) // self.cfg.gpus_per_worker))
        return max(1, int(res.get("CPU", 1) // self.cfg.cpus_per_worker))

    def _check_room(self, n: int) -> None:
        """Refuse at once a pool the cluster has no free CPUs or GPUs for (Ray would wait for
        them without end)."""
        free = ray.available_resources()
        for name, each in (("CPU", self.cfg.cpus_per_worker), ("GPU", self.cfg.gpus_per_worker)):
            if each and n * each > free.get(name, 0) + 1e-9:
                raise ConfigError(
                    f"the Ray cluster has {free.get(name, 0):g} {name}s free, and {n} worker(s) "
                    f"need {n * each:g} ([ray] cpus_per_worker / gpus_per_worker); use fewer "
                    "--ray-workers or add nodes")

    def _new_actor(self):
        threads = self.settings.asr.threads or max(1, int(self.cfg.cpus_per_worker))
        settings = self.settings.model_copy(
            update={"asr": self.settings.asr.model_copy(update={"threads": threads})})
        # Ray sets OMP_NUM_THREADS to the actor's CPUs when it is unset, before any library
        # loads; the worker gets the driver's value instead (unset: the node's cores, OpenMP's
        # own default), so that its decode equals the CLI's (with 1 the text differed).
        omp = os.environ.get("OMP_NUM_THREADS") or str(os.cpu_count() or 1)
        remote = ray.remote(Transcriber).options(
            num_cpus=self.cfg.cpus_per_worker, num_gpus=self.cfg.gpus_per_worker, max_restarts=0,
            runtime_env={"env_vars": {"OMP_NUM_THREADS": omp}})
        return remote.remote(settings, os.environ.get("OMP_NUM_THREADS"))

    def run(
        self,
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
        return _Run(self, opts, formats, output_dir, force, derived, on_start, on_finish).go(jobs)


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
        self.pool.actors.remove(actor)
        self.pool.infos.pop(actor, None)
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
        self.pool.replaced += 1
        fresh = self.pool._new_actor()
        self.pool.actors.append(fresh)
        try:
            self.pool.infos[fresh] = ray.get(fresh.info.remote())
        except RayActorError:
            self.pool.actors.remove(fresh)
            return
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
