"""Synthetic Norwegian speech from text with Debian's ``espeak-ng``.

Used for test fixtures, the bundled demo clip and (later) ``diktat eval make-corpus``, whose
speed, pitch and added-noise variants are all parameters of :func:`synthesize`. Every clip made
here is synthetic and must be marked so wherever it is stored.

Output is always 16 kHz mono 16-bit PCM WAV (what Whisper consumes). espeak-ng writes 22.05 kHz;
we resample in numpy with a band-limited FFT resampler rather than calling ``sox``: it keeps
espeak-ng the only system tool needed, is band-limited with no seam on these short clips (they
start and end in silence), and is bit-for-bit deterministic.

Only numpy and soundfile are imported; nothing here loads Whisper.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import soundfile as sf

from diktat.errors import DiktatError, InputError, OutputError

__all__ = [
    "DEFAULT_PITCH",
    "DEFAULT_SPEED_WPM",
    "DEFAULT_VOICE",
    "DEFAULT_WORD_GAP",
    "NoiseColour",
    "SAMPLE_RATE",
    "SynthResult",
    "SynthUnavailable",
    "synthesize",
    "write_wav",
]

SAMPLE_RATE = 16_000
ESPEAK = "espeak-ng"

# Defaults chosen by measurement (espeak-ng 1.51; faster-whisper, Whisper base int8 on CPU,
# language="no", beam 5, VAD, condition_on_previous_text=False; WER after lower-casing and
# stripping punctuation) on 42 short nurse sentences in 7 sets, each set spoken as one clip:
#   nb  130 wpm pitch 50 gap 5 -> 66.5 %   (gap 8: 65.7 %, gap 12: 67.8 %, gap 0: 74.7 %)
#   nb  110 / 120 / 140 / 150 wpm, gap 5 -> 75 / 69 / 71 / 74 %;  pitch 40 / 60 -> 68 / 70 %
#   nb+m3 (gap 2) 69-70 %; on 5 of the sets at gap 0: nb 80 %, nb+m3 74 %, nb+klatt 82 %,
#   nb+f2 87 %, nb+iven 94 %, nb+Michael 97 %, nb+steph 104 %
# Sentence by sentence (42 clips) it is worse for every setting: gap 5 80 %, gap 8 85 %, gap 0 87 %.
# A word gap of 50 ms is the one setting that clearly helps; voice variants, speed and pitch
# move WER less than run-to-run noise. Respelling espeak's weak nb pronunciations with inline
# phonemes did not help overall (66.5 -> 69-71 %), so it is not done here. Details and
# per-set figures: diktat/data/samples/README.md.
DEFAULT_VOICE = "nb"
DEFAULT_SPEED_WPM = 130
DEFAULT_PITCH = 50
DEFAULT_WORD_GAP = 5

NoiseColour = Literal["white", "pink"]

_VOICE_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_+\-/]*$")
_TIMEOUT_S = 120


class SynthUnavailable(DiktatError):
    """The speech synthesiser (espeak-ng) is not installed or failed to run."""

    exit_code = 3


@dataclass(frozen=True)
class SynthResult:
    """What was written, and the settings actually used (for a corpus manifest)."""

    path: Path
    duration_s: float
    voice: str
    speed: int
    pitch: int
    noise_snr_db: float | None
    word_gap: int = 0
    noise: NoiseColour | None = None
    seed: int = 0
    sample_rate: int = SAMPLE_RATE
    synthetic: bool = True


def synthesize(
    text: str,
    out: Path | str,
    *,
    voice: str = DEFAULT_VOICE,
    speed_wpm: int = DEFAULT_SPEED_WPM,
    pitch: int = DEFAULT_PITCH,
    word_gap: int = DEFAULT_WORD_GAP,
    noise_snr_db: float | None = None,
    noise: NoiseColour = "white",
    seed: int = 0,
) -> SynthResult:
    """Speak ``text`` with espeak-ng and write a 16 kHz mono 16-bit WAV to ``out``.

    ``voice`` is an espeak-ng voice, optionally with a variant (``"nb"``, ``"nb+f2"``);
    ``word_gap`` is espeak-ng's ``-g`` (extra pause between words, in units of 10 ms).
    With ``noise_snr_db`` set, seeded white or pink noise is added at that signal-to-noise ratio
    (relative to the mean power of the whole clean clip), so the same arguments always give the
    same file. Parent folders of ``out`` are created; the file is replaced atomically.
    """
    out = Path(out)
    _check_args(text, voice, speed_wpm, pitch, word_gap, noise_snr_db, noise)

    audio, rate = _espeak(text, voice=voice, speed_wpm=speed_wpm, pitch=pitch, word_gap=word_gap)
    if rate != SAMPLE_RATE:
        audio = _resample(audio, rate, SAMPLE_RATE)
    if not np.any(np.abs(audio) > 1e-4):
        raise InputError("The text produced no speech (only punctuation or symbols?).")

    used_noise: NoiseColour | None = None
    if noise_snr_db is not None:
        audio = _add_noise(audio, snr_db=noise_snr_db, colour=noise, seed=seed)
        used_noise = noise

    write_wav(out, audio)
    return SynthResult(
        path=out,
        duration_s=len(audio) / SAMPLE_RATE,
        voice=voice,
        speed=speed_wpm,
        pitch=pitch,
        noise_snr_db=noise_snr_db,
        word_gap=word_gap,
        noise=used_noise,
        seed=seed,
    )


def _check_args(
    text: str,
    voice: str,
    speed_wpm: int,
    pitch: int,
    word_gap: int,
    noise_snr_db: float | None,
    noise: str,
) -> None:
    if not text or not text.strip():
        raise InputError("Cannot synthesise empty text.")
    if not _VOICE_RE.match(voice):
        raise InputError(f"Invalid espeak-ng voice name {voice!r} (e.g. 'nb' or 'nb+f2').")
    if not 80 <= speed_wpm <= 450:
        raise InputError(f"speed_wpm must be between 80 and 450, got {speed_wpm}.")
    if not 0 <= pitch <= 99:
        raise InputError(f"pitch must be between 0 and 99, got {pitch}.")
    if not 0 <= word_gap <= 100:
        raise InputError(f"word_gap must be between 0 and 100 (x 10 ms), got {word_gap}.")
    if noise_snr_db is not None and not np.isfinite(noise_snr_db):
        raise InputError(f"noise_snr_db must be a finite number of dB, got {noise_snr_db}.")
    if noise not in ("white", "pink"):
        raise InputError(f"noise must be 'white' or 'pink', got {noise!r}.")


def _espeak(
    text: str, *, voice: str, speed_wpm: int, pitch: int, word_gap: int
) -> tuple[np.ndarray, int]:
    """Run espeak-ng (no shell; text on stdin) and return float32 mono samples and their rate."""
    exe = shutil.which(ESPEAK)
    if exe is None:
        raise SynthUnavailable(
            "espeak-ng is not installed, so speech cannot be synthesised. "
            "Install it with `apt-get install espeak-ng`."
        )
    with tempfile.TemporaryDirectory(prefix="diktat-synth-") as tmp:
        wav = Path(tmp) / "espeak.wav"
        cmd = [
            exe,
            "-v", voice,
            "-s", str(speed_wpm),
            "-p", str(pitch),
            "-g", str(word_gap),
            "-b", "1",  # input is UTF-8
            "-w", str(wav),
            "--stdin",
        ]  # fmt: skip
        try:
            proc = subprocess.run(
                cmd,
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SynthUnavailable(f"espeak-ng could not be run: {exc}") from exc
        if proc.returncode != 0 or not wav.exists():
            detail = proc.stderr.decode("utf-8", "replace").strip()[:300]
            if "voice does not exist" in detail:
                raise InputError(
                    f"espeak-ng has no voice {voice!r}; list them with `espeak-ng --voices=nb`."
                )
            raise SynthUnavailable(
                f"espeak-ng failed (exit {proc.returncode}) for voice {voice!r}: {detail or '?'}"
            )
        audio, rate = sf.read(wav, dtype="float32", always_2d=True)
    return audio.mean(axis=1).astype(np.float32), int(rate)


def _resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Band-limited resampling by truncating / zero-padding the spectrum (like scipy's resample).

    Treats the clip as periodic; espeak-ng clips start and end in silence, so there is no seam.
    """
    n_in = len(x)
    n_out = max(1, round(n_in * rate_out / rate_in))
    spec = np.fft.rfft(x.astype(np.float64))
    n_bins = n_out // 2 + 1
    if n_bins <= len(spec):
        spec = spec[:n_bins].copy()
        if n_out % 2 == 0:
            spec[-1] = spec[-1].real  # the new Nyquist bin must be real
    else:
        spec = np.concatenate([spec, np.zeros(n_bins - len(spec), dtype=spec.dtype)])
    y = np.fft.irfft(spec, n=n_out) * (n_out / n_in)
    return y.astype(np.float32)


def _add_noise(x: np.ndarray, *, snr_db: float, colour: NoiseColour, seed: int) -> np.ndarray:
    """Add seeded white or pink (1/f power) noise at ``snr_db`` relative to the clip's power."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(len(x))
    if colour == "pink":
        spec = np.fft.rfft(noise)
        freqs = np.arange(len(spec), dtype=np.float64)
        freqs[0] = 1.0  # leave DC finite; it is removed below
        noise = np.fft.irfft(spec / np.sqrt(freqs), n=len(x))
        noise -= noise.mean()
    p_signal = float(np.mean(x.astype(np.float64) ** 2))
    p_noise = float(np.mean(noise**2))
    noise *= np.sqrt(p_signal / (p_noise * 10.0 ** (snr_db / 10.0)))
    y = x + noise
    peak = float(np.max(np.abs(y)))
    if peak > 0.99:  # scale speech and noise together: the SNR is kept, nothing clips
        y *= 0.99 / peak
    return y.astype(np.float32)


def write_wav(out: Path, audio: np.ndarray) -> None:
    """16 kHz mono PCM-16 WAV via a temp file and rename, so no half-written clip exists."""
    pcm = np.round(np.clip(audio, -1.0, 32767 / 32768) * 32768.0).astype(np.int16)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        # Not mkstemp: its 0600 mode would stick to the result; this name is unique enough.
        tmp_name = out.parent / f".{out.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
        try:
            sf.write(tmp_name, pcm, SAMPLE_RATE, subtype="PCM_16", format="WAV")
            os.replace(tmp_name, out)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(
            f"Could not write {out}: {exc.strerror or exc}. Check the folder."
        ) from exc
