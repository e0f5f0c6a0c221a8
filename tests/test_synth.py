"""diktat.eval.synth: espeak-ng → 16 kHz mono WAV, seeded noise. No Whisper is loaded here."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from diktat.errors import DiktatError, InputError
from diktat.eval import synth
from diktat.eval.synth import SAMPLE_RATE, SynthResult, SynthUnavailable, synthesize

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng not installed (apt-get install espeak-ng)"
)

TEXT = "Pasienten sov godt i natt."


def _read(path: Path) -> np.ndarray:
    audio, rate = sf.read(path, dtype="float64")
    assert rate == SAMPLE_RATE
    return audio


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed")
    return synthesize(TEXT, tmp_path_factory.mktemp("synth") / "clean.wav")


@needs_espeak
def test_writes_16k_mono_pcm16_wav(clean: SynthResult) -> None:
    info = sf.info(clean.path)
    assert info.samplerate == 16_000
    assert info.channels == 1
    assert info.subtype == "PCM_16"
    assert info.format == "WAV"
    assert clean.duration_s > 0.5
    assert clean.duration_s == pytest.approx(info.frames / 16_000)
    assert np.max(np.abs(_read(clean.path))) > 0.05  # there is speech in it, not silence


@needs_espeak
def test_result_records_settings_used(clean: SynthResult) -> None:
    assert clean.voice == synth.DEFAULT_VOICE
    assert clean.speed == synth.DEFAULT_SPEED_WPM
    assert clean.pitch == synth.DEFAULT_PITCH
    assert clean.word_gap == synth.DEFAULT_WORD_GAP
    assert clean.noise_snr_db is None
    assert clean.noise is None
    assert clean.sample_rate == 16_000
    assert clean.synthetic is True


@needs_espeak
@pytest.mark.parametrize("colour", ["white", "pink"])
def test_noise_variant_differs_and_hits_snr(
    clean: SynthResult, tmp_path: Path, colour: synth.NoiseColour
) -> None:
    noisy = synthesize(TEXT, tmp_path / "noisy.wav", noise_snr_db=20.0, noise=colour, seed=1)
    assert noisy.noise_snr_db == 20.0
    assert noisy.noise == colour
    x, y = _read(clean.path), _read(noisy.path)
    assert x.shape == y.shape
    assert not np.array_equal(x, y)
    measured = 10 * np.log10(np.mean(x**2) / np.mean((y - x) ** 2))
    assert measured == pytest.approx(20.0, abs=0.5)


@needs_espeak
def test_loud_noise_never_clips(tmp_path: Path) -> None:
    res = synthesize(TEXT, tmp_path / "loud.wav", noise_snr_db=-5.0, seed=3)
    assert np.max(np.abs(_read(res.path))) < 1.0


@needs_espeak
def test_same_seed_is_deterministic(tmp_path: Path) -> None:
    a = synthesize(TEXT, tmp_path / "a.wav", noise_snr_db=10.0, noise="pink", seed=7)
    b = synthesize(TEXT, tmp_path / "b.wav", noise_snr_db=10.0, noise="pink", seed=7)
    c = synthesize(TEXT, tmp_path / "c.wav", noise_snr_db=10.0, noise="pink", seed=8)
    assert a.path.read_bytes() == b.path.read_bytes()
    assert a.path.read_bytes() != c.path.read_bytes()


@needs_espeak
def test_speed_and_pitch_change_the_audio(clean: SynthResult, tmp_path: Path) -> None:
    fast = synthesize(TEXT, tmp_path / "fast.wav", speed_wpm=clean.speed + 80)
    assert fast.duration_s < clean.duration_s
    high = synthesize(TEXT, tmp_path / "high.wav", pitch=90)
    assert high.path.read_bytes() != clean.path.read_bytes()


@needs_espeak
def test_creates_parent_folders_and_leaves_no_temp_files(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "er" / "clip.wav"
    res = synthesize("Hei.", out)
    assert res.path == out and out.is_file()
    assert sorted(p.name for p in out.parent.iterdir()) == ["clip.wav"]


@needs_espeak
def test_output_has_the_usual_file_mode(tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    res = synthesize("Hei.", tmp_path / "clip.wav")
    assert res.path.stat().st_mode == plain.stat().st_mode  # umask applies, not a 0600 temp mode


@needs_espeak
def test_text_is_not_interpreted_by_a_shell_or_as_options(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    text = f"--version; touch {canary} $(touch {canary}) `touch {canary}` | æøå"
    res = synthesize(text, tmp_path / "odd.wav")
    assert res.duration_s > 1.0
    assert not canary.exists()


@pytest.mark.parametrize("text", ["", "   \n\t"])
def test_empty_text_raises_input_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(InputError, match="empty"):
        synthesize(text, tmp_path / "empty.wav")
    assert not (tmp_path / "empty.wav").exists()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"voice": "-x"},
        {"voice": "nb; rm -rf /"},
        {"speed_wpm": 10},
        {"pitch": 100},
        {"word_gap": -1},
        {"noise_snr_db": float("nan")},
        {"noise": "brown"},
    ],
)
def test_bad_settings_raise_input_error(tmp_path: Path, kwargs: dict) -> None:
    with pytest.raises(InputError):
        synthesize(TEXT, tmp_path / "bad.wav", **kwargs)


@needs_espeak
def test_unknown_voice_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="espeak-ng --voices"):
        synthesize(TEXT, tmp_path / "x.wav", voice="zz-nonexistent")


def test_missing_espeak_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(synth, "ESPEAK", "espeak-ng-not-installed-here")
    with pytest.raises(SynthUnavailable, match="apt-get install espeak-ng") as err:
        synthesize(TEXT, tmp_path / "x.wav")
    assert isinstance(err.value, DiktatError)


def test_resample_keeps_a_tone() -> None:
    rate_in = 22_050
    t = np.arange(rate_in) / rate_in
    tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    out = synth._resample(tone, rate_in, SAMPLE_RATE)
    assert len(out) == SAMPLE_RATE
    expected = 0.5 * np.sin(2 * np.pi * 440 * np.arange(SAMPLE_RATE) / SAMPLE_RATE)
    assert np.max(np.abs(out - expected)) < 1e-3
