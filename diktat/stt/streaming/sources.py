"""Where live audio comes from: the microphone, or a file or pipe standing in for it.

Every source yields float32 mono chunks at 16 kHz (`SAMPLE_RATE`), whatever the device or file
offers; resampling is PyAV's (libswresample), the same library that decodes files. sounddevice is
imported only when a microphone is opened, so files and pipes work without PortAudio.
"""

from __future__ import annotations

import math
import queue
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

import av
import numpy as np

from diktat.errors import DiktatError, InputError
from diktat.stt.audio import SAMPLE_RATE, load_audio

CHUNK_S = 0.1
NO_AUDIO_TIMEOUT_S = 5.0
SILENCE_DBFS = -90.0  # the level reported for digital silence (log of zero)
MIC_INSTALL_HINT = (
    "live microphone input needs the sounddevice package and the PortAudio library: "
    "pip install 'diktat[mic]' and apt-get install libportaudio2"
)


class MicrophoneUnavailable(DiktatError):
    """No microphone can be opened: library missing, no such device, or the device failed."""

    exit_code = 2


class AudioSource(Protocol):
    sample_rate: int  # always SAMPLE_RATE: sources resample
    # True when chunks arrive at speaking pace whether or not they are taken (a microphone);
    # False when the consumer sets the pace (a file read as fast as it is decoded).
    live: bool

    @property
    def description(self) -> str:
        """What the user sees as the input ("mikrofon: pulse", a file name); no content."""
        ...

    def chunks(self) -> Iterator[np.ndarray]:
        """float32 mono chunks in [-1, 1] as they become available; ends at end of input."""
        ...


def level_dbfs(samples: np.ndarray) -> float:
    """RMS level in dB relative to full scale (0 dBFS = a full-scale square wave)."""
    if not len(samples):
        return SILENCE_DBFS
    rms = math.sqrt(float(np.mean(np.square(samples, dtype=np.float64))))
    return max(SILENCE_DBFS, 20 * math.log10(rms)) if rms > 0 else SILENCE_DBFS


class Resampler:
    """Streaming float32 mono resampling to 16 kHz; keeps filter state across chunks."""

    def __init__(self, rate_in: int) -> None:
        self.rate_in = rate_in
        self._resampler = (
            None
            if rate_in == SAMPLE_RATE
            else av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        )

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        samples = np.ascontiguousarray(samples, dtype=np.float32).reshape(-1)
        if self._resampler is None or not len(samples):
            return samples
        frame = av.AudioFrame.from_ndarray(samples[None, :], format="flt", layout="mono")
        frame.sample_rate = self.rate_in
        return self._collect(self._resampler.resample(frame))

    def flush(self) -> np.ndarray:
        if self._resampler is None:
            return np.zeros(0, dtype=np.float32)
        return self._collect(self._resampler.resample(None))

    @staticmethod
    def _collect(frames) -> np.ndarray:
        parts = [f.to_ndarray().reshape(-1) for f in frames]
        return np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)


class FileSource:
    """A recording replayed as if spoken: in chunks, optionally paced in real time."""

    sample_rate = SAMPLE_RATE

    def __init__(
        self,
        path: Path,
        *,
        chunk_s: float = CHUNK_S,
        realtime: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.path = Path(path)
        self.chunk = max(1, round(chunk_s * SAMPLE_RATE))
        self.live = realtime
        self._clock = clock
        self._sleep = sleep

    @property
    def description(self) -> str:
        return f"fil: {self.path.name}"

    def chunks(self) -> Iterator[np.ndarray]:
        samples = load_audio(self.path).samples
        started = self._clock()
        for start in range(0, len(samples), self.chunk):
            piece = samples[start : start + self.chunk]
            if self.live:
                # A chunk exists once it has been "spoken": release it at its end time.
                due = started + (start + len(piece)) / SAMPLE_RATE
                if (wait := due - self._clock()) > 0:
                    self._sleep(wait)
            yield piece


class PcmStreamSource:
    """Raw signed 16-bit little-endian mono PCM from a pipe or stdin (e.g. `arecord -t raw`)."""

    sample_rate = SAMPLE_RATE
    live = True

    def __init__(
        self, stream: BinaryIO | None = None, *, rate: int = SAMPLE_RATE, chunk_s: float = CHUNK_S
    ) -> None:
        if rate <= 0:
            raise InputError(f"raw PCM sample rate must be positive, not {rate}")
        self.stream = stream if stream is not None else sys.stdin.buffer
        self.rate = rate
        self.chunk_bytes = 2 * max(1, round(chunk_s * rate))

    @property
    def description(self) -> str:
        return f"rå PCM ({self.rate} Hz)"

    def chunks(self) -> Iterator[np.ndarray]:
        resample = Resampler(self.rate)
        carry = b""  # an odd byte left by a short read
        while True:
            data = self.stream.read(self.chunk_bytes)
            if not data:
                break
            data = carry + data
            whole = len(data) - len(data) % 2
            carry = data[whole:]
            pcm = np.frombuffer(data[:whole], dtype="<i2").astype(np.float32) / 32768.0
            if len(out := resample(pcm)):
                yield out
        if len(tail := resample.flush()):
            yield tail


class MicrophoneSource:
    """A sounddevice input stream: device by index or (part of its) name, at the rate the device
    offers, mixed to mono and resampled to 16 kHz. Chunks arrive while the caller is busy
    (PortAudio's thread fills a queue); `overflows` counts blocks the device dropped."""

    sample_rate = SAMPLE_RATE
    live = True

    def __init__(self, device: str | int | None = None, *, chunk_s: float = CHUNK_S) -> None:
        self.sd = import_sounddevice()
        self.device = _device_arg(device)
        try:
            info = self.sd.query_devices(self.device, "input")
        except (ValueError, self.sd.PortAudioError) as exc:
            raise MicrophoneUnavailable(
                f"no input device {device!r} ({exc}); available: {', '.join(input_devices())}"
            ) from None
        self.name = str(info["name"])
        self.device_rate = int(info["default_samplerate"])
        self.channels = self._channels(int(info["max_input_channels"]))
        self.block = max(1, round(chunk_s * self.device_rate))
        self.overflows = 0

    @property
    def description(self) -> str:
        return f"mikrofon: {self.name} ({self.device_rate} Hz)"

    def _channels(self, available: int) -> int:
        try:
            self.sd.check_input_settings(self.device, channels=1, samplerate=self.device_rate)
            return 1
        except (ValueError, self.sd.PortAudioError):
            return max(1, min(2, available))  # some hardware opens only in stereo

    def chunks(self) -> Iterator[np.ndarray]:
        blocks: queue.Queue[np.ndarray] = queue.Queue()

        def on_block(indata, frames, time_info, status) -> None:
            if status.input_overflow:
                self.overflows += 1
            blocks.put(indata.copy())

        resample = Resampler(self.device_rate)
        try:
            stream = self.sd.InputStream(
                device=self.device,
                samplerate=self.device_rate,
                channels=self.channels,
                dtype="float32",
                blocksize=self.block,
                callback=on_block,
            )
        except (ValueError, self.sd.PortAudioError) as exc:
            raise MicrophoneUnavailable(f"cannot open input device {self.name!r}: {exc}") from None
        with stream:
            while True:
                try:
                    block = blocks.get(timeout=NO_AUDIO_TIMEOUT_S)
                except queue.Empty:
                    raise MicrophoneUnavailable(
                        f"input device {self.name!r} delivered no audio for "
                        f"{NO_AUDIO_TIMEOUT_S:.0f} s; check that it is connected and not muted"
                    ) from None
                if len(out := resample(block.mean(axis=1))):
                    yield out


def import_sounddevice():
    """The sounddevice module, or MicrophoneUnavailable saying how to install it."""
    try:
        import sounddevice
    except (ImportError, OSError) as exc:  # OSError: the PortAudio library is missing
        raise MicrophoneUnavailable(f"{MIC_INSTALL_HINT} ({exc})") from None
    return sounddevice


def input_devices() -> list[str]:
    """'index: name (rate Hz)' for every device that can record."""
    sd = import_sounddevice()
    return [
        f"{i}: {d['name']} ({int(d['default_samplerate'])} Hz)"
        for i, d in enumerate(sd.query_devices())
        if d["max_input_channels"] > 0
    ]


def _device_arg(device: str | int | None) -> str | int | None:
    if isinstance(device, str):
        device = device.strip()
        if device.isdigit():
            return int(device)
        return device or None
    return device
