"""Searches running while other threads add and remove, and the lock that allows it."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from citywatch.vectors.locking import ReadWriteLock
from conftest import FACTORIES, ids_for


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_search_while_adding_and_removing_from_threads(kind, vectors):
    index = FACTORIES[kind]()  # auto crosses its threshold (300) while being searched
    index.add(ids_for(100), vectors[:100])
    known = set(ids_for(2000).tolist()) | {-1}
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer(first: int) -> None:
        try:
            for start in range(first, 2000, 200):
                index.add(ids_for(2000)[start : start + 100], vectors[start : start + 100])
                index.remove(ids_for(2000)[start : start + 5])
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    def reader(seed: int) -> None:
        rng = np.random.default_rng(seed)
        try:
            while not stop.is_set():
                rows = rng.integers(0, 2000, size=4)
                distances, found = index.search(vectors[rows], k=5)
                assert set(found.ravel().tolist()) <= known
                assert np.all(np.isfinite(distances[found >= 0]))
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    readers = [threading.Thread(target=reader, args=(s,)) for s in range(3)]
    writers = [threading.Thread(target=writer, args=(f,)) for f in (100, 200)]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join(60)
    stop.set()
    for thread in readers:
        thread.join(60)
    assert not errors, errors[0]
    expected = set(ids_for(2000).tolist())
    for start in range(100, 2000, 100):
        expected -= set(ids_for(2000)[start : start + 5].tolist())
    assert set(index.ids().tolist()) == expected


def test_readers_share_and_writers_exclude():
    lock = ReadWriteLock()
    inside: list[str] = []
    both_reading = threading.Barrier(2, timeout=5)

    def read() -> None:
        with lock.read():
            inside.append("r")
            both_reading.wait()  # only passes if two readers hold the lock at once
            time.sleep(0.05)
            inside.append("r-done")

    def write() -> None:
        time.sleep(0.01)
        with lock.write():
            inside.append("w")
            assert inside.count("r") == inside.count("r-done")

    threads = [threading.Thread(target=f) for f in (read, read, write)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert inside[-1] == "w" and inside.count("r-done") == 2
