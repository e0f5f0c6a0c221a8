"""Decode and validate audio files: any format FFmpeg reads (via PyAV) → 16 kHz mono float32.

Knows nothing of Whisper. Errors name the file and what is wrong with it, never its content.
A caller that takes files from others (the server) gives `load_audio` a `max_seconds` bound: the
decoded samples are counted as they come and decoding stops with `AudioTooLong` as soon as they
pass it, whatever the container's header claims (a header can say 1 s, or nothing, over hours
of audio that compress to almost nothing).
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import BinaryIO

import av
import numpy as np

from diktat.errors import InputError

SAMPLE_RATE = 16_000
# Decoded samples are gathered in int16 blocks of this many (2 MiB, about 65 s), not per frame.
_BLOCK_SAMPLES = 1 << 20
# One decoded input frame may run past the bound by at most this much before it is resampled
# (a frame at a tiny sample rate would otherwise expand to hours in one resampler call).
_FRAME_SLACK_S = 1.0
# The highest input sample rate decoded. The resampler's filter grows with the ratio of the input
# rate to 16 kHz: a small WAV whose header claims 200 MHz made it take 1.6 GB and 14 s.
MAX_SAMPLE_RATE = 768_000

# Extensions picked up when a folder is given; a file named explicitly is tried whatever its name.
AUDIO_EXTENSIONS = frozenset(
    {".wav", ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac", ".webm", ".mp4",
     ".mka", ".wma", ".amr", ".3gp", ".aiff", ".aif", ".caf"}
)


def bundled_sample() -> Path:
    """The Norwegian sample recording shipped with diktat (`diktat demo`, calibration)."""
    return Path(str(resources.files("diktat").joinpath("data/samples/demo_nb.wav")))


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


class AudioTooLong(InputError):
    """The audio is longer than the bound `load_audio` was given. `seconds` is the length the
    header claimed when that was already over the bound; None when decoding found it out."""

    def __init__(self, path: Path, limit_s: float, seconds: float | None = None) -> None:
        self.limit_s = limit_s
        self.seconds = seconds
        length = f"{seconds:.0f} s long" if seconds is not None else f"longer than {limit_s:g} s"
        super().__init__(f"{path}: the recording is {length}; at most {limit_s:g} s is accepted")


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
            return _header_duration(container)
    except (av.FFmpegError, OSError, IndexError, ValueError):
        return None


def _header_duration(container) -> float | None:
    if container.duration is not None:
        return container.duration / av.time_base
    stream = container.streams.audio[0] if container.streams.audio else None
    if stream is not None and stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None


def load_audio(path: Path, *, max_seconds: float | None = None,
               stream: BinaryIO | None = None) -> Audio:
    """Decode `path` to 16 kHz mono float32, or raise InputError saying what is wrong.
    With `stream` (a seekable binary file, such as a sealed upload decrypted as it is read)
    the recording is read from it and `path` only names it in messages.

    With `max_seconds`, raise `AudioTooLong` when the header claims more, and as soon as the
    decoded samples pass it otherwise: memory stays within about 6 bytes a sample of the bound
    (int16 while decoding, then the float32 result filled block by block)."""
    path = Path(path)
    if stream is None:
        check_input_file(path)
    try:
        container = av.open(str(path) if stream is None else stream, metadata_errors="ignore")
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
        if max_seconds is not None:
            claimed = _header_duration(container)
            if claimed is not None and claimed > max_seconds:
                raise AudioTooLong(path, max_seconds, claimed)
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        decoded = _Samples(path, max_seconds)
        warning = None
        try:
            for frame in container.decode(audio=0):
                decoded.count_input(frame)
                for out in resampler.resample(frame):
                    decoded.add(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                decoded.add(out.to_ndarray().reshape(-1))
        except (av.FFmpegError, ValueError) as exc:
            if not decoded.count:
                raise InputError(f"{path}: audio data is corrupt ({_reason(exc)})") from None
            warning = f"audio stream damaged after {decoded.count / SAMPLE_RATE:.1f} s"
    if not decoded.count:
        raise InputError(f"{path}: contains no decodable audio samples")
    return Audio(samples=decoded.to_float32(), source=path, decode_warning=warning)


class _Samples:
    """The decoded 16 kHz int16 samples, counted against the bound as they arrive and kept in
    fixed blocks (no per-frame arrays, no growing copies)."""

    def __init__(self, path: Path, max_seconds: float | None) -> None:
        self.path = path
        self.max_seconds = max_seconds
        self.limit = None if max_seconds is None else int(max_seconds * SAMPLE_RATE)
        self.count = 0
        self.input_s = 0.0
        self._blocks: list[np.ndarray] = []
        self._used = _BLOCK_SAMPLES  # no block yet

    def count_input(self, frame) -> None:
        """Refuse a frame at a sample rate the resampler cannot take cheaply, or whose own length
        would take the input far past the bound, before the resampler sees it."""
        if frame.sample_rate > MAX_SAMPLE_RATE:
            raise InputError(f"{self.path}: sample rate {frame.sample_rate} Hz is not supported "
                             f"(at most {MAX_SAMPLE_RATE} Hz)")
        if self.max_seconds is None:
            return
        if not frame.sample_rate:
            raise ValueError("audio frame without a sample rate")
        self.input_s += frame.samples / frame.sample_rate
        if self.input_s > self.max_seconds + _FRAME_SLACK_S:
            raise AudioTooLong(self.path, self.max_seconds)

    def add(self, pcm: np.ndarray) -> None:
        if self.limit is not None and self.count + len(pcm) > self.limit:
            raise AudioTooLong(self.path, self.max_seconds)
        done = 0
        while done < len(pcm):
            if self._used == _BLOCK_SAMPLES:
                self._blocks.append(np.empty(_BLOCK_SAMPLES, dtype=np.int16))
                self._used = 0
            n = min(len(pcm) - done, _BLOCK_SAMPLES - self._used)
            self._blocks[-1][self._used : self._used + n] = pcm[done : done + n]
            self._used += n
            done += n
        self.count += len(pcm)

    def to_float32(self) -> np.ndarray:
        """The samples in [-1, 1); each int16 block is freed once converted."""
        out = np.empty(self.count, dtype=np.float32)
        start = 0
        while self._blocks:
            block = self._blocks.pop(0)
            n = min(len(block), self.count - start)
            view = out[start : start + n]
            view[:] = block[:n]
            view *= 1 / 32768.0
            start += n
            del block
        return out


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[0].strip() or type(exc).__name__
