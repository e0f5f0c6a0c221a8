"""Frozen options for the transcription stage: how to load the engine, and how to decode.

`DecodeOptions` is recorded verbatim in every Transcript, so a result says how it was made.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Options(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EngineOptions(_Options):
    device: Literal["auto", "cpu", "cuda"] = "auto"
    compute_type: str = "auto"
    threads: int = Field(
        default=0, ge=0, description="CPU threads per worker; 0 = the cores shared by the workers"
    )
    workers: int = Field(
        default=1, ge=1, le=16, description="Decodes that can run at once (CTranslate2 workers)"
    )
    alone: bool = Field(
        default=False, description="Also load a copy with one worker on all the workers' CPU "
        "threads, for `transcribe_alone` (on a CPU with several workers)"
    )


class DecodeOptions(_Options):
    language: str = "no"
    beam_size: int = Field(default=5, ge=1, le=10)
    # Fallback to higher temperatures only when a window fails the compression/logprob checks.
    temperatures: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    compression_ratio_threshold: float = 2.4
    log_prob_threshold: float = -1.0
    no_speech_threshold: float = 0.6
    # Conditioning on earlier text is what lets one hallucination feed the next: keep it off.
    condition_on_previous_text: bool = False
    vad: bool = True
    vad_min_silence_ms: int = 500
    vad_speech_pad_ms: int = 400
    word_timestamps: bool = True
    hotwords: str | None = Field(
        default=None, description="Clinical vocabulary given to the decoder as a prompt prefix"
    )
    # Files at least this long go through the batched pipeline (VAD chunks decoded in batches).
    batched_min_duration_s: float = 60.0
    batch_size: int = Field(default=0, ge=0, le=64, description="0 = auto (by device)")
    # `diktat transcribe` decodes the speech clips of this many files together in shared
    # batches, with word timestamps (WhisperEngine.transcribe_many); 1 = file by file.
    files_per_group: int = Field(default=0, ge=0, le=64, description="0 = auto (by device)")
    # Skip long silent stretches where hallucination is suspected (plain pipeline only).
    hallucination_silence_threshold_s: float | None = 2.0
    # Audio whose peak stays below this is digital silence: no decode at all.
    silence_peak: float = 1e-3
