"""The live sessions a server admits and their bounded lag: the capacity rule, the load meter
and the processor's lag ceiling (pure logic, a scripted decoder); the shared engine's batching
of windows from several sessions (a recording stand-in engine: what it is given, not what it
hears); and the refusal of a session over capacity by a real server."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import numpy as np
import pytest

from diktat.server.engine import LoadMeter, SharedEngine, live_capacity
from diktat.stt.engine import WindowRequest
from diktat.stt.options import DecodeOptions
from diktat.stt.streaming.processor import StreamingOptions, StreamingProcessor
from diktat.types import Segment, Word
from tests.server_helpers import running_server, server_settings
from tests.test_store_faults import FakeEngine


def _meter(window_s: float | None, document_rtf: float = 0.0,
           delays: tuple[float, ...] = ()) -> LoadMeter:
    meter = LoadMeter()
    meter.window_s, meter.document_rtf = window_s, document_rtf
    for delay in delays:
        meter.record(delay)
    return meter


def test_capacity_is_the_limit_before_anything_was_measured():
    assert live_capacity(sessions=0, meter=_meter(None), workers=2, ceiling_s=10, limit=8) == 8


def test_capacity_is_what_the_workers_pay_for_within_the_ceiling():
    # A 1 s window every (10 - 1) / 2 = 4.5 s: 0.22 worker-seconds a second; 2 x 0.9 pays 8.
    assert live_capacity(sessions=0, meter=_meter(1.0), workers=2, ceiling_s=10, limit=16) == 8
    # The document decode at 0.25 s per second of audio: 0.47 a session, 3 sessions.
    assert live_capacity(sessions=0, meter=_meter(1.0, 0.25), workers=2, ceiling_s=10,
                         limit=16) == 3
    # A tighter ceiling, decodes more often, fewer sessions; never above max_streams.
    assert live_capacity(sessions=0, meter=_meter(1.0), workers=2, ceiling_s=4, limit=16) == 2
    assert live_capacity(sessions=0, meter=_meter(0.1), workers=2, ceiling_s=10, limit=8) == 8


def test_one_session_is_always_admitted_on_a_slow_engine():
    assert live_capacity(sessions=0, meter=_meter(3.0, 1.5), workers=1, ceiling_s=10,
                         limit=8) == 1


def test_no_new_session_while_the_running_ones_wait_longer_than_their_interval():
    # Room for 8 on paper, but the 3 running wait 5 s for a decode due every 4.5 s.
    meter = _meter(1.0, delays=(5.0, 5.5, 4.8))
    assert live_capacity(sessions=3, meter=meter, workers=2, ceiling_s=10, limit=16) == 3
    # ... and those admitted keep their place.
    assert live_capacity(sessions=5, meter=_meter(3.0, 1.0), workers=2, ceiling_s=10,
                         limit=16) == 5


def test_load_meter_counts_only_the_recent_windows():
    meter = LoadMeter(recent_s=30.0)
    assert meter.delay_s() is None and not meter.calibrated
    for at, delay in ((90.0, 3.0), (95.0, 1.0), (99.0, 2.0)):
        meter.record(delay, now=at)
    assert meter.delay_s(now=100.0) == 2.0
    assert meter.delay_s(now=200.0) is None  # the windows are older than 30 s


class RecordingEngine:
    """Stands in for Whisper: returns one word naming the window's first sample and records
    how the shared engine handed the windows over (batches, not singles)."""

    model_id = "recording"
    model_sha256 = None
    workers = 1

    def __init__(self, pause_s: float = 0.2) -> None:
        self.pause_s = pause_s
        self.calls: list[list[float]] = []
        self._lock = threading.Lock()

    def transcribe(self, samples, opts):  # pragma: no cover - not used here
        raise AssertionError("no transcribe here")

    def decode_window(self, samples, opts, *, max_new_tokens=None):
        return self.decode_windows([WindowRequest(samples, opts, max_new_tokens)])[0]

    def decode_windows(self, requests):
        time.sleep(self.pause_s)
        with self._lock:
            self.calls.append([float(r.samples[0]) for r in requests])
        return [[Segment(start=0, end=1, text=f"w{r.samples[0]:g}",
                         words=(Word(start=0, end=1, text=f"w{r.samples[0]:g}",
                                     probability=1.0),))]
                for r in requests]


def _decode_together(shared: SharedEngine, opts_of: dict[int, DecodeOptions]) -> dict[int, str]:
    texts: dict[int, str] = {}

    def one(i: int) -> None:
        segments = shared.decode_window(np.full(1600, float(i), dtype=np.float32), opts_of[i])
        texts[i] = segments[0].text

    threads = [threading.Thread(target=one, args=(i,)) for i in opts_of]
    for thread in threads:
        thread.start()
        time.sleep(0.01)
    for thread in threads:
        thread.join()
    return texts


def test_windows_waiting_together_are_decoded_in_one_call_each_getting_its_own_result():
    engine = RecordingEngine()
    shared = SharedEngine(engine, window_batch=8)
    try:
        opts = DecodeOptions()
        texts = _decode_together(shared, {i: opts for i in range(1, 6)})
    finally:
        assert shared.close()
    assert texts == {i: f"w{i}" for i in range(1, 6)}
    # The first window(s) found the engine idle; those that queued behind went in one call.
    assert len(engine.calls) == 2 and sorted(engine.calls[0] + engine.calls[1]) == [1, 2, 3, 4, 5]
    assert list(shared.batches) == [len(c) for c in engine.calls]
    assert shared.load.delay_s() is not None


def test_batches_are_capped_and_never_mix_vocabularies():
    engine = RecordingEngine()
    shared = SharedEngine(engine, window_batch=2)
    try:
        plain, own = DecodeOptions(), DecodeOptions(hotwords="Marevan Albyl-E")
        texts = _decode_together(shared, {1: plain, 2: own, 3: plain, 4: own, 5: plain})
    finally:
        assert shared.close()
    assert texts == {i: f"w{i}" for i in range(1, 6)}
    assert all(len(call) <= 2 for call in engine.calls)
    vocabulary = {1: "plain", 2: "own", 3: "plain", 4: "own", 5: "plain"}
    for call in engine.calls:
        assert len({vocabulary[int(x)] for x in call}) == 1, engine.calls


def test_a_failing_batch_reaches_every_session_in_it():
    class Broken(RecordingEngine):
        def decode_windows(self, requests):
            time.sleep(self.pause_s)
            raise RuntimeError("engine fault")

    shared = SharedEngine(Broken(), window_batch=8)
    with pytest.raises(RuntimeError, match="engine fault"):
        shared.decode_window(np.ones(160, dtype=np.float32), DecodeOptions())
    assert shared.close()


def test_a_server_over_its_live_capacity_refuses_the_next_session(tmp_path):
    """The engine measured a 3 s window and a document decode at half real time on one
    worker: within the 10 s ceiling one session fits, so the second is refused with 1013 and
    the reason, and admitted once the first has finished."""
    import websockets

    with running_server(server_settings(tmp_path, max_streams=8, live_capacity=0),
                        FakeEngine()) as server:
        deadline = time.monotonic() + 10
        while not server.services.engine.load.calibrated and time.monotonic() < deadline:
            time.sleep(0.05)  # the start's own measurement, which the one below replaces
        server.services.engine.load = _meter(3.0, 0.5)

        async def two() -> tuple[object, dict]:
            async with websockets.connect(server.ws_url) as first:
                assert json.loads(await first.recv())["type"] == "ready"
                async with websockets.connect(server.ws_url) as second:
                    with pytest.raises(websockets.ConnectionClosed) as closed:
                        await second.recv()
                await first.send(json.dumps({"type": "stop"}))
                async for _ in first:
                    pass
            await released()
            async with websockets.connect(server.ws_url) as third:
                ready = json.loads(await third.recv())
                await third.send(json.dumps({"type": "stop"}))
                async for _ in third:
                    pass
            await released()
            return closed.value.rcvd, ready

        async def released() -> None:
            """The slot is given back once the dictation's thread has ended, just after the
            socket closed."""
            deadline = time.monotonic() + 10
            while server.services.streams.active and time.monotonic() < deadline:
                await asyncio.sleep(0.02)

        refused, ready = asyncio.run(two())
        live = server.services.streams.load()
    assert refused.code == 1013 and "prøv igjen" in refused.reason
    assert ready["type"] == "ready"
    assert live.capacity == 1 and live.sessions == 0 and live.ceiling_s == 10.0


class NeverAgreeing:
    """A decoder whose every decode writes other words (a word per half second of the window,
    named after the decode): two decodes never agree, as when decodes come too seldom."""

    def __init__(self) -> None:
        self.decodes = 0

    def decode_window(self, samples, opts, *, max_new_tokens=None):
        self.decodes += 1
        count = int(len(samples) / 16_000 / 0.5)
        words = tuple(Word(start=i * 0.5, end=i * 0.5 + 0.4, text=f" w{i}d{self.decodes}",
                           probability=0.9) for i in range(count))
        if not words:
            return []
        return [Segment(start=0.0, end=words[-1].end, text="".join(w.text for w in words),
                        words=words, avg_logprob=-0.2, no_speech_prob=0.01,
                        compression_ratio=1.2)]


def _stream(max_lag_s: float | None) -> list[tuple[float, float]]:
    """(lag, word end) of every word committed while 12 s of audio come in half-second chunks."""
    processor = StreamingProcessor(NeverAgreeing(), StreamingOptions(max_lag_s=max_lag_s))
    chunk = np.full(8_000, 0.1, dtype=np.float32)
    lags = []
    for _ in range(24):
        processor.insert_audio_chunk(chunk)
        for ev in processor.process_iter():
            if ev.kind == "committed":
                lags += [(processor.audio_seconds - w.end, w.end) for w in ev.words]
    return lags


def test_words_that_no_second_decode_confirms_wait_for_the_end_without_a_ceiling():
    assert _stream(None) == []


def test_a_lag_ceiling_commits_words_from_one_decode_once_they_are_half_of_it_old():
    lags = _stream(4.0)
    assert lags, "nothing was committed"
    assert max(lag for lag, _ in lags) <= 4.0, lags
    ends = [end for _, end in lags]
    assert ends == sorted(ends) and len(set(ends)) == len(ends)  # in order, none twice


def test_the_fastest_recent_window_is_the_baseline_without_a_measurement():
    meter = LoadMeter(recent_s=30.0)
    for at, delay in ((90.0, 3.0), (95.0, 1.0), (99.0, 2.0)):
        meter.record(delay, now=at)
    assert meter.fastest_s(now=100.0) == 1.0
    assert meter.fastest_s(now=200.0) is None


def test_a_document_decode_gets_a_worker_while_live_windows_keep_coming():
    """Two workers, windows queued without pause: the background caller (a dictation's
    document decode) is let in soon after its patience, not when the windows stop."""
    engine = RecordingEngine(pause_s=0.05)
    engine.workers = 2
    shared = SharedEngine(engine, window_batch=1, background_patience_s=0.3)
    stop = threading.Event()

    def session(i: int) -> None:
        while not stop.is_set():
            shared.decode_window(np.full(160, float(i), dtype=np.float32), DecodeOptions())

    sessions = [threading.Thread(target=session, args=(i,)) for i in range(4)]
    for thread in sessions:
        thread.start()
    time.sleep(0.2)
    came = time.monotonic()
    waited: list[float] = []

    def document() -> None:
        with shared.slots.held(background=True):
            waited.append(time.monotonic() - came)

    background = threading.Thread(target=document)
    background.start()
    background.join(timeout=2.0)
    stop.set()
    for thread in [*sessions, background]:
        thread.join()
    assert shared.close()
    assert waited[0] < 1.5, waited  # without the patience: only once the windows stop
