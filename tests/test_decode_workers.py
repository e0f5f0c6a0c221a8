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
