"""Streaming recognition through the real model on real audio, fed as fast as it decodes.

The processor and the VAD gate get audio in 0.5 s chunks with `process_iter` after each one,
as a live stream would deliver it (without waiting for the wall clock; bench/bench_streaming.py
measures latency in real time).
"""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

from diktat.stt.audio import SAMPLE_RATE, load_audio
from diktat.stt.options import DecodeOptions
from diktat.stt.streaming import StreamEvent, StreamingOptions, StreamingProcessor, VadGate
from diktat.types import Segment, Word
from tests.conftest import SHARED, norwegian_wer

KING = SHARED / "data" / "speech" / "king" / "king.mp3"
CHUNK_S = 0.5
FIRST = "Pasienten sov godt i natt."
SECOND = "Blodtrykket var hundre og førti over åtti."


def stream(streamer, samples: np.ndarray) -> list[StreamEvent]:
    chunk = round(CHUNK_S * SAMPLE_RATE)
    events: list[StreamEvent] = []
    for at in range(0, len(samples), chunk):
        streamer.insert_audio_chunk(samples[at : at + chunk])
        events += streamer.process_iter()
    return events + streamer.finish()


def assert_append_only(events: list[StreamEvent]) -> None:
    """Committed words only ever extend the text, and each final is exactly what was committed
    for its utterance since the previous final."""
    utterance: list = []
    last_end = 0.0
    for e in events:
        if e.kind == "committed":
            assert e.words, "a committed event carries words"
            for w in e.words:
                assert w.start >= last_end - 1e-6 and w.end >= w.start
                last_end = w.end
            utterance += e.words
        elif e.kind == "final":
            assert list(e.words) == utterance
            utterance = []
    assert not utterance, "every committed word ends up in a final"


def assert_same_speech(offline: str, streamed: str, *, max_wer: float, record_property) -> None:
    """The streamed text says what the offline transcription of the same audio says.

    Greedy streaming on Whisper base turns the small differences between CPUs' int8 kernels
    into other spellings, so the WER bound is loose (spread in each caller's comment; `make
    test-cpu-matrix` measures it). The word count is steadier: speech dropped or repeated by
    the streamer moves it, a misspelt word does not."""
    measured = norwegian_wer(offline, streamed)
    ratio = len(streamed.split()) / max(1, len(offline.split()))
    record_property("wer", measured)
    record_property("words", ratio)
    assert measured <= max_wer, (offline, streamed)
    assert 0.8 <= ratio <= 1.25, (offline, streamed)


def offline_text(engine, samples: np.ndarray) -> str:
    """The offline transcription to stream towards, without the temperature fallback's random
    sampling, so that on one CPU it is the same every run."""
    return engine.transcribe(samples, DecodeOptions(temperatures=(0.0,))).text


def final_text(events: list[StreamEvent]) -> str:
    return " ".join(e.text for e in events if e.kind == "final")


@pytest.fixture(scope="module")
def king_30s() -> np.ndarray:
    if not KING.exists():
        pytest.skip(f"real Norwegian speech (king) not available: {KING} is absent")
    return load_audio(KING).samples[: 30 * SAMPLE_RATE]


@pytest.mark.slow
@pytest.mark.speech
def test_npsc_clip_streams_to_the_offline_text(engine, npsc_dir, record_property):
    samples = load_audio(npsc_dir / "norwegian-medium-8s.16k.wav").samples
    events = stream(StreamingProcessor(engine), samples)
    assert_append_only(events)
    finals = [e for e in events if e.kind == "final"]
    assert len(finals) == 1
    # WER against offline, by CPU path (make test-cpu-matrix): 0.21 (oneDNN default on AVX2,
    # AVX2, AVX), 0.29 (SSE4.1), 0.36 (MKL), 0.43 (an AVX-512 VNNI EPYC, issue 14); 20 words,
    # so 0.05 a word. Word-count ratio 0.93–1.00.
    assert_same_speech(offline_text(engine, samples), finals[0].text, max_wer=0.5,
                       record_property=record_property)


@pytest.mark.slow
@pytest.mark.speech
def test_king_streams_partial_then_committed_then_final_text(engine, king_30s, record_property):
    events = stream(StreamingProcessor(engine), king_30s)
    assert_append_only(events)
    while_speaking = events[:-2]  # finish() returns the last commit and the final
    assert any(e.kind == "tentative" and e.words for e in while_speaking)
    committed_early = [w for e in while_speaking if e.kind == "committed" for w in e.words]
    assert len(committed_early) >= 20, "most of the text is committed while audio still arrives"
    # WER against offline, by CPU path: 0.38 (oneDNN default on AVX2, AVX2), 0.50 (MKL), 0.51
    # (AVX, SSE4.1), 0.55 (an AVX-512 VNNI EPYC, issue 14); word-count ratio 1.05–1.15.
    # Streaming decodes short windows greedily where offline decodes 30 s windows with beam 5:
    # issue 19 is about closing that gap.
    assert_same_speech(offline_text(engine, king_30s), final_text(events), max_wer=0.65,
                       record_property=record_property)


@pytest.mark.slow
@pytest.mark.speech
def test_digital_silence_yields_nothing(engine):
    processor = StreamingProcessor(engine)
    assert stream(processor, np.zeros(5 * SAMPLE_RATE, dtype=np.float32)) == []


def room_noise(seconds: float, seed: int = 0) -> np.ndarray:
    """Pink-ish background noise at about -45 dBFS with a faint mains hum."""
    rng = np.random.default_rng(seed)
    n = round(seconds * SAMPLE_RATE)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.fft.rfftfreq(n, 1 / SAMPLE_RATE), 20.0))
    noise = np.fft.irfft(spectrum, n)
    noise *= 10 ** (-45 / 20) / np.sqrt(np.mean(noise**2))
    hum = 10 ** (-55 / 20) * np.sin(2 * np.pi * 50 * np.arange(n) / SAMPLE_RATE)
    return (noise + hum).astype(np.float32)


def breaths(seconds: float, seed: int = 1) -> np.ndarray:
    """Breath-like bursts: band-limited noise, 0.7 s in and 0.9 s out, over room noise."""
    rng = np.random.default_rng(seed)
    n = round(seconds * SAMPLE_RATE)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)
    spectrum[(freqs < 200) | (freqs > 3000)] = 0
    hiss = np.fft.irfft(spectrum, n)
    hiss *= 10 ** (-30 / 20) / np.sqrt(np.mean(hiss**2))
    t = np.arange(n) / SAMPLE_RATE
    envelope = np.clip(np.sin(2 * np.pi * t / 2.5), 0, None) ** 2
    return (hiss * envelope + room_noise(seconds, seed)).astype(np.float32)


@pytest.mark.slow
@pytest.mark.speech
@pytest.mark.parametrize("make_noise", [room_noise, breaths], ids=["room", "breathing"])
def test_noise_and_breathing_through_the_gate_yield_no_text(engine, make_noise):
    processor = StreamingProcessor(engine)
    events = stream(VadGate(processor), make_noise(6.0))
    assert [e for e in events if e.words] == []


@pytest.mark.slow
@pytest.mark.speech
def test_a_pause_between_two_sentences_gives_two_finals(engine, espeak, synth_dir):
    from diktat.eval.synth import synthesize

    first = synthesize(FIRST, synth_dir / "first.wav")
    second = synthesize(SECOND, synth_dir / "second.wav")
    a, b = (load_audio(r.path).samples for r in (first, second))
    gap = np.zeros(2 * SAMPLE_RATE, dtype=np.float32)
    samples = np.concatenate([a, gap, b, gap[: SAMPLE_RATE // 2]])
    processor = StreamingProcessor(engine)
    events = stream(VadGate(processor), samples)
    assert_append_only(events)
    finals = [e for e in events if e.kind == "final"]
    assert len(finals) == 2, json.dumps([e.text for e in finals], ensure_ascii=False)
    first_end = len(a) / SAMPLE_RATE
    assert finals[0].end <= first_end + 0.3
    assert finals[1].start >= first_end + gap.size / SAMPLE_RATE - 0.5
    assert all(f.text for f in finals)


def stream_in_real_time(streamer, samples: np.ndarray, chunk_s: float = 0.1) -> list[StreamEvent]:
    """Hand over `chunk_s` chunks at the pace of the wall clock, as a microphone would."""
    chunk = round(chunk_s * SAMPLE_RATE)
    events: list[StreamEvent] = []
    started = time.perf_counter()
    for i, at in enumerate(range(0, len(samples), chunk)):
        time.sleep(max(0.0, started + i * chunk_s - time.perf_counter()))
        streamer.insert_audio_chunk(samples[at : at + chunk])
        events += streamer.process_iter()
    return events + streamer.finish()


@pytest.mark.slow
@pytest.mark.speech
@pytest.mark.timing
def test_live_pace_with_two_decodes_at_once_streams_to_the_offline_text(
    engine, espeak, synth_dir, record_property
):
    """Live dictation decodes in the background on two workers (the session engine has two):
    the closing decode of each utterance overlaps the regular one in flight."""
    from diktat.eval.synth import synthesize

    first = synthesize(FIRST, synth_dir / "first.wav")
    second = synthesize(SECOND, synth_dir / "second.wav")
    a, b = (load_audio(r.path).samples for r in (first, second))
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    samples = np.concatenate([a, gap, b, gap])
    overlapping = ConcurrencyProbe(engine)
    processor = StreamingProcessor(overlapping, StreamingOptions(parallel_decodes=2))
    gate = VadGate(processor)
    try:
        events = stream_in_real_time(gate, samples)
    finally:
        gate.close()
    assert_append_only(events)
    finals = [e.text for e in events if e.kind == "final"]
    assert len(finals) == 2, json.dumps(finals, ensure_ascii=False)
    # WER against offline, by CPU path: 0.30–0.40 (oneDNN default on AVX2, AVX2, AVX), 0.60
    # (SSE4.1, MKL: slower decodes also move the windows); ten words, so 0.1 a word; word-count
    # ratio 1.00 on every path.
    assert_same_speech(offline_text(engine, samples), " ".join(finals), max_wer=0.7,
                       record_property=record_property)
    assert overlapping.most_at_once == 2


class ConcurrencyProbe:
    """Passes decodes through and counts how many ran at once."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.workers = 2
        self.most_at_once = 0
        self._running = 0
        self._lock = threading.Lock()

    def decode_window(self, samples, opts, *, max_new_tokens=None):
        with self._lock:
            self._running += 1
            self.most_at_once = max(self.most_at_once, self._running)
        try:
            return self.inner.decode_window(samples, opts, max_new_tokens=max_new_tokens)
        finally:
            with self._lock:
                self._running -= 1


# --- The buffering, timing and gating logic, with a fake recogniser (no model) ---------------

WORD_S = 0.5  # the fake "says" one word per 0.5 s block of constant, non-zero audio


class BlockRecogniser:
    """Reads every run of constant non-zero audio as the word "w<level>", exactly timed."""

    def __init__(self) -> None:
        self.windows: list[float] = []  # length of every decoded window, seconds

    def decode_window(self, samples, opts, *, max_new_tokens=None):
        self.windows.append(len(samples) / SAMPLE_RATE)
        bounds = [0, *(np.flatnonzero(np.diff(samples)) + 1), len(samples)]
        words = tuple(
            Word(start=a / SAMPLE_RATE, end=b / SAMPLE_RATE,
                 text=f" w{round(float(samples[a]) * 100)}", probability=0.9)
            for a, b in zip(bounds, bounds[1:], strict=False)
            if samples[a] > 0
        )
        if not words:
            return []
        text = "".join(w.text for w in words)
        return [Segment(start=words[0].start, end=words[-1].end, text=text, words=words)]


def spoken(*levels: int) -> np.ndarray:
    """Blocks of constant audio, one per word; level 0 is silence."""
    block = round(WORD_S * SAMPLE_RATE)
    return np.concatenate([np.full(block, lv / 100, dtype=np.float32) for lv in levels])


def loud_frames(samples: np.ndarray) -> np.ndarray:
    """A fake VAD: a 512-sample frame is speech when it is not silent."""
    return (np.abs(samples.reshape(-1, 512)).max(axis=1) > 0).astype(np.float32)


def test_words_are_committed_once_two_decodes_agree_and_final_at_finish():
    processor = StreamingProcessor(BlockRecogniser())
    events = stream(processor, spoken(1, 2, 3, 4))
    assert_append_only(events)
    assert [e.text for e in events if e.kind == "final"] == ["w1 w2 w3 w4"]
    first_commit = next(e for e in events if e.kind == "committed")
    assert first_commit.text == "w1"


def test_a_long_utterance_is_trimmed_so_each_decode_stays_short():
    recogniser = BlockRecogniser()
    options = StreamingOptions(trim_after_s=2.0, max_buffer_s=3.0)
    events = stream(StreamingProcessor(recogniser, options), spoken(*range(1, 25)))
    assert_append_only(events)
    assert [e.text for e in events if e.kind == "final"] == [
        " ".join(f"w{i}" for i in range(1, 25))
    ]
    assert max(recogniser.windows) <= 3.5, "the buffer never grows past max_buffer_s + a chunk"


def test_the_gate_skips_silence_and_keeps_stream_times():
    recogniser = BlockRecogniser()
    gate = VadGate(StreamingProcessor(recogniser), speech_probabilities=loud_frames)
    audio = spoken(0, 0, 0, 0, 5, 6, 7, 0, 0, 0, 0, 0, 0, 8, 9, 0, 0)
    events = stream(gate, audio)
    assert_append_only(events)
    finals = [e for e in events if e.kind == "final"]
    assert [f.text for f in finals] == ["w5 w6 w7", "w8 w9"]
    assert finals[0].start == pytest.approx(2.0, abs=0.05)
    assert finals[1].start == pytest.approx(6.5, abs=0.05)
    assert max(recogniser.windows) < 3.0, "a window holds one utterance, not the silence"


def test_the_gate_decodes_nothing_on_silence():
    recogniser = BlockRecogniser()
    gate = VadGate(StreamingProcessor(recogniser), speech_probabilities=loud_frames)
    assert stream(gate, spoken(*[0] * 20)) == []
    assert recogniser.windows == []


def test_the_final_comes_from_the_decode_made_while_the_pause_began():
    recogniser = BlockRecogniser()
    gate = VadGate(StreamingProcessor(recogniser), speech_probabilities=loud_frames)
    for piece in (spoken(5, 6, 7), spoken(0)[:3200]):  # speech, then 0.2 s of pause
        gate.insert_audio_chunk(piece)
        gate.process_iter()
    decodes = len(recogniser.windows)
    gate.insert_audio_chunk(spoken(0, 0))  # the pause lasts
    events = gate.process_iter()
    assert [e.kind for e in events][-1] == "final"
    assert len(recogniser.windows) == decodes, "no decode between the pause and the final"


def test_after_a_short_pause_the_previous_utterance_is_context_and_not_committed_again():
    recogniser = BlockRecogniser()
    gate = VadGate(StreamingProcessor(recogniser), speech_probabilities=loud_frames)
    events = stream(gate, spoken(5, 6, 7, 0, 0, 8, 9, 0, 0))
    assert_append_only(events)
    assert [e.text for e in events if e.kind == "final"] == ["w5 w6 w7", "w8 w9"]
    assert max(recogniser.windows) >= 3.0, "the second utterance was decoded with the first"


class Babbler(BlockRecogniser):
    """Never says the same thing twice, so nothing is ever agreed on."""

    def decode_window(self, samples, opts, *, max_new_tokens=None):
        self.windows.append(len(samples) / SAMPLE_RATE)
        end = len(samples) / SAMPLE_RATE
        word = Word(start=end - 0.4, end=end, text=f" b{len(self.windows)}", probability=0.5)
        return [Segment(start=word.start, end=word.end, text=word.text, words=(word,))]


def test_the_buffer_stays_bounded_when_decodes_never_agree():
    babbler = Babbler()
    options = StreamingOptions(trim_after_s=2.0, max_buffer_s=3.0)
    stream(StreamingProcessor(babbler, options), spoken(*range(1, 41)))
    assert max(babbler.windows) <= 3.5


class HeldRecogniser(BlockRecogniser):
    """A BlockRecogniser whose decodes run in the background and finish only when released."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[threading.Event] = []
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Condition()

    def decode_window(self, samples, opts, *, max_new_tokens=None):
        release = threading.Event()
        with self._lock:
            self.held.append(release)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            self._lock.notify_all()
        try:
            assert release.wait(10), "a test never released this decode"
            return super().decode_window(samples, opts, max_new_tokens=max_new_tokens)
        finally:
            with self._lock:
                self.running -= 1

    def release_later(self, order: list[int]) -> threading.Thread:
        """Once len(order) decodes have started, let them finish in `order`."""

        def run() -> None:
            with self._lock:
                self._lock.wait_for(lambda: len(self.held) >= len(order), timeout=10)
            for i in order:
                time.sleep(0.05)
                self.held[i].set()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread


def test_parallel_decodes_keep_a_worker_for_the_closing_decode_and_keep_their_order():
    recogniser = HeldRecogniser()
    processor = StreamingProcessor(recogniser, StreamingOptions(parallel_decodes=2))
    processor.insert_audio_chunk(spoken(1, 2))
    assert processor.process_iter() == []  # decode 1 runs; the call does not wait for it
    processor.insert_audio_chunk(spoken(3))
    assert processor.process_iter() == []  # no second regular decode: that worker is kept
    assert len(recogniser.held) <= 1
    releasing = recogniser.release_later([1, 0])  # the later decode finishes first
    events = processor.process_iter(force=True)  # the closing decode takes the kept worker
    releasing.join()
    assert recogniser.most_at_once == 2
    assert [(e.kind, e.text) for e in events] == [
        ("tentative", "w1 w2"), ("committed", "w1 w2"), ("tentative", "w3"),
    ]
    events = processor.end_utterance()
    assert [(e.kind, e.text) for e in events] == [("committed", "w3"), ("final", "w1 w2 w3")]
    assert len(recogniser.windows) == 2, "the closing decode saw all the audio: no third"
    processor.close()


def test_ending_an_utterance_waits_for_the_decode_in_flight():
    recogniser = HeldRecogniser()
    processor = StreamingProcessor(recogniser, StreamingOptions(parallel_decodes=2))
    processor.insert_audio_chunk(spoken(4, 5))
    assert processor.process_iter() == []
    recogniser.release_later([0])
    events = processor.end_utterance()
    assert [(e.kind, e.text) for e in events][-1] == ("final", "w4 w5")
    assert len(recogniser.windows) == 1
    processor.close()


def test_while_decodes_lag_a_too_long_buffer_waits_for_them_instead_of_growing():
    recogniser = HeldRecogniser()
    options = StreamingOptions(parallel_decodes=2, trim_after_s=2.0, max_buffer_s=3.0)
    processor = StreamingProcessor(recogniser, options)
    processor.insert_audio_chunk(spoken(1, 2))
    assert processor.process_iter() == []  # decode 1 runs in the background
    processor.insert_audio_chunk(spoken(3, 4, 5, 6, 7))  # 3 s buffer exceeded while it runs
    recogniser.release_later([0])
    events = processor.process_iter()  # waits for decode 1 rather than taking more audio
    assert [(e.kind, e.text) for e in events] == [("tentative", "w1 w2")]
    recogniser.release_later([0, 1])
    assert processor.end_utterance()[-1].text == "w1 w2 w3 w4 w5 w6 w7"
    processor.close()
