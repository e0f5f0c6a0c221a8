"""Decode and validate audio files: any format FFmpeg reads (via PyAV) → 16 kHz mono float32.

Knows nothing of Whisper. Errors name the file and what is wrong with it, never its content.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from diktat.errors import InputError

SAMPLE_RATE = 16_000

# Extensions picked up when a folder is given; a file named explicitly is tried whatever its name.
AUDIO_EXTENSIONS = frozenset(
    {".wav", ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac", ".webm", ".mp4",
     ".mka", ".wma", ".amr", ".3gp", ".aiff", ".aif", ".caf"}
)


@dataclass(frozen=True)
class Audio:
    samples: np.ndarray  # float32 in [-1, 1], mono, SAMPLE_RATE
    source: Path | None = None
    # Set when the stream broke off part-way: what decoded before the damage is kept.
    decode_warning: str | None = None

    @property
    def duration(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    @property
    def peak(self) -> float:
        return float(np.max(np.abs(self.samples))) if len(self.samples) else 0.0


def check_input_file(path: Path) -> None:
    """Raise InputError unless `path` is a readable, non-empty regular file."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot access ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path}: is a folder, not an audio file")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path}: not a regular file (device, pipe or socket)")
    if st.st_size == 0:
        raise InputError(f"{path}: empty file (0 bytes)")


def probe_duration(path: Path) -> float | None:
    """Duration from the container header (cheap); None when unknown or unreadable."""
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if container.duration is not None:
                return container.duration / av.time_base
            stream = container.streams.audio[0] if container.streams.audio else None
            if stream is not None and stream.duration is not None and stream.time_base:
                return float(stream.duration * stream.time_base)
    except (av.FFmpegError, OSError, IndexError, ValueError):
        return None
    return None


def load_audio(path: Path) -> Audio:
    """Decode `path` to 16 kHz mono float32, or raise InputError saying what is wrong."""
    path = Path(path)
    check_input_file(path)
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.FFmpegError as exc:
        raise InputError(
            f"{path}: not a readable audio file ({_reason(exc)}); "
            "supported are the formats FFmpeg reads, e.g. wav, mp3, m4a, ogg, flac, webm"
        ) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None

    with container:
        if not container.streams.audio:
            raise InputError(f"{path}: contains no audio stream")
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        pieces: list[np.ndarray] = []
        warning = None
        try:
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    pieces.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                pieces.append(out.to_ndarray().reshape(-1))
        except (av.FFmpegError, ValueError) as exc:
            if not pieces:
                raise InputError(f"{path}: audio data is corrupt ({_reason(exc)})") from None
            warning = f"audio stream damaged after {sum(map(len, pieces)) / SAMPLE_RATE:.1f} s"
    if not pieces:
        raise InputError(f"{path}: contains no decodable audio samples")
    samples = np.concatenate(pieces).astype(np.float32) / 32768.0
    return Audio(samples=samples, source=path, decode_warning=warning)


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[0].strip() or type(exc).__name__
