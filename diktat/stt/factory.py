"""Settings → a loaded engine and the decode options it runs with (shared by CLI and server)."""

from __future__ import annotations

from pathlib import Path

from diktat.config import AsrSettings, Settings
from diktat.models.store import ModelStore
from diktat.stt.options import DecodeOptions, EngineOptions
from diktat.stt.vocabulary import hotwords_from, load_vocabulary


def decode_options(asr: AsrSettings, extra_vocabulary: tuple[Path, ...] = ()) -> DecodeOptions:
    hotwords = hotwords_from(load_vocabulary(asr.vocabulary, extra_vocabulary))
    return DecodeOptions(
        language=asr.language,
        beam_size=asr.beam_size,
        vad=asr.vad,
        batch_size=asr.batch_size,
        hotwords=hotwords,
    )


def load_engine(settings: Settings):
    """Resolve the configured ASR model (assembling the bundled one on first use) and load it."""
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
        ),
    )
