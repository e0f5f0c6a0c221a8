"""Batch transcription of files and folders: resumable, atomic, one bad file never stops it.

Each file's start and outcome are appended to `<output dir>/.diktat-done.jsonl` (source size,
mtime and decode fingerprint when finished). A later run skips files whose outputs are recorded
there and still exist, so an interrupted batch resumes where it stopped; changing the model or
settings redoes the work. A file that killed the process twice (starts with no outcome) is
skipped with an error, so one poisonous recording cannot block a batch for ever.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from diktat.errors import DiktatError, InputError, OutputError
from diktat.stt.audio import AUDIO_EXTENSIONS, load_audio, probe_duration
from diktat.stt.engine import ManyEngine, SttEngine
from diktat.stt.formats import OutputFormat, render
from diktat.stt.options import DecodeOptions
from diktat.types import Timings, Transcript

log = logging.getLogger(__name__)

DONE_LOG_NAME = ".diktat-done.jsonl"
# A file that killed the process this many times (native crash, out of memory) is skipped.
MAX_CRASHES = 2


@dataclass(frozen=True)
class BatchJob:
    source: Path
    output_stem: Path  # output path without extension
    duration: float | None = None

    def output(self, fmt: str) -> Path:
        return self.output_stem.with_name(f"{self.output_stem.name}.{fmt}")


@dataclass(frozen=True)
class FileResult:
    source: Path
    status: Literal["done", "skipped", "failed"]
    error: str | None = None
    warning: str | None = None
    audio_s: float = 0.0
    elapsed_s: float = 0.0
    outputs: tuple[Path, ...] = ()
    transcript: Transcript | None = None


@dataclass(frozen=True)
class DerivedOutputs:
    """Extra outputs made from each transcript (e.g. a structured note), written beside it.

    `make` returns {suffix: text} for exactly `suffixes`; `fingerprint` names what makes them
    (backend, model) so that changing it redoes the files.
    """

    suffixes: tuple[str, ...]
    make: Callable[[Transcript], dict[str, str]]
    fingerprint: str


@dataclass
class BatchSummary:
    results: list[FileResult] = field(default_factory=list)
    aborted: str | None = None  # set when the batch had to stop (e.g. disk full)

    @property
    def counts(self) -> Counter:
        return Counter(r.status for r in self.results)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed and self.aborted is None


def plan_jobs(
    paths: Sequence[Path], output_dir: Path, *, recursive: bool = False
) -> tuple[list[BatchJob], list[FileResult]]:
    """Expand files and folders into jobs; bad paths become failed results straight away."""
    found: list[tuple[Path, Path]] = []  # (source, output path relative to output_dir)
    problems: list[FileResult] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            pattern = "**/*" if recursive else "*"
            files = sorted(
                p
                for p in path.glob(pattern)
                if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS
            )
            if not files:
                hint = "" if recursive else " (use --recursive for subfolders)"
                problems.append(FileResult(path, "failed", error=f"{path}: no audio files{hint}"))
            found.extend((f, f.relative_to(path)) for f in files)
        elif path.exists():
            found.append((path, Path(path.name)))
        else:
            problems.append(FileResult(path, "failed", error=f"{path}: no such file or folder"))

    unique: list[tuple[Path, Path]] = []
    for src, rel in found:
        key = src.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((src, rel))
    stems = Counter(rel.with_suffix("") for _, rel in unique)
    jobs = []
    for src, rel in unique:
        # Two inputs that differ only by extension (a.wav, a.mp3) keep the extension in the name.
        stem = rel if stems[rel.with_suffix("")] > 1 else rel.with_suffix("")
        jobs.append(BatchJob(src, output_dir / stem, probe_duration(src)))
    return jobs, problems


def fingerprint(engine: SttEngine, opts: DecodeOptions) -> str:
    doc = {"model": engine.model_sha256 or engine.model_id, "options": opts.model_dump(mode="json")}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]


class DoneLog:
    """Append-only record of started and finished files; a torn last line (crash) is ignored."""

    def __init__(self, output_dir: Path) -> None:
        self.path = output_dir / DONE_LOG_NAME
        self._entries: dict[str, dict] = {}
        # Starts not followed by an outcome: the process died on that file (e.g. a native crash).
        self._unfinished: Counter[str] = Counter()
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    entry = json.loads(line)
                    key = entry["output"]
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue
                if "started" in entry:
                    self._unfinished[key] += 1
                    continue
                self._unfinished[key] = 0
                if "finished" in entry:
                    self._entries[key] = entry

    def crashes(self, job: BatchJob) -> int:
        return self._unfinished[str(job.output_stem)]

    def is_current(self, job: BatchJob, fp: str, formats: Sequence[str]) -> bool:
        entry = self._entries.get(str(job.output_stem))
        if not entry:
            return False
        try:
            st = job.source.stat()
        except OSError:
            return False
        return (
            entry.get("source") == str(job.source.resolve())
            and entry.get("size") == st.st_size
            and entry.get("mtime_ns") == st.st_mtime_ns
            and _covers(entry.get("fingerprint", ""), fp)
            and set(formats) <= set(entry.get("formats", ()))
            and all(job.output(f).exists() for f in formats)
        )

    def record_start(self, job: BatchJob) -> None:
        self._append({"output": str(job.output_stem), "started": _now()})

    def record_failure(self, job: BatchJob) -> None:
        self._append({"output": str(job.output_stem), "failed": _now()})

    def record(self, job: BatchJob, fp: str, formats: Sequence[str]) -> None:
        st = job.source.stat()
        entry = {
            "output": str(job.output_stem),
            "source": str(job.source.resolve()),
            "size": st.st_size,
            "mtime_ns": st.st_mtime_ns,
            "fingerprint": fp,
            "formats": list(formats),
            "finished": _now(),
        }
        self._entries[entry["output"]] = entry
        self._append(entry)

    def _append(self, entry: dict) -> None:
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise OutputError(f"cannot write {self.path}: {exc.strerror}") from None


def _covers(recorded: str, wanted: str) -> bool:
    """A run that also made derived outputs ("<fp>+note-rules") covers a plain run."""
    return recorded == wanted or ("+" not in wanted and recorded.split("+", 1)[0] == wanted)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_atomic(path: Path, text: str) -> None:
    """Write via a temp file in the same folder and rename: never a half-written output."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in path.parent.glob(f".{path.name}.*.tmp"):  # left by a killed run
            stale.unlink(missing_ok=True)
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def source_info(path: Path) -> dict:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return {
        "name": path.name,
        "path": str(path.resolve()),
        "size": path.stat().st_size,
        "sha256": h.hexdigest(),
    }


def transcribe_file(
    engine: SttEngine, path: Path, opts: DecodeOptions
) -> tuple[Transcript, str | None]:
    """Decode and transcribe one file; returns the transcript and any decode warning."""
    started = time.perf_counter()
    audio = load_audio(path)
    decode_s = time.perf_counter() - started
    transcript = engine.transcribe(audio.samples, opts)
    timings = Timings(
        load_s=transcript.timings.load_s,
        decode_audio_s=decode_s,
        transcribe_s=transcript.timings.transcribe_s,
    )
    return transcript.model_copy(update={"timings": timings}), audio.decode_warning


OnStart = Callable[[BatchJob], None]
OnFinish = Callable[[BatchJob, FileResult], None]


def run_batch(
    jobs: Sequence[BatchJob],
    engine: SttEngine,
    opts: DecodeOptions,
    formats: Sequence[OutputFormat],
    output_dir: Path,
    *,
    force: bool = False,
    derived: DerivedOutputs | None = None,
    on_start: OnStart | None = None,
    on_finish: OnFinish | None = None,
) -> BatchSummary:
    """Transcribe `jobs`, writing outputs and the done-log as each file finishes.

    With an engine that decodes several files together (`ManyEngine`), short files to do
    (under `opts.batched_min_duration_s`) are gathered into groups of
    `engine.files_per_group(opts)`; a group's files start together
    (`on_start` for each) and finish together. A file that fails to load or to decode fails
    alone; if the shared decode itself fails, the group's files are redone one by one. A file
    the process already died on once is decoded on its own, so that a poisonous recording
    cannot take a group with it twice."""
    summary = BatchSummary()
    done = DoneLog(output_dir)
    fp = fingerprint(engine, opts) + (f"+{derived.fingerprint}" if derived else "")
    outputs = (*formats, *(derived.suffixes if derived else ()))
    work = _Work(engine, opts, formats, derived, done, fp)
    size = engine.files_per_group(opts) if isinstance(engine, ManyEngine) else 1
    group: list[BatchJob] = []

    def finish(job: BatchJob, result: FileResult) -> None:
        summary.results.append(result)
        if on_finish:
            on_finish(job, result)

    def process(todo: list[BatchJob]) -> bool:
        """Transcribe `todo` together; False when the batch must stop (an output error)."""
        for job, result, stop in work.run(todo):
            finish(job, result)
            if stop:
                summary.aborted = result.error
                return False
        return True

    for job in jobs:
        if on_start:
            on_start(job)
        if not force and done.is_current(job, fp, outputs):
            finish(job, FileResult(
                job.source,
                "skipped",
                audio_s=job.duration or 0.0,
                outputs=tuple(job.output(f) for f in outputs),
            ))
        elif not force and done.crashes(job) >= MAX_CRASHES:
            finish(job, FileResult(
                job.source,
                "failed",
                error=f"{job.source}: the transcriber died on this file {done.crashes(job)} "
                "times before; skipped so the batch can finish (use --force to try again)",
            ))
        elif done.crashes(job) == 0 and size > 1 and groupable(job, opts):
            group.append(job)
            if len(group) >= size:
                todo, group[:] = list(group), []
                if not process(todo):
                    return summary
        elif not process([job]):  # it killed the process once: alone
            return summary
    if group:
        process(group)
    return summary


def groupable(job: BatchJob, opts: DecodeOptions) -> bool:
    """A recording to decode in a group: shorter than the batched pipeline's threshold (a long
    one fills its own batches, and a group of them would hold several in memory at once)."""
    return job.duration is not None and job.duration < opts.batched_min_duration_s


@dataclass(frozen=True)
class _Work:
    engine: SttEngine
    opts: DecodeOptions
    formats: Sequence[OutputFormat]
    derived: DerivedOutputs | None
    done: DoneLog
    fp: str

    def run(self, jobs: list[BatchJob]):
        """(job, result, stop) for each of `jobs` in order; `stop` after an output error (the
        disk is full or the folder unwritable: the batch ends there, keeping what is done)."""
        try:
            for job in jobs:
                self.done.record_start(job)
        except OutputError as exc:
            yield job, FileResult(job.source, "failed", error=str(exc)), True
            return
        if len(jobs) == 1 or not isinstance(self.engine, ManyEngine):
            for job in jobs:
                result, stop = self._guarded(job, lambda job=job: self._one(job))
                yield job, result, stop
                if stop:
                    return
            return
        loaded = []
        for job in jobs:
            started = time.perf_counter()
            try:
                loaded.append((job, load_audio(job.source), time.perf_counter() - started))
            except DiktatError as exc:
                failed = FileResult(job.source, "failed", error=file_error(job.source, exc))
                result, stop = self._guarded(job, lambda failed=failed: failed)
                yield job, result, stop
                if stop:
                    return
        try:
            transcripts = self.engine.transcribe_many([a.samples for _, a, _ in loaded], self.opts)
        except (RuntimeError, MemoryError, DiktatError) as exc:
            log.warning("shared decode of %d files failed (%s); decoding them one by one",
                        len(loaded), type(exc).__name__)
            transcripts = [None] * len(loaded)
        for (job, audio, decode_s), transcript in zip(loaded, transcripts, strict=True):
            if transcript is None:
                result, stop = self._guarded(job, lambda job=job: self._one(job))
            else:
                timed = transcript.model_copy(update={"timings": Timings(
                    load_s=transcript.timings.load_s, decode_audio_s=decode_s,
                    transcribe_s=transcript.timings.transcribe_s)})
                started = time.perf_counter() - timed.timings.total_s
                result, stop = self._guarded(job, lambda job=job, t=timed, a=audio, s=started:
                                             self._write(job, t, a.decode_warning, s))
            yield job, result, stop
            if stop:
                return

    def _guarded(self, job: BatchJob, make) -> tuple[FileResult, bool]:
        """`make()`'s result (a failure recorded in the done-log), or the output error that
        stops the batch."""
        try:
            result = make()
            if result.status == "failed":
                self.done.record_failure(job)
            return result, False
        except OutputError as exc:
            return FileResult(job.source, "failed", error=str(exc)), True

    def _one(self, job: BatchJob) -> FileResult:
        started = time.perf_counter()
        try:
            transcript, warning = transcribe_file(self.engine, job.source, self.opts)
        except (DiktatError, RuntimeError, MemoryError) as exc:  # this file only
            return FileResult(job.source, "failed", error=file_error(job.source, exc))
        return self._write(job, transcript, warning, started)

    def _write(self, job, transcript: Transcript, warning, started: float) -> FileResult:
        source = source_info(job.source)
        written = {fmt: render(transcript, fmt, source) for fmt in self.formats}
        if self.derived:
            written |= self.derived.make(transcript)
        for suffix, text in written.items():
            write_atomic(job.output(suffix), text)
        self.done.record(job, self.fp, tuple(written))
        return FileResult(
            job.source,
            "done",
            warning=warning,
            audio_s=transcript.duration,
            elapsed_s=time.perf_counter() - started,
            outputs=tuple(job.output(f) for f in written),
            transcript=transcript,
        )


def file_error(source: Path | str, exc: Exception) -> str:
    """The message of a file that failed to load or to transcribe (the local run's and Ray's)."""
    if isinstance(exc, InputError):
        return str(exc)
    if isinstance(exc, DiktatError):
        return f"{source}: {exc}"
    return f"{source}: transcription failed ({exc})"
