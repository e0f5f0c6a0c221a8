"""The engine contract: audio samples in, a Transcript out. Batch, streaming and the server
depend on this protocol, never on faster-whisper directly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from diktat.stt.options import DecodeOptions
from diktat.types import Segment, Transcript


class SttEngine(Protocol):
    model_id: str
    model_sha256: str | None

    def transcribe(self, samples: np.ndarray, opts: DecodeOptions) -> Transcript:
        """Transcribe 16 kHz mono float32 samples."""
        ...


@runtime_checkable
class ManyEngine(SttEngine, Protocol):
    """An engine that decodes several recordings together (batch transcription of folders)."""

    def files_per_group(self, opts: DecodeOptions) -> int:
        """How many files to give `transcribe_many` at once."""
        ...

    def transcribe_many(
        self, audios: Sequence[np.ndarray], opts: DecodeOptions
    ) -> list[Transcript]:
        """One Transcript per recording, in order."""
        ...


@dataclass(frozen=True, eq=False)
class WindowRequest:
    """One streaming window to decode: at most 30 s of 16 kHz samples."""

    samples: np.ndarray
    opts: DecodeOptions
    max_new_tokens: int | None = None


@runtime_checkable
class WindowBatchEngine(Protocol):
    """An engine that decodes the streaming windows of several live sessions in one call."""

    def decode_windows(self, requests: Sequence[WindowRequest]) -> list[list[Segment]]:
        """The segments of each window (word times from its start), in order."""
        ...
