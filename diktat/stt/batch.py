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
from diktat.stt.engine import SttEngine
from diktat.stt.formats import OutputFormat, render
from diktat.stt.options import DecodeOptions
from diktat.types import Timings, Transcript

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
    summary = BatchSummary()
    done = DoneLog(output_dir)
    fp = fingerprint(engine, opts) + (f"+{derived.fingerprint}" if derived else "")
    outputs = (*formats, *(derived.suffixes if derived else ()))
    for job in jobs:
        if on_start:
            on_start(job)
        if not force and done.is_current(job, fp, outputs):
            result = FileResult(
                job.source,
                "skipped",
                audio_s=job.duration or 0.0,
                outputs=tuple(job.output(f) for f in outputs),
            )
        elif not force and done.crashes(job) >= MAX_CRASHES:
            result = FileResult(
                job.source,
                "failed",
                error=f"{job.source}: the transcriber died on this file {done.crashes(job)} "
                "times before; skipped so the batch can finish (use --force to try again)",
            )
        else:
            try:
                done.record_start(job)
                result = _process(job, engine, opts, formats, derived, done, fp)
                if result.status == "failed":
                    done.record_failure(job)
            except OutputError as exc:
                summary.results.append(FileResult(job.source, "failed", error=str(exc)))
                summary.aborted = str(exc)
                break
        summary.results.append(result)
        if on_finish:
            on_finish(job, result)
    return summary


def _process(job, engine, opts, formats, derived, done: DoneLog, fp: str) -> FileResult:
    started = time.perf_counter()
    try:
        transcript, warning = transcribe_file(engine, job.source, opts)
    except InputError as exc:
        return FileResult(job.source, "failed", error=str(exc))
    except DiktatError as exc:
        return FileResult(job.source, "failed", error=f"{job.source}: {exc}")
    except (RuntimeError, MemoryError) as exc:  # engine failure on this file only
        return FileResult(job.source, "failed", error=f"{job.source}: transcription failed ({exc})")
    source = source_info(job.source)
    written = {fmt: render(transcript, fmt, source) for fmt in formats}
    if derived:
        written |= derived.make(transcript)
    for suffix, text in written.items():
        write_atomic(job.output(suffix), text)
    done.record(job, fp, tuple(written))
    return FileResult(
        job.source,
        "done",
        warning=warning,
        audio_s=transcript.duration,
        elapsed_s=time.perf_counter() - started,
        outputs=tuple(job.output(f) for f in written),
        transcript=transcript,
    )
