"""Audio files that lie about their length, built at test time (no binary fixtures).

FLAC compresses digital silence to almost nothing (about 0.5 MB for 3 hours at 16 kHz), and its
STREAMINFO header carries the length as a 36-bit total-samples field that a writer may leave at
0 ("unknown"): a small upload can hold hours of audio, and its header can say anything. A WAV
header can likewise claim any sample rate.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import soundfile as sf

_STREAMINFO_BITS = slice(18, 26)  # sample rate (20 bits), channels, bits per sample, total (36)
_TOTAL_MASK = (1 << 36) - 1


def silent_flac(path: Path, seconds: float, *, rate: int = 16_000, block_s: float = 60.0) -> Path:
    """`seconds` of digital silence as a 16-bit mono FLAC, written block by block."""
    total = round(seconds * rate)
    block = np.zeros(round(block_s * rate), dtype=np.int16)
    with sf.SoundFile(str(path), "w", samplerate=rate, channels=1, format="FLAC",
                      subtype="PCM_16") as out:
        for start in range(0, total, len(block)):
            out.write(block[: min(len(block), total - start)])
    return path


def set_flac_total_samples(path: Path, total: int) -> Path:
    """Overwrite the header's total-samples field (0: length unknown) in place."""
    data = bytearray(path.read_bytes())
    if data[:4] != b"fLaC" or data[4] & 0x7F != 0:
        raise ValueError(f"{path}: not a FLAC file that starts with its STREAMINFO block")
    field = int.from_bytes(data[_STREAMINFO_BITS], "big")
    field = (field & ~_TOTAL_MASK) | (total & _TOTAL_MASK)
    data[_STREAMINFO_BITS] = field.to_bytes(8, "big")
    path.write_bytes(data)
    return path


def flac_total_samples(path: Path) -> int:
    with open(path, "rb") as f:
        head = f.read(26)
    return int.from_bytes(head[_STREAMINFO_BITS], "big") & _TOTAL_MASK


def pcm_wav_header_only_rate(path, rate: int, samples: int):
    """A 16-bit mono PCM WAV whose header says `rate` Hz (any 32-bit value), written by hand."""
    data = bytes(2 * samples)
    fmt = struct.pack("<HHIIHH", 1, 1, rate, (2 * rate) & 0xFFFFFFFF, 2, 16)
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
            + b"data" + struct.pack("<I", len(data)) + data)
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path
