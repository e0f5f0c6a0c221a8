"""How many decodes run at once: the engine's workers, and the server's fair share of them."""

from __future__ import annotations

import os
import threading
import time

import pytest

from diktat.config import AsrSettings
from diktat.server.engine import FairSlots
from diktat.stt.factory import engine_workers


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
