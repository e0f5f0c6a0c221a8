"""How many decodes run at once: the engine's workers, and the server's fair share of them."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

from diktat.config import AsrSettings
from diktat.server.engine import FairSlots
from diktat.stt.factory import engine_workers
from diktat.stt.options import DecodeOptions


def test_live_dictation_on_a_cpu_gets_two_workers_and_batch_one():
    cpu = AsrSettings(device="cpu")
    expected_live = 2 if (os.cpu_count() or 1) >= 2 else 1
    assert engine_workers(cpu, live=True) == expected_live
    assert engine_workers(cpu, live=False) == 1
    assert engine_workers(AsrSettings(device="cpu", workers=3), live=False) == 3


@pytest.mark.slow
def test_the_session_engine_runs_two_workers_of_two_threads(engine):
    assert (engine.workers, engine.threads) == (2, 2)
    assert engine._model.model.num_workers == 2


def test_fair_slots_admit_as_many_holders_as_places_in_arrival_order():
    slots = FairSlots(2)
    inside, most, order = 0, 0, []
    lock = threading.Lock()
    leave = [threading.Event() for _ in range(5)]  # each holder stays until told to leave

    def hold(i: int) -> None:
        nonlocal inside, most
        with slots.held():
            with lock:
                inside += 1
                most = max(most, inside)
                order.append(f"t{i}")
            leave[i].wait(10)
            with lock:
                inside -= 1

    def wait_until(condition) -> None:
        deadline = time.monotonic() + 10
        while not condition():
            assert time.monotonic() < deadline, order
            time.sleep(0.001)

    threads = [threading.Thread(target=hold, args=(i,)) for i in range(5)]
    for i, thread in enumerate(threads):  # a fixed arrival order, whatever the machine's load
        thread.start()
        wait_until(lambda i=i: len(order) == i + 1 if i < 2 else slots.waiting == i - 1)
    for i in range(3):  # one leaves at a time: the longest waiting comes in
        leave[i].set()
        wait_until(lambda i=i: len(order) == i + 3)
    for event in leave:
        event.set()
    for t in threads:
        t.join(10)
    assert most == 2
    assert order == ["t0", "t1", "t2", "t3", "t4"]


def test_fair_slots_let_the_next_in_when_any_holder_leaves():
    slots = FairSlots(2)
    long_holder_in = threading.Event()
    release_long = threading.Event()

    def long_hold() -> None:
        with slots.held():
            long_holder_in.set()
            release_long.wait(5)

    holder = threading.Thread(target=long_hold)
    holder.start()
    assert long_holder_in.wait(5)
    for _ in range(3):  # the second place is taken and given back while the first stays held
        with slots.held():
            pass
    release_long.set()
    holder.join(5)
    assert not holder.is_alive()


@pytest.mark.parametrize("places", [0, -1])
def test_fair_slots_need_a_place(places):
    with pytest.raises(ValueError, match="at least one place"):
        FairSlots(places)


def test_a_background_holder_waits_for_live_decodes_and_leaves_them_a_place():
    """The document decodes (`held(background=True)`) come in only when a place is free and no
    live decode waits, one at a time; a live decode that arrives meanwhile waits for it."""
    slots = FairSlots(2)
    events: list[str] = []
    live_in, live_out = threading.Event(), threading.Event()
    background_in = threading.Event()

    def live() -> None:
        with slots.held():
            events.append("live in")
            live_in.set()
            live_out.wait(10)

    def background() -> None:
        with slots.held(background=True):
            events.append("background in")
            background_in.set()
            time.sleep(0.05)

    first = threading.Thread(target=live)
    first.start()
    assert live_in.wait(10)
    document = threading.Thread(target=background)
    document.start()
    assert background_in.wait(10)  # one live holder: the second place is free for it
    live_in.clear()
    # with a background holder in, a second live decode comes in once it has left
    with slots.held():
        events.append("second live in")
    live_out.set()
    first.join(10)
    document.join(10)
    assert events[:2] == ["live in", "background in"] and "second live in" in events

    # two live holders: the background one waits until a place is free again
    one_place = FairSlots(2)
    release = threading.Event()
    entered = threading.Event()

    def hold_two() -> None:
        with one_place.held(), one_place.held():
            entered.set()
            release.wait(10)

    holders = threading.Thread(target=hold_two)
    holders.start()
    assert entered.wait(10)
    waited = threading.Event()

    def background_after() -> None:
        with one_place.held(background=True):
            waited.set()

    late = threading.Thread(target=background_after)
    late.start()
    assert not waited.wait(0.3)  # both places taken by live decodes
    release.set()
    assert waited.wait(10)
    holders.join(10)
    late.join(10)


def test_a_single_place_serves_background_only_when_idle():
    slots = FairSlots(1)
    with slots.held(background=True):  # nothing live: it may run
        assert slots.waiting == 0


def test_a_holder_of_every_place_waits_for_those_before_it_and_those_after_wait_for_it():
    slots = FairSlots(2)
    order: list[str] = []

    def every_place() -> None:
        with slots.held_all():
            order.append("all in")
            time.sleep(0.05)
            order.append("all out")

    def later() -> None:
        with slots.held():
            order.append("later in")

    with slots.held():
        whole = threading.Thread(target=every_place)
        whole.start()
        deadline = time.monotonic() + 10
        while slots.waiting < 1:  # its two tickets are out, one place of the two still held
            assert time.monotonic() < deadline
            time.sleep(0.001)
        after = threading.Thread(target=later)
        after.start()
        while slots.waiting < 2:
            assert time.monotonic() < deadline
            time.sleep(0.001)
        assert order == []  # the free place is not enough, and the later one queues behind
    whole.join(10)
    after.join(10)
    assert order == ["all in", "all out", "later in"]


class _TwoWayEngine:
    model_id, model_sha256, workers = "fake", None, 2

    def __init__(self) -> None:
        self.calls: list[str] = []

    def transcribe(self, samples, opts):
        self.calls.append("workers")

    def transcribe_alone(self, samples, opts):
        self.calls.append("every core")


def test_the_servers_last_span_takes_every_core_only_when_no_other_dictation_is_live():
    from diktat.server.engine import SharedEngine

    fake = _TwoWayEngine()
    shared = SharedEngine(fake)
    shared.live_sessions = 1  # the dictation that stopped, alone on the server
    shared.transcribe_alone(np.zeros(16_000, dtype=np.float32), DecodeOptions())
    shared.live_sessions = 3  # others dictate: it goes behind their live decodes
    shared.transcribe_alone(np.zeros(16_000, dtype=np.float32), DecodeOptions())
    assert fake.calls == ["every core", "workers"]


@pytest.mark.slow
@pytest.mark.speech
def test_a_live_engine_decodes_alone_on_every_workers_threads(whisper_model, npsc_dir):
    """The copy for a dictation's last span: one worker on both workers' threads, the same text
    (here identical; asserted within 10 % WER, as int8 kernels differ between CPUs)."""
    import jiwer

    from diktat.stt.audio import load_audio
    from diktat.stt.options import EngineOptions
    from diktat.stt.whisper import WhisperEngine

    live = WhisperEngine(whisper_model.path, model_id=whisper_model.name,
                         options=EngineOptions(device="cpu", workers=2, threads=1, alone=True))
    samples = load_audio(npsc_dir / "norwegian-medium-8s.16k.wav").samples
    opts = DecodeOptions(batched_min_duration_s=24 * 3600.0)
    alone, shared = live.transcribe_alone(samples, opts), live.transcribe(samples, opts)
    assert (alone.options["workers"], alone.options["threads"]) == (1, 2)
    assert (shared.options["workers"], shared.options["threads"]) == (2, 1)
    assert alone.text.strip() and jiwer.wer(shared.text, alone.text) <= 0.1
    batch = WhisperEngine(whisper_model.path, model_id=whisper_model.name,
                          options=EngineOptions(device="cpu", workers=1, alone=True))
    assert batch._alone is None  # one worker has every core already
