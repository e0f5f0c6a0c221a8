"""Audio sources: file replay, raw PCM pipes, resampling, level, and the real microphone path
through a private PulseAudio server (a null sink fed by paplay, recorded from its monitor)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from diktat.errors import InputError
from diktat.stt.audio import load_audio
from diktat.stt.streaming.sources import (
    FileSource,
    MicrophoneSource,
    MicrophoneUnavailable,
    PcmStreamSource,
    Resampler,
    level_dbfs,
)
from tests.conftest import write_wav


def sine(freq: float, seconds: float, rate: int = 16_000, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def peak_hz(samples: np.ndarray, rate: int = 16_000) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[np.argmax(spectrum)])


def test_level_dbfs():
    assert level_dbfs(sine(440, 1.0, amplitude=1.0)) == pytest.approx(-3.01, abs=0.05)
    assert level_dbfs(sine(440, 1.0, amplitude=0.1)) == pytest.approx(-23.01, abs=0.05)
    assert level_dbfs(np.zeros(1600, np.float32)) == -90.0
    assert level_dbfs(np.zeros(0, np.float32)) == -90.0


def test_file_source_yields_the_decoded_file_in_chunks(tmp_path):
    path = write_wav(tmp_path / "tone.wav", sine(440, 1.05))
    chunks = list(FileSource(path, chunk_s=0.1).chunks())
    assert [len(c) for c in chunks] == [1600] * 10 + [800]
    assert all(c.dtype == np.float32 for c in chunks)
    np.testing.assert_array_equal(np.concatenate(chunks), load_audio(path).samples)


def test_file_source_realtime_releases_each_chunk_when_it_has_been_spoken(tmp_path):
    path = write_wav(tmp_path / "tone.wav", sine(440, 0.5))
    now = [100.0]
    released = []

    def sleep(seconds):
        now[0] += seconds

    for _ in FileSource(path, chunk_s=0.1, realtime=True, clock=lambda: now[0],
                        sleep=sleep).chunks():
        released.append(round(now[0] - 100.0, 6))
    assert released == [0.1, 0.2, 0.3, 0.4, 0.5]


def test_file_source_errors_name_the_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        next(FileSource(tmp_path / "borte.wav").chunks())
    bad = tmp_path / "tekst.wav"
    bad.write_text("ikke lyd", encoding="utf-8")
    with pytest.raises(InputError, match="tekst.wav"):
        next(FileSource(bad).chunks())


def test_pcm_pipe_source_reads_a_real_pipe_in_uneven_pieces():
    signal = sine(300, 1.0)
    pcm = (signal * 32767).round().astype("<i2").tobytes()
    read_fd, write_fd = os.pipe()

    def writer():
        with os.fdopen(write_fd, "wb") as w:
            for start in range(0, len(pcm), 777):  # odd sizes split samples across reads
                w.write(pcm[start : start + 777])
                w.flush()

    thread = threading.Thread(target=writer)
    thread.start()
    with os.fdopen(read_fd, "rb", buffering=0) as r:
        got = np.concatenate(list(PcmStreamSource(r, chunk_s=0.05).chunks()))
    thread.join()
    np.testing.assert_allclose(got, signal, atol=1 / 32767)


def test_pcm_pipe_source_resamples_other_rates(tmp_path):
    signal = sine(300, 2.0, rate=8000)
    path = tmp_path / "raw.pcm"
    path.write_bytes((signal * 32767).round().astype("<i2").tobytes())
    with open(path, "rb") as f:
        got = np.concatenate(list(PcmStreamSource(f, rate=8000).chunks()))
    assert abs(len(got) - 32_000) <= 64
    assert peak_hz(got) == pytest.approx(300, abs=2)


@pytest.mark.parametrize("rate", [44_100, 48_000, 22_050])
def test_streaming_resampler_keeps_length_and_pitch(rate):
    signal = sine(1000, 3.0, rate=rate)
    resample = Resampler(rate)
    block = round(0.1 * rate)
    parts = [resample(signal[i : i + block]) for i in range(0, len(signal), block)]
    got = np.concatenate([*parts, resample.flush()])
    assert abs(len(got) - 48_000) <= 32
    assert peak_hz(got) == pytest.approx(1000, abs=2)
    assert level_dbfs(got[1000:-1000]) == pytest.approx(level_dbfs(signal), abs=0.2)


def test_resampler_passes_16k_through_unchanged():
    signal = sine(440, 0.2)
    np.testing.assert_array_equal(Resampler(16_000)(signal), signal)


def test_missing_sounddevice_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import raises ImportError
    with pytest.raises(MicrophoneUnavailable, match=r"pip install 'diktat\[mic\]'"):
        MicrophoneSource()


def test_unknown_input_device_is_a_clear_error():
    pytest.importorskip("sounddevice", reason="sounddevice/PortAudio not installed")
    with pytest.raises(MicrophoneUnavailable, match="no input device 'finnes-ikke-123'"):
        MicrophoneSource("finnes-ikke-123")


# --- the real microphone path: PulseAudio null sink → virtual source → sounddevice ------------


@pytest.fixture
def pulse_mic(tmp_path_factory):
    """A private PulseAudio server whose default source plays back what is sent to `mic_feed`.
    Yields the environment for paplay; skips with the reason when no server can run here."""
    for tool in ("pulseaudio", "paplay", "pactl"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (apt-get install pulseaudio pulseaudio-utils)")
    sd = pytest.importorskip("sounddevice", reason="sounddevice/PortAudio not installed")
    runtime = tmp_path_factory.mktemp("pulse")
    runtime.chmod(0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime),
           "PULSE_SERVER": f"unix:{runtime}/pulse/native"}
    start = subprocess.run(
        ["pulseaudio", "-D", "--exit-idle-time=-1", "-n",
         "--load=module-native-protocol-unix",
         "--load=module-null-sink sink_name=mic_feed",
         "--load=module-virtual-source source_name=virtmic master=mic_feed.monitor"],
        env=env, capture_output=True, text=True, timeout=30,
    )
    if start.returncode != 0:
        pytest.skip(f"cannot start a private PulseAudio server: {start.stderr.strip()[-300:]}")
    old = {k: os.environ.get(k) for k in ("XDG_RUNTIME_DIR", "PULSE_SERVER")}
    try:
        subprocess.run(["pactl", "set-default-source", "virtmic"], env=env, check=True,
                       timeout=10)
        os.environ.update({k: env[k] for k in old})
        sd._terminate()  # PortAudio lists devices once; list them again with the server up
        sd._initialize()
        yield env
    finally:
        subprocess.run(["pulseaudio", "--kill"], env=env, timeout=30, check=False)
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        sd._terminate()
        sd._initialize()


@pytest.mark.slow
@pytest.mark.speech
def test_microphone_records_real_speech_through_pulseaudio(pulse_mic, npsc_dir, engine):
    """An NPSC clip played into the null sink, recorded with MicrophoneSource (device rate
    44.1 kHz, resampled), is transcribed as well as the file itself."""
    clip = npsc_dir / "norwegian-medium-8s.16k.wav"
    mic = MicrophoneSource("pulse")
    assert mic.device_rate != 16_000  # the resampling path is the one under test
    chunks = mic.chunks()
    captured = [next(chunks)]  # the stream is open: start talking
    player = subprocess.Popen(["paplay", "--device=mic_feed", str(clip)], env=pulse_mic)
    try:
        done_at = None
        for chunk in chunks:
            captured.append(chunk)
            if done_at is None and player.poll() is not None:
                done_at = time.monotonic()
            if done_at is not None and time.monotonic() - done_at > 0.5:
                break
    finally:
        chunks.close()
        player.wait(timeout=30)
    assert player.returncode == 0
    audio = np.concatenate(captured)
    assert len(audio) / 16_000 > 8.0
    assert level_dbfs(audio) > -40  # it heard the speech, not silence
    from diktat.stt.options import DecodeOptions

    text = engine.transcribe(audio, DecodeOptions()).text.lower()
    assert "som har vært" in text and "tatt" in text
