"""DropOldestQueue: bounded, never blocks the producer, drops and counts the oldest."""

from __future__ import annotations

import queue
import threading
import time

import pytest

from citywatch.ingest import DropOldestQueue, QueueClosed


def test_full_queue_drops_the_oldest_and_counts_it() -> None:
    q: DropOldestQueue[int] = DropOldestQueue(3)
    for i in range(5):
        assert q.put(i)
    assert q.qsize() == 3
    assert q.dropped == 2
    assert q.put_count == 5
    assert [q.get(), q.get(), q.get()] == [2, 3, 4]


def test_put_never_blocks_even_without_a_consumer() -> None:
    q: DropOldestQueue[int] = DropOldestQueue(1)
    start = time.monotonic()
    for i in range(20_000):
        q.put(i)
    assert time.monotonic() - start < 2.0
    assert q.dropped == 19_999
    assert q.get_nowait() == 19_999


def test_get_times_out_with_queue_empty() -> None:
    q: DropOldestQueue[int] = DropOldestQueue(2)
    start = time.monotonic()
    with pytest.raises(queue.Empty):
        q.get(timeout=0.05)
    assert time.monotonic() - start >= 0.04
    with pytest.raises(queue.Empty):
        q.get_nowait()


def test_close_wakes_a_waiting_consumer() -> None:
    q: DropOldestQueue[int] = DropOldestQueue(2)
    outcome: list[str] = []

    def consume() -> None:
        try:
            q.get()
        except QueueClosed:
            outcome.append("closed")

    consumer = threading.Thread(target=consume)
    consumer.start()
    time.sleep(0.05)
    q.close()
    consumer.join(timeout=1.0)
    assert not consumer.is_alive()
    assert outcome == ["closed"]


def test_items_put_before_close_are_still_delivered() -> None:
    q: DropOldestQueue[str] = DropOldestQueue(4)
    q.put("a")
    q.put("b")
    q.close()
    assert q.closed
    assert not q.put("late"), "a put after close is refused, not an error"
    assert list(q) == ["a", "b"]
    with pytest.raises(QueueClosed):
        q.get(timeout=1)


def test_maxsize_must_be_positive() -> None:
    with pytest.raises(ValueError):
        DropOldestQueue(0)


def test_many_producers_and_consumers_lose_nothing_unaccounted() -> None:
    q: DropOldestQueue[tuple[int, int]] = DropOldestQueue(16)
    producers, per_producer = 4, 5_000
    consumed: list[list[tuple[int, int]]] = [[], []]

    def produce(pid: int) -> None:
        for n in range(per_producer):
            q.put((pid, n))

    def consume(slot: int) -> None:
        consumed[slot].extend(q)

    consumers = [threading.Thread(target=consume, args=(i,)) for i in range(2)]
    workers = [threading.Thread(target=produce, args=(p,)) for p in range(producers)]
    for thread in consumers + workers:
        thread.start()
    for thread in workers:
        thread.join()
    q.close()
    for thread in consumers:
        thread.join(timeout=5)
        assert not thread.is_alive()

    items = consumed[0] + consumed[1]
    assert len(items) + q.dropped == producers * per_producer
    assert len(set(items)) == len(items), "an item was delivered twice"
    for slot in consumed:  # FIFO: each consumer sees each producer's items in order
        for pid in range(producers):
            seq = [n for p, n in slot if p == pid]
            assert seq == sorted(seq)
