"""Central result types shared by every part of diktat.

Kept free of heavy imports: the engine, the CLI, the server and the evaluation harness all speak
these types, and JSON written by one is read back by another.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Word(_Frozen):
    start: float = Field(description="Start time in seconds from the beginning of the audio")
    end: float = Field(description="End time in seconds")
    text: str = Field(description="The word as decoded, with its leading space if any")
    probability: float = Field(ge=0.0, le=1.0, description="Decoder probability of the word")


class Segment(_Frozen):
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 0.0


class GuardAction(_Frozen):
    """A change a hallucination guard made to the decoder output (text deliberately omitted)."""

    guard: str = Field(description="Which guard acted: stock_credit, repetition, no_speech, ...")
    start: float
    end: float
    action: str = Field(description="dropped_segment or collapsed_repetition")
    words_removed: int = 0


class Timings(_Frozen):
    load_s: float = 0.0
    decode_audio_s: float = 0.0
    transcribe_s: float = 0.0

    @property
    def total_s(self) -> float:
        return self.decode_audio_s + self.transcribe_s


class Transcript(_Frozen):
    segments: tuple[Segment, ...] = ()
    language: str
    language_probability: float = 1.0
    duration: float = Field(description="Audio duration in seconds")
    speech_duration: float | None = Field(
        default=None, description="Seconds of audio the VAD kept as speech (None without VAD)"
    )
    model_id: str
    model_sha256: str | None = None
    options: dict = Field(default_factory=dict, description="Decode settings actually used")
    timings: Timings = Timings()
    guard_actions: tuple[GuardAction, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for s in self.segments for w in s.words)

    @property
    def real_time_factor(self) -> float | None:
        if self.duration <= 0:
            return None
        return self.timings.total_s / self.duration


def read_transcript_json(text: str) -> Transcript:
    """A transcript from the JSON ``diktat.stt.formats.to_json`` writes (the wrapped document or
    a bare Transcript)."""
    doc = json.loads(text)
    if isinstance(doc, dict) and "transcript" in doc:
        doc = doc["transcript"]
    return Transcript.model_validate(doc)
