"""Build a synthetic spoken evaluation corpus from reference texts with espeak-ng.

Each text of a JSONL file of ``{"id", "text"}`` objects (such as
``../shared/data/text/syntetisk_med_asr/texts.jsonl``) is spoken once per :class:`Variant`
(speed, pitch, voice, added noise) by :func:`diktat.eval.synth.synthesize`. Clips go to
``OUT/audio/<variant>/<text id>.wav`` and are listed in ``OUT/manifest.jsonl`` with
``synthetic: true`` and the synthesis settings in ``synth``. Optional silence and noise-only
clips (``expect_silence: true``) measure hallucination: any text transcribed from them is wrong.

Resumable: a clip whose manifest entry has the same text and settings and whose WAV is complete
is kept, not redone. The manifest is rewritten atomically every few clips and when the run is
interrupted, so at most those few clips are redone after a kill. A text that cannot be spoken is
reported as a problem; a missing espeak-ng stops the build (:class:`SynthUnavailable`).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from diktat.errors import InputError
from diktat.eval.manifest import (
    Manifest,
    ManifestItem,
    ManifestProblem,
    WrittenStandard,
    load_manifest,
    read_jsonl,
    write_manifest,
)
from diktat.eval.synth import (
    DEFAULT_PITCH,
    DEFAULT_SPEED_WPM,
    DEFAULT_VOICE,
    DEFAULT_WORD_GAP,
    SAMPLE_RATE,
    NoiseColour,
    synthesize,
    write_wav,
)

__all__ = ["DEFAULT_VARIANTS", "CorpusBuild", "Variant", "make_corpus"]

MANIFEST_NAME = "manifest.jsonl"
# Rewrite the manifest after this many new clips: a kill redoes at most this many.
CHECKPOINT_EVERY = 20
# Silence is dither-level noise (a quiet room, not digital zero, which VAD trivially drops);
# noise-only clips alternate white and pink noise at a clearly audible level.
SILENCE_DBFS = -70.0
NOISE_DBFS = -30.0

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Variant:
    """One way of speaking every text; ``name`` becomes part of the item id and audio path."""

    name: str
    speed_wpm: int = DEFAULT_SPEED_WPM
    pitch: int = DEFAULT_PITCH
    voice: str = DEFAULT_VOICE
    word_gap: int = DEFAULT_WORD_GAP
    noise_snr_db: float | None = None
    noise: NoiseColour = "white"


DEFAULT_VARIANTS = (
    Variant("normal"),
    Variant("fast", speed_wpm=160),
    Variant("lowpitch", pitch=25),
    Variant("noise10db", noise_snr_db=10.0),
)


@dataclass(frozen=True)
class CorpusBuild:
    """The manifest written (its items and the problems met), and how many clips were new."""

    manifest: Manifest
    made: int
    reused: int


@dataclass(frozen=True)
class _Job:
    item: ManifestItem  # duration_s still unknown
    make: Callable[[], float]  # writes the WAV, returns its duration in seconds
    line: int | None = None


def make_corpus(
    texts_jsonl: Path | str,
    out_dir: Path | str,
    *,
    variants: Sequence[Variant] = DEFAULT_VARIANTS,
    limit: int | None = None,
    silence_clips: int = 0,
    silence_duration_s: float = 6.0,
    domain: str | None = None,
    written_standard: WrittenStandard | None = None,
) -> CorpusBuild:
    """Speak the first ``limit`` texts (all when None) in every variant; write WAVs + manifest.

    ``silence_clips`` adds that many silence clips and as many noise-only clips, each
    ``silence_duration_s`` long, with empty text and ``expect_silence: true``.
    """
    texts_jsonl, out_dir = Path(texts_jsonl), Path(out_dir).absolute()
    _check_options(variants, limit, silence_clips, silence_duration_s)
    texts, problems = _read_texts(texts_jsonl, limit)
    meta = {"domain": domain, "written_standard": written_standard}
    jobs = [_speech_job(out_dir, line, text_id, text, variant, meta)
            for line, text_id, text in texts for variant in variants]
    jobs += _silence_jobs(out_dir, silence_clips, silence_duration_s)

    manifest_path = out_dir / MANIFEST_NAME
    entries = _previous_entries(manifest_path)
    made = reused = 0
    try:
        for job in jobs:
            previous = entries.get(job.item.id)
            if previous is not None and _is_done(previous, job.item):
                reused += 1
                continue
            entries.pop(job.item.id, None)
            item = _run(job, problems, source=texts_jsonl.name)
            if item is not None:
                entries[item.id] = item
                made += 1
                if made % CHECKPOINT_EVERY == 0:
                    write_manifest(entries.values(), manifest_path)
    except BaseException:
        write_manifest(entries.values(), manifest_path)
        raise

    items = [entries[job.item.id] for job in jobs if job.item.id in entries]
    write_manifest(items, manifest_path)
    manifest = Manifest(items=tuple(items), problems=tuple(problems), path=manifest_path)
    return CorpusBuild(manifest=manifest, made=made, reused=reused)


def _check_options(
    variants: Sequence[Variant], limit: int | None, silence_clips: int, silence_duration_s: float
) -> None:
    names = [v.name for v in variants]
    bad = [n for n in names if not _NAME_RE.match(n) or n in ("silence", "noise")]
    if bad:
        raise InputError(f"Unusable variant name(s) {bad}: use letters, digits, '.', '_', '-' "
                         "(not 'silence' or 'noise').")
    if len(set(names)) != len(names):
        raise InputError(f"Variant names must be unique, got {names}.")
    if limit is not None and limit < 0:
        raise InputError(f"limit must be 0 or more, got {limit}.")
    if silence_clips < 0 or not silence_duration_s > 0:
        raise InputError("silence_clips must be 0 or more and silence_duration_s positive.")


def _read_texts(
    path: Path, limit: int | None
) -> tuple[list[tuple[int, str, str]], list[ManifestProblem]]:
    """The first ``limit`` usable ``(line, id, text)`` of a texts JSONL, and the unusable lines."""
    records, problems = read_jsonl(path)
    texts: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    for line, record in records:
        if limit is not None and len(texts) >= limit:
            break
        text_id, text = record.get("id"), record.get("text")
        message = None
        if not isinstance(text_id, str) or not _NAME_RE.match(text_id):
            message = "'id' must be a string of letters, digits, '.', '_' or '-' (a file name)"
        elif text_id in seen:
            message = "duplicate id"
        elif not isinstance(text, str) or not text.strip():
            message = "'text' is missing or empty"
        if message:
            label = text_id if isinstance(text_id, str) else None
            problems.append(ManifestProblem(message, line=line, item_id=label, source=path.name))
            continue
        seen.add(text_id)
        texts.append((line, text_id, text))
    problems.sort(key=lambda p: p.line or 0)
    return texts, problems


def _speech_job(
    out_dir: Path, line: int, text_id: str, text: str, variant: Variant, meta: dict[str, Any]
) -> _Job:
    audio = out_dir / "audio" / variant.name / f"{text_id}.wav"
    seed = zlib.crc32(text_id.encode("utf-8"))  # noise differs per text, never per run
    settings: dict[str, Any] = {
        "engine": "espeak-ng", "variant": variant.name, "voice": variant.voice,
        "speed_wpm": variant.speed_wpm, "pitch": variant.pitch, "word_gap": variant.word_gap,
    }
    if variant.noise_snr_db is not None:
        settings |= {"noise": variant.noise, "noise_snr_db": variant.noise_snr_db, "seed": seed}
    item = ManifestItem(
        id=f"{text_id}.{variant.name}", audio=audio, text=text,
        speaker=f"espeak-ng {variant.voice}", synthetic=True, synth=settings,
        extra={"text_id": text_id}, **{k: v for k, v in meta.items() if v is not None},
    )

    def make() -> float:
        return synthesize(
            text, audio, voice=variant.voice, speed_wpm=variant.speed_wpm, pitch=variant.pitch,
            word_gap=variant.word_gap, noise_snr_db=variant.noise_snr_db, noise=variant.noise,
            seed=seed,
        ).duration_s

    return _Job(item=item, make=make, line=line)


def _silence_jobs(out_dir: Path, count: int, duration_s: float) -> Iterable[_Job]:
    for index in range(count):
        for kind in ("silence", "noise"):
            colour: NoiseColour = "pink" if kind == "noise" and index % 2 else "white"
            level = SILENCE_DBFS if kind == "silence" else NOISE_DBFS
            settings = {"engine": "numpy", "kind": kind, "noise": colour, "level_dbfs": level,
                        "duration_s": duration_s, "seed": index}
            audio = out_dir / "audio" / kind / f"{kind}_{index:03d}.wav"
            item = ManifestItem(id=f"{kind}_{index:03d}", audio=audio, text="",
                                expect_silence=True, synthetic=True, synth=settings)
            yield _Job(item=item, make=_noise_maker(audio, colour, level, duration_s, index))


def _noise_maker(
    audio: Path, colour: NoiseColour, level_dbfs: float, duration_s: float, seed: int
) -> Callable[[], float]:
    def make() -> float:
        samples = _noise(round(duration_s * SAMPLE_RATE), colour, level_dbfs, seed)
        write_wav(audio, samples)
        return len(samples) / SAMPLE_RATE

    return make


def _noise(n: int, colour: NoiseColour, level_dbfs: float, seed: int) -> np.ndarray:
    """Seeded white or pink (1/f power) noise with the given RMS level in dB full scale."""
    x = np.random.default_rng(seed).standard_normal(n)
    if colour == "pink":
        spec = np.fft.rfft(x)
        freqs = np.arange(len(spec), dtype=np.float64)
        freqs[0] = 1.0
        x = np.fft.irfft(spec / np.sqrt(freqs), n=n)
        x -= x.mean()
    x *= 10.0 ** (level_dbfs / 20.0) / np.sqrt(np.mean(x**2))
    return x.astype(np.float32)


def _previous_entries(manifest_path: Path) -> dict[str, ManifestItem]:
    """Entries of an earlier run's manifest; an unreadable one just means nothing is reused."""
    if not manifest_path.is_file():
        return {}
    try:
        previous = load_manifest(manifest_path, check_audio=False)
    except InputError:
        return {}
    return {item.id: item for item in previous.items}


def _is_done(previous: ManifestItem, planned: ManifestItem) -> bool:
    """Same text and settings, and a complete WAV of the recorded length."""
    if previous.model_dump(exclude={"duration_s"}) != planned.model_dump(exclude={"duration_s"}):
        return False
    try:
        info = sf.info(previous.audio)
    except (OSError, RuntimeError):
        return False
    duration = info.frames / info.samplerate if info.samplerate else 0.0
    return (
        info.samplerate == SAMPLE_RATE
        and info.frames > 0
        and previous.duration_s is not None
        and abs(duration - previous.duration_s) < 1e-3
    )


def _run(job: _Job, problems: list[ManifestProblem], *, source: str) -> ManifestItem | None:
    """Make one clip; a text the synthesiser rejects becomes a problem, not a crash."""
    try:
        duration = job.make()
    except InputError as exc:
        problems.append(ManifestProblem(f"not synthesised: {exc}", line=job.line,
                                        item_id=job.item.id, source=source))
        return None
    return job.item.model_copy(update={"duration_s": round(duration, 3)})
