"""Bounded decoding (`load_audio(..., max_seconds=...)`): files that lie about their length are
decoded only up to the bound, whatever their header says, and the memory a decode takes stays
within a few bytes a sample of what it returns. Real FLAC and WAV files, built at test time."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from diktat.errors import InputError
from diktat.stt.audio import SAMPLE_RATE, AudioTooLong, load_audio, probe_duration
from tests.conftest import write_wav
from tests.crafted_audio import (
    flac_total_samples,
    pcm_wav_header_only_rate,
    set_flac_total_samples,
    silent_flac,
)

MB = 1024 * 1024


@pytest.fixture(scope="module")
def no_length_flac(tmp_path_factory):
    """Ten minutes of silence whose header says nothing of its length (total samples 0)."""
    path = silent_flac(tmp_path_factory.mktemp("bounds") / "no-length.flac", 600)
    return set_flac_total_samples(path, 0)


@pytest.fixture(scope="module")
def claims_one_second_flac(tmp_path_factory):
    """Ten minutes of silence whose header claims one second."""
    path = silent_flac(tmp_path_factory.mktemp("bounds") / "one-second.flac", 600)
    return set_flac_total_samples(path, SAMPLE_RATE)


def traced_peak(call):
    """Run `call` under tracemalloc (numpy's buffers are traced); its result or exception and
    the peak bytes it allocated."""
    tracemalloc.start()
    try:
        try:
            result = call()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            result = exc
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def test_a_header_without_length_is_decoded_only_up_to_the_bound(no_length_flac):
    assert flac_total_samples(no_length_flac) == 0
    assert no_length_flac.stat().st_size < 100_000  # ten minutes in a few kilobytes
    claimed = probe_duration(no_length_flac)
    assert claimed is None or claimed < 30  # the header does not give the length away
    error, peak = traced_peak(lambda: load_audio(no_length_flac, max_seconds=30))
    assert isinstance(error, AudioTooLong) and isinstance(error, InputError), error
    assert error.limit_s == 30 and error.seconds is None
    assert "at most 30 s" in str(error)
    # About 30 s of int16 (0.96 MB) plus one block; the whole file would be 19 MB as int16.
    assert peak < 30 * SAMPLE_RATE * 2 + 3 * MB, peak
    assert load_audio(no_length_flac).duration == pytest.approx(600, abs=0.1)  # no bound: all


def test_a_header_that_claims_one_second_does_not_lift_the_bound(claims_one_second_flac):
    assert probe_duration(claims_one_second_flac) == pytest.approx(1.0, abs=0.01)
    error, peak = traced_peak(lambda: load_audio(claims_one_second_flac, max_seconds=30))
    assert isinstance(error, AudioTooLong) and error.seconds is None, error
    assert peak < 30 * SAMPLE_RATE * 2 + 3 * MB, peak
    # What the file really holds: ten minutes.
    assert load_audio(claims_one_second_flac).duration == pytest.approx(600, abs=0.1)


def test_a_header_over_the_bound_is_refused_before_decoding(tmp_path):
    quiet = np.random.default_rng(0).normal(0, 0.01, 40 * SAMPLE_RATE)
    path = write_wav(tmp_path / "forty.wav", quiet)
    error, peak = traced_peak(lambda: load_audio(path, max_seconds=30))
    assert isinstance(error, AudioTooLong) and error.seconds == pytest.approx(40, abs=0.1)
    assert "40 s long" in str(error)
    assert peak < 1 * MB, peak  # nothing decoded
    assert load_audio(path, max_seconds=40.5).duration == pytest.approx(40, abs=0.01)


def test_a_frame_at_a_tiny_sample_rate_is_refused_before_it_is_resampled(tmp_path):
    """FLAC at 1 Hz: each 4,096-sample frame is 4,096 s, which the resampler would turn into
    131 MB of 16 kHz int16 in one call (1.25 GB peak with the output check alone). The frame's
    own length is checked against the bound before it is resampled. Measured in a fresh process
    (FFmpeg's buffers are not traced by tracemalloc)."""
    path = silent_flac(tmp_path / "1hz.flac", 200_000, rate=1, block_s=200_000)
    set_flac_total_samples(path, 0)
    assert path.stat().st_size < 2_000  # 55 hours in under 2 kB
    script = (
        "import resource, sys\n"
        "from diktat.stt.audio import AudioTooLong, load_audio\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        "    load_audio(sys.argv[1], max_seconds=30)\n"
        "except AudioTooLong:\n"
        "    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    run = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.strip(), run.stderr
    assert int(run.stdout) * 1024 < 50 * MB, f"{int(run.stdout) / 1024:.0f} MB"


def test_a_huge_sample_rate_is_refused_before_the_resampler_builds_its_filter(tmp_path):
    """A WAV whose header claims 25 MHz (a few kB): the resampler's filter grows with the ratio
    to 16 kHz, so it took 2 s and 200 MB (200 MHz: 14 s and 1.6 GB) to decode nothing. Rates
    over the bound are refused as the first frame arrives. Measured in a fresh process."""
    from diktat.stt.audio import MAX_SAMPLE_RATE

    path = pcm_wav_header_only_rate(tmp_path / "25mhz.wav", 25_000_016, 4096)
    script = (
        "import resource, sys\n"
        "from diktat.errors import InputError\n"
        "from diktat.stt.audio import AudioTooLong, load_audio\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "for bound in (30, None):\n"
        "    try:\n"
        "        load_audio(sys.argv[1], max_seconds=bound)\n"
        "    except AudioTooLong:\n"
        "        raise\n"
        "    except InputError as exc:\n"
        "        print(exc)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    run = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    *errors, grown = run.stdout.strip().splitlines()
    assert len(errors) == 2 and all("sample rate 25000016 Hz" in e for e in errors), errors
    assert int(grown) * 1024 < 50 * MB, f"{int(grown) / 1024:.0f} MB"
    # High but real rates still decode.
    for rate in (192_000, MAX_SAMPLE_RATE):
        wav = pcm_wav_header_only_rate(tmp_path / f"{rate}.wav", rate, rate // 10)
        assert load_audio(wav, max_seconds=30).duration == pytest.approx(0.1, abs=0.01)


def test_the_float32_result_costs_at_most_6_bytes_a_sample_while_decoding(tmp_path):
    """int16 while decoding (2 bytes a sample), then the float32 result (4) filled block by
    block: the peak stays near 6 bytes a sample (it was 10: int16 pieces, their int16 join, a
    float32 copy and a float32 quotient), and the samples are the file's exactly."""
    seconds = 300
    t = np.arange(seconds * SAMPLE_RATE) / SAMPLE_RATE
    path = write_wav(tmp_path / "tone.wav", 0.3 * np.sin(2 * np.pi * 440 * t))
    del t
    audio, peak = traced_peak(lambda: load_audio(path, max_seconds=seconds + 1))
    n = seconds * SAMPLE_RATE
    assert len(audio.samples) == n and audio.samples.dtype == np.float32
    assert peak < 6 * n + 3 * MB, f"{peak / n:.1f} bytes a sample"
    pcm, _ = sf.read(str(path), dtype="int16")
    np.testing.assert_array_equal(audio.samples, pcm.astype(np.float32) / 32768.0)
