"""The Ray side of diktat: connecting to a cluster, and actors that each hold one loaded model.

`RayPool` starts the actors (`Transcriber`: `factory.load_engine`, the CLI's own loading code, run
on the worker, so the model comes from that machine's model store, never from a download) and
replaces one that died. Two users: a folder run (`ray_batch.run_on_ray`, `diktat transcribe
--ray`) and the server's upload jobs (`ray_engine.RayEngine`, `[server] job_ray`). Workers write
nothing; the driver keeps every output and all journal material.

**Nothing goes anywhere but the cluster named.** ADDRESS is `local` (a private Ray instance on
this machine, on loopback only) or the address of the operator's cluster; Ray's own discovery
(`auto`) is refused, usage statistics are off, and a cluster other than `local` is refused unless
Ray's TLS is on (`RAY_USE_TLS=1`; `[ray] require_tls`), because its traffic carries patient
audio.
"""

from __future__ import annotations

import io
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import ray
from ray.exceptions import RayActorError

from diktat.config import Settings
from diktat.errors import ConfigError, DiktatError
from diktat.stt.audio import load_audio
from diktat.stt.batch import file_error
from diktat.stt.options import DecodeOptions
from diktat.types import Timings, Transcript

LOCAL = "local"
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

    def transcribe_samples(self, samples: np.ndarray, opts: DecodeOptions) -> Transcript:
        """One recording already decoded to 16 kHz mono (the server's upload jobs: the server
        decoded and bounded the upload, so the worker parses no container)."""
        return self.engine.transcribe(samples, opts)

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

    def replace(self, actor):
        """`actor` died: a fresh one with the same model takes its place. Returns it, or None
        when it could not start (the pool goes on one actor short)."""
        if actor in self.actors:
            self.actors.remove(actor)
        self.infos.pop(actor, None)
        self.replaced += 1
        fresh = self._new_actor()
        try:
            info = ray.get(fresh.info.remote())
        except RayActorError:
            return None
        self.actors.append(fresh)
        self.infos[fresh] = info
        return fresh

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
