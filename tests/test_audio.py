"""Audio decoding and validation: every bad input gets a specific InputError."""

import subprocess

import numpy as np
import pytest

from diktat.errors import InputError
from diktat.stt.audio import SAMPLE_RATE, load_audio, probe_duration
from tests.conftest import write_wav


def _tone(seconds=1.0, rate=SAMPLE_RATE):
    t = np.arange(int(seconds * rate)) / rate
    return 0.3 * np.sin(2 * np.pi * 440 * t)


def test_wav_at_other_rate_and_stereo_is_resampled_to_16k_mono(tmp_path):
    import soundfile as sf

    stereo = np.stack([_tone(2.0, 44_100), _tone(2.0, 44_100)], axis=1)
    path = tmp_path / "stereo44k.wav"
    sf.write(str(path), stereo, 44_100)
    audio = load_audio(path)
    assert abs(audio.duration - 2.0) < 0.05
    assert audio.samples.dtype == np.float32
    assert 0.25 < audio.peak < 0.35
    assert abs(probe_duration(path) - 2.0) < 0.05


@pytest.mark.parametrize("ext", ["flac", "ogg"])
def test_compressed_formats_decode(tmp_path, ext):
    wav = write_wav(tmp_path / "t.wav", _tone(1.5))
    out = tmp_path / f"t.{ext}"
    subprocess.run(["sox", str(wav), str(out)], check=True, capture_output=True)
    assert abs(load_audio(out).duration - 1.5) < 0.1


def test_real_mp3_decodes(npsc_dir):
    audio = load_audio(npsc_dir / "norwegian-short-3s.mp3")
    assert abs(audio.duration - 3.35) < 0.1


def test_zero_byte_file(tmp_path):
    p = tmp_path / "empty.wav"
    p.touch()
    with pytest.raises(InputError, match="empty file"):
        load_audio(p)


def test_text_file_is_not_audio(tmp_path):
    p = tmp_path / "notes.wav"
    p.write_text("Dette er ikke lyd.\n" * 50)
    with pytest.raises(InputError, match="not a readable audio file|no audio|corrupt"):
        load_audio(p)


def test_random_bytes_are_rejected(tmp_path):
    p = tmp_path / "garbage.mp3"
    p.write_bytes(np.random.default_rng(1).integers(0, 256, 20_000, dtype=np.uint8).tobytes())
    with pytest.raises(InputError):
        load_audio(p)


def test_wav_header_with_damaged_body(tmp_path):
    good = write_wav(tmp_path / "good.wav", _tone(2.0)).read_bytes()
    p = tmp_path / "damaged.wav"
    p.write_bytes(good[:44] + b"\xff" * 7)  # valid header, 7 bytes of data (odd, truncated)
    try:
        audio = load_audio(p)
    except InputError:
        return
    assert audio.duration < 0.01


def test_truncated_file_keeps_what_decodes(tmp_path):
    wav = write_wav(tmp_path / "t.wav", _tone(4.0))
    data = wav.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: len(data) // 2])
    audio = load_audio(cut)
    assert 1.8 < audio.duration < 2.2


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_audio(tmp_path / "nope.wav")
    with pytest.raises(InputError, match="is a folder"):
        load_audio(tmp_path)


def test_device_file_is_rejected():
    with pytest.raises(InputError, match="not a regular file"):
        load_audio("/dev/null")
