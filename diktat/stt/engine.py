"""The engine contract: audio samples in, a Transcript out. Batch, streaming and the server
depend on this protocol, never on faster-whisper directly."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from diktat.stt.options import DecodeOptions
from diktat.types import Transcript


class SttEngine(Protocol):
    model_id: str
    model_sha256: str | None

    def transcribe(self, samples: np.ndarray, opts: DecodeOptions) -> Transcript:
        """Transcribe 16 kHz mono float32 samples."""
        ...
