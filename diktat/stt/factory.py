"""Settings → a loaded engine and the decode options it runs with (shared by CLI and server)."""

from __future__ import annotations

import os
from pathlib import Path

from diktat.config import AsrSettings, DictateSettings, Settings
from diktat.models.store import ModelStore
from diktat.stt.device import pick_device
from diktat.stt.options import DecodeOptions, EngineOptions
from diktat.stt.streaming.dictation import DictationOptions
from diktat.stt.streaming.document import DocumentOptions
from diktat.stt.vocabulary import hotwords_from, load_vocabulary


def decode_options(asr: AsrSettings, extra_vocabulary: tuple[Path, ...] = ()) -> DecodeOptions:
    hotwords = hotwords_from(load_vocabulary(asr.vocabulary, extra_vocabulary))
    return DecodeOptions(
        language=asr.language,
        beam_size=asr.beam_size,
        vad=asr.vad,
        batch_size=asr.batch_size,
        files_per_group=asr.files_per_group,
        hotwords=hotwords,
    )


def engine_workers(asr: AsrSettings, *, live: bool, many: bool = False) -> int:
    """Live dictation decodes a window of a few seconds several times a second. On a CPU one
    such decode is fastest on a single thread (whisper base int8, 2 cores: 0.53 s against
    0.59 s on two; token generation is slower on two), so the cores serve two decodes at once
    instead: the next window, or the closing decode of an utterance, need not wait. `many`
    (`diktat transcribe`, decoding the clips of several files in shared batches unless
    `files_per_group` is 1) likewise runs two batches at once: beam search on a batch gained
    little from a second thread here. Other transcriptions keep one worker over all cores (the
    batched pipeline's matrices use them)."""
    if asr.workers:
        return asr.workers
    on_cpu = pick_device(asr.device) == "cpu"
    grouped = many and asr.files_per_group != 1  # 0 = auto: grouped
    return 2 if (live or grouped) and on_cpu and (os.cpu_count() or 1) >= 2 else 1


def load_engine(settings: Settings, *, live: bool = False, many: bool = False):
    """Resolve the configured ASR model (assembling the bundled one on first use) and load it;
    `live` for dictation and the server, `many` for batch transcription of files (see
    `engine_workers`)."""
    from diktat.stt.whisper import WhisperEngine  # heavy import, only when a model is needed

    resolved = ModelStore(settings.models_dir).resolve(settings.asr.model, kind="asr")
    return WhisperEngine(
        resolved.path,
        model_id=resolved.name,
        model_sha256=resolved.sha256,
        options=EngineOptions(
            device=settings.asr.device,
            compute_type=settings.asr.compute_type,
            threads=settings.asr.threads,
            workers=engine_workers(settings.asr, live=live, many=many),
            alone=live,  # a dictation's last span, decoded once she stops (`transcribe_alone`)
        ),
    )


def dictation_options(settings: DictateSettings, **extra) -> DictationOptions:
    """The dictation loop's options from `[dictate]` (`extra`: the owner, the mode, ...)."""
    values = {"mode": settings.mode, "pause_s": settings.pause_s, **extra}
    return DictationOptions(
        document=DocumentOptions(enabled=settings.document,
                                 min_span_s=settings.document_min_span_s,
                                 draft_step_s=settings.document_draft_step_s),
        **values)
