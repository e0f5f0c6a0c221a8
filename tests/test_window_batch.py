"""Streaming windows of several live sessions decoded in one engine call, with the real model
and real Norwegian speech: each window gets its own text, as it would alone (the encoder input
is padded to the longest window, so not always word for word), its own word times, and a
silent window nothing."""

from __future__ import annotations

import threading
import time

import jiwer
import pytest

from diktat.server.engine import SharedEngine
from diktat.stt.audio import load_audio
from diktat.stt.engine import WindowRequest
from diktat.stt.streaming.processor import streaming_decode_options
from tests.conftest import norwegian_wer


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate, case- and edge-blind: on a 3 s window a changed word ending is
    half the words."""
    return jiwer.cer(reference.strip().lower(), hypothesis.strip().lower() or "-")

pytestmark = [pytest.mark.slow, pytest.mark.speech]


@pytest.fixture(scope="module")
def windows(npsc_dir):
    """Four windows of 3-8 s: the two NPSC clips and two halves of the 8 s one."""
    short = load_audio(npsc_dir / "norwegian-short-3s.16k.wav").samples
    medium = load_audio(npsc_dir / "norwegian-medium-8s.16k.wav").samples
    half = len(medium) // 2
    return [medium, short, medium[:half], medium[half:]]


@pytest.fixture(scope="module")
def alone(engine, windows):
    opts = streaming_decode_options()
    return [" ".join(s.text for s in engine.decode_window(w, opts)) for w in windows]


def test_windows_decoded_together_each_get_their_own_text_and_times(engine, windows, alone):
    opts = streaming_decode_options()
    requests = [WindowRequest(w, opts, 120) for w in windows]
    together = engine.decode_windows(requests)
    assert len(together) == len(requests)
    for window, own, segments in zip(windows, alone, together, strict=True):
        text = " ".join(s.text for s in segments)
        assert own.strip() and cer(own, text) <= 0.3, (own, text)
        for other in alone:
            if other is not own:
                assert norwegian_wer(own, text) < norwegian_wer(other, text), (own, text)
        words = [w for s in segments for w in s.words]
        assert words and all(0.0 <= w.start <= w.end <= len(window) / 16_000 + 0.5
                             for w in words)
        assert all(a.start <= b.start for a, b in zip(words, words[1:], strict=False))


def test_sessions_decoding_at_once_share_batches_and_keep_their_text(engine, windows, alone):
    shared = SharedEngine(engine, window_batch=8)
    texts: dict[int, list[str]] = {i: [] for i in range(len(windows))}

    def session(i: int) -> None:
        for _ in range(2):
            segments = shared.decode_window(windows[i], streaming_decode_options(),
                                            max_new_tokens=120)
            texts[i].append(" ".join(s.text for s in segments))

    threads = [threading.Thread(target=session, args=(i,)) for i in range(len(windows))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert shared.close()
    assert max(shared.batches) > 1, list(shared.batches)
    assert sum(shared.batches) == 2 * len(windows)
    for i, own in enumerate(alone):
        for text in texts[i]:
            assert cer(own, text) <= 0.3, (own, text)


def test_a_server_measures_its_live_capacity_at_start(engine, tmp_path):
    """With `live_capacity = 0` the server times a live window and the document decode of the
    bundled sample on the idle engine, and admits what that pays for within the ceiling."""
    import httpx

    from diktat.server.engine import decode_interval
    from tests.server_helpers import running_server, server_settings

    settings = server_settings(tmp_path, max_streams=50, live_capacity=0)
    with running_server(settings, engine) as server:
        deadline = time.monotonic() + 120
        live = httpx.get(f"{server.url}/version").json()["live"]
        assert live["capacity"] == 50  # before the measurement: max_streams
        while not live["calibrated"] and time.monotonic() < deadline:
            time.sleep(0.5)
            live = httpx.get(f"{server.url}/version").json()["live"]
    assert live["calibrated"], live
    window, rtf = live["window_decode_s"], live["document_rtf"]
    assert 0 < window < 30 and 0 < rtf < 5, live
    demand = window / decode_interval(window, live["ceiling_s"]) + rtf
    assert live["capacity"] == max(1, min(50, int(engine.workers * 0.9 / demand))), live
