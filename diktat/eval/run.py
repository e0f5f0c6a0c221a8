"""Transcribe a manifest's clips with the real engine and measure every clip.

:func:`transcribe_manifest` takes an engine that is already loaded (the model is loaded once per
run) and transcribes each item through the same path as ``diktat transcribe``
(:func:`diktat.stt.batch.transcribe_file`). Per clip it records the hypothesis, the audio
duration, the time to decode the audio and to transcribe it, the latency (file to text), the
real-time factor, and the process's resident and peak memory after it.

Results stream to ``OUT/results.jsonl``, one line per clip as soon as it is done, so an
interrupted run loses at most the clip in progress: the next run reuses every recorded clip whose
audio (path, size, mtime) and model and decode settings are unchanged. A clip that cannot be
decoded or transcribed (unreadable, corrupt, empty) is recorded as failed with the reason and
skipped; failed clips are tried again on the next run. At the end the file is rewritten with
one line per manifest item, in manifest order.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import psutil
from pydantic import BaseModel, ConfigDict, ValidationError

from diktat.errors import DiktatError, InputError, OutputError
from diktat.eval.asr_metrics import GROUP_ATTRIBUTES, AsrReport, AsrSample, evaluate
from diktat.eval.manifest import Manifest, ManifestItem, ManifestProblem
from diktat.eval.notes import NotesEvaluation, cases_from_manifest, evaluate_notes
from diktat.eval.time_saved import TimeSaved, estimate, parameters, words_per_note_from
from diktat.structuring.options import LlmOptions
from diktat.structuring.pipeline import Backend
from diktat.stt.batch import fingerprint, transcribe_file, write_atomic
from diktat.stt.engine import SttEngine
from diktat.stt.options import DecodeOptions

__all__ = [
    "GROUP_BY",
    "RESULTS_NAME",
    "EvalRun",
    "ItemResult",
    "ModelInfo",
    "Performance",
    "ResultsLog",
    "Transcribed",
    "measure_performance",
    "measured_parameters",
    "run_fingerprint",
    "score_run",
    "transcribe_item",
    "transcribe_manifest",
]

RESULTS_NAME = "results.jsonl"
_MIB = 2**20


class ItemResult(BaseModel):
    """One clip's outcome: the hypothesis and its measurements, or why it failed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    status: Literal["done", "failed"]
    hypothesis: str = ""
    error: str | None = None
    warning: str | None = None  # audio damaged part-way: what decoded before is kept
    duration_s: float = 0.0
    decode_audio_s: float = 0.0
    transcribe_s: float = 0.0
    latency_s: float = 0.0  # file to text: decoding the audio plus transcribing it
    rss_mib: float | None = None
    peak_rss_mib: float | None = None
    audio: str
    size: int | None = None
    mtime_ns: int | None = None
    fingerprint: str

    @property
    def rtf(self) -> float | None:
        return self.latency_s / self.duration_s if self.duration_s > 0 else None


@dataclass(frozen=True)
class ModelInfo:
    """What transcribed the clips, and how."""

    model_id: str
    model_sha256: str | None
    device: str | None
    compute_type: str | None
    threads: int | None
    load_s: float | None
    decode_options: dict


@dataclass(frozen=True)
class Transcribed:
    """Every item's result in manifest order; ``reused`` of them came from an earlier run."""

    results: tuple[ItemResult, ...]
    reused: int
    model: ModelInfo

    @property
    def done(self) -> tuple[ItemResult, ...]:
        return tuple(r for r in self.results if r.status == "done")

    @property
    def problems(self) -> tuple[ManifestProblem, ...]:
        return tuple(ManifestProblem(r.error or "failed", item_id=r.id)
                     for r in self.results if r.status == "failed")


def run_fingerprint(engine: SttEngine, opts: DecodeOptions) -> str:
    """Model, decode settings, device and precision: what makes a recorded result current."""
    device = getattr(engine, "device", None)
    compute_type = getattr(engine, "compute_type", None)
    return f"{fingerprint(engine, opts)}:{device}/{compute_type}"


def model_info(engine: SttEngine, opts: DecodeOptions) -> ModelInfo:
    return ModelInfo(
        model_id=engine.model_id,
        model_sha256=engine.model_sha256,
        device=getattr(engine, "device", None),
        compute_type=getattr(engine, "compute_type", None),
        threads=getattr(engine, "threads", None),
        load_s=getattr(engine, "load_s", None),
        decode_options=opts.model_dump(mode="json"),
    )


class ResultsLog:
    """``OUT/results.jsonl``: appended clip by clip, read back to resume; a torn line is ignored."""

    def __init__(self, out_dir: Path) -> None:
        self.path = Path(out_dir) / RESULTS_NAME
        self.previous = self._read()

    def _read(self) -> dict[str, ItemResult]:
        if not self.path.is_file():
            return {}
        found: dict[str, ItemResult] = {}
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                result = ItemResult.model_validate_json(line)
            except ValidationError:
                continue  # the line a killed run was writing, or a foreign one
            found[result.id] = result
        return found

    def reusable(self, item: ManifestItem, fp: str) -> ItemResult | None:
        """The recorded result of ``item`` if it was done with ``fp`` on the same audio file."""
        old = self.previous.get(item.id)
        if old is None or old.status != "done" or old.fingerprint != fp:
            return None
        size, mtime_ns = _stamp(item.audio)
        if old.audio != str(item.audio) or (old.size, old.mtime_ns) != (size, mtime_ns):
            return None
        return old

    def append(self, result: ItemResult) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(result.model_dump_json() + "\n")
        except OSError as exc:
            raise OutputError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def rewrite(self, results: Iterable[ItemResult]) -> None:
        write_atomic(self.path, "".join(r.model_dump_json() + "\n" for r in results))


def _stamp(path: Path) -> tuple[int | None, int | None]:
    try:
        st = path.stat()
    except OSError:
        return None, None
    return st.st_size, st.st_mtime_ns


def _memory_mib() -> tuple[float, float]:
    """Resident memory of this process now, and its peak so far (MiB)."""
    info = psutil.Process().memory_info()
    peak = getattr(info, "peak_wset", None)  # Windows reports the peak itself
    if peak is None:
        import resource

        # ru_maxrss is in KiB on Linux, in bytes on macOS.
        scale = 1 if sys.platform == "darwin" else 1024
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    return info.rss / _MIB, max(peak, info.rss) / _MIB


def transcribe_item(
    engine: SttEngine, item: ManifestItem, opts: DecodeOptions, fp: str
) -> ItemResult:
    """Transcribe one clip; a file that cannot be read or decoded gives a failed result."""
    size, mtime_ns = _stamp(item.audio)
    base = {"id": item.id, "audio": str(item.audio), "size": size, "mtime_ns": mtime_ns,
            "fingerprint": fp}
    started = time.perf_counter()
    try:
        transcript, warning = transcribe_file(engine, item.audio, opts)
    except InputError as exc:
        return ItemResult(status="failed", error=str(exc), **base)
    except DiktatError as exc:
        return ItemResult(status="failed", error=f"{item.audio}: {exc}", **base)
    except (RuntimeError, MemoryError) as exc:  # the engine failed on this clip only
        return ItemResult(status="failed", error=f"{item.audio}: transcription failed ({exc})",
                          **base)
    latency = time.perf_counter() - started
    rss, peak = _memory_mib()
    return ItemResult(
        status="done", hypothesis=transcript.text, warning=warning,
        duration_s=transcript.duration, decode_audio_s=transcript.timings.decode_audio_s,
        transcribe_s=transcript.timings.transcribe_s, latency_s=latency,
        rss_mib=rss, peak_rss_mib=peak, **base,
    )


OnFinish = Callable[[ManifestItem, ItemResult], None]


def transcribe_manifest(
    manifest: Manifest,
    engine: SttEngine,
    opts: DecodeOptions,
    out_dir: Path,
    *,
    force: bool = False,
    on_finish: OnFinish | None = None,
) -> Transcribed:
    """Transcribe every item (reusing current results in ``out_dir`` unless ``force``)."""
    log = ResultsLog(out_dir)
    fp = run_fingerprint(engine, opts)
    results: list[ItemResult] = []
    reused = 0
    for item in manifest.items:
        result = None if force else log.reusable(item, fp)
        if result is None:
            result = transcribe_item(engine, item, opts, fp)
            log.append(result)
        else:
            reused += 1
        results.append(result)
        if on_finish:
            on_finish(item, result)
    log.rewrite(results)
    return Transcribed(results=tuple(results), reused=reused, model=model_info(engine, opts))


@dataclass(frozen=True)
class Performance:
    """Speed and memory over the transcribed clips (reused clips keep their recorded figures)."""

    items: int
    audio_s: float
    processing_s: float  # sum of latencies
    rtf: float | None  # processing_s / audio_s
    latency_median_s: float | None
    latency_p95_s: float | None
    latency_max_s: float | None
    peak_rss_mib: float | None
    model_load_s: float | None


def measure_performance(results: Iterable[ItemResult], load_s: float | None) -> Performance:
    done = [r for r in results if r.status == "done"]
    latencies = np.array([r.latency_s for r in done])
    audio = sum(r.duration_s for r in done)
    processing = float(latencies.sum()) if done else 0.0
    peaks = [r.peak_rss_mib for r in done if r.peak_rss_mib is not None]

    def pct(q: float) -> float | None:
        return float(np.percentile(latencies, q)) if done else None

    return Performance(
        items=len(done), audio_s=audio, processing_s=processing,
        rtf=processing / audio if audio > 0 else None,
        latency_median_s=pct(50), latency_p95_s=pct(95), latency_max_s=pct(100),
        peak_rss_mib=max(peaks) if peaks else None, model_load_s=load_s,
    )



# --- scoring a run --------------------------------------------------------------------------------
Kind = Literal["asr", "notes", "time-saved", "all"]
# Synthetic corpora record how each clip was spoken; "variant" makes that a group too.
GROUP_BY = (*GROUP_ATTRIBUTES, "variant")


@dataclass(frozen=True)
class EvalRun:
    """Everything one evaluation found; :mod:`diktat.eval.report` writes it out."""

    kind: Kind
    source: str | None  # the manifest or folder evaluated
    items_in_source: int
    items_scored: int
    problems: tuple[ManifestProblem, ...]
    model: ModelInfo | None = None
    reused: int = 0
    asr: AsrReport | None = None
    results: tuple[ItemResult, ...] = ()
    performance: Performance | None = None
    notes: Mapping[str, NotesEvaluation] = field(default_factory=dict)
    measured: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    time_saved: TimeSaved | None = None
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


def score_run(
    manifest: Manifest,
    transcribed: Transcribed,
    *,
    full: bool = False,
    backend: Backend = "rules",
    llm: LlmOptions | None = None,
    overrides: Mapping[str, Any] | None = None,
    n_boot: int = 1000,
) -> EvalRun:
    """ASR metrics and performance of ``transcribed``; with ``full`` also the notes of the items
    with a gold note (from the transcript and from the reference) and the time saved."""
    items = {item.id: item for item in manifest.items}
    done = transcribed.done
    base = EvalRun(
        kind="all" if full else "asr", source=str(manifest.path) if manifest.path else None,
        items_in_source=len(manifest.items) + len(manifest.problems), items_scored=len(done),
        problems=(*manifest.problems, *transcribed.problems), model=transcribed.model,
        reused=transcribed.reused, results=transcribed.results,
    )
    if not done:
        return base  # nothing to score: the report shows the counts and the problems
    samples = [AsrSample(r.id, items[r.id].text, r.hypothesis, _attributes(items[r.id]))
               for r in done]
    asr = evaluate(samples, group_by=GROUP_BY, n_boot=n_boot)
    performance = measure_performance(done, transcribed.model.load_s)
    measured = measured_parameters(asr, performance, [s.reference for s in samples])
    notes: dict[str, NotesEvaluation] = {}
    note_problems: list[ManifestProblem] = []
    time_saved = None
    if full:
        notes, note_problems = _notes_of(items.values(), done, backend, llm)
        time_saved = estimate(parameters({**measured, **(overrides or {})}))
    return replace(base, problems=(*base.problems, *note_problems), asr=asr,
                   performance=performance, notes=notes, measured=measured,
                   time_saved=time_saved)


def _attributes(item: ManifestItem) -> dict[str, object]:
    attributes: dict[str, object] = {name: getattr(item, name) for name in GROUP_ATTRIBUTES}
    if item.synth and "variant" in item.synth:
        attributes["variant"] = item.synth["variant"]
    return attributes


def measured_parameters(
    asr: AsrReport, performance: Performance, references: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """Time-saved parameters this run measured (WER, real-time factor, words per note)."""
    n = asr.corpus.items
    out: dict[str, dict[str, Any]] = {}
    if asr.corpus.words.reference_length:
        out["wer"] = {"value": asr.corpus.wer, "source": f"measured: corpus WER, {n} items"}
    if performance.rtf is not None:
        out["asr_real_time_factor"] = {
            "value": performance.rtf,
            "source": f"measured: file-to-text time / audio duration, {performance.items} items"}
    spoken = [text for text in references if text.strip()]
    if spoken:
        words, source = words_per_note_from(spoken)
        out["words_per_note"] = {"value": words, "source": f"measured: reference {source}"}
    return out


def _notes_of(
    items: Iterable[ManifestItem], done: Iterable[ItemResult], backend: Backend,
    llm: LlmOptions | None,
) -> tuple[dict[str, NotesEvaluation], list[ManifestProblem]]:
    """Notes from the transcripts and from the references of the transcribed gold-note items."""
    hypotheses = {r.id: r.hypothesis for r in done}
    items = [item for item in items if item.id in hypotheses]
    from_reference, problems = cases_from_manifest(items)
    if not from_reference:
        return {}, problems
    from_transcript, _ = cases_from_manifest(items, hypotheses)
    notes = {
        "from_transcript": evaluate_notes(from_transcript, backend, llm=llm),
        "from_reference": evaluate_notes(from_reference, backend, llm=llm),
    }
    return notes, problems
