"""Batching detector calls: callers that arrive together share a batch, each gets its own
answer (or its own error), and a lone caller waits no longer than the batch window."""

from __future__ import annotations

import asyncio
import threading
import time

import numpy as np
import pytest

from citywatch.cluster.batching import BatchingDetector
from citywatch.core.detections import Detections


class CountingDetector:
    """Answers with one box whose score is the image's first pixel, so answers are told
    apart; records how many calls ran at once."""

    name = "counting"

    def __init__(self, delay_s: float = 0.02) -> None:
        self.delay_s = delay_s
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def detect(self, image: np.ndarray) -> Detections:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(self.delay_s)
        with self._lock:
            self.running -= 1
        if image[0, 0, 0] == 255:
            raise ValueError("unreadable frame")
        return Detections(
            xyxy=np.array([[0, 0, 1, 1]], np.float32),
            confidence=np.array([image[0, 0, 0] / 100], np.float32),
            class_id=np.zeros(1, np.int64),
            tracker_id=np.full(1, -1, np.int64),
        )


def image(value: int) -> np.ndarray:
    return np.full((4, 4, 3), value, np.uint8)


def test_frames_arriving_together_share_a_batch_and_get_their_own_answers() -> None:
    detector = CountingDetector()
    batching = BatchingDetector(detector, size=8, wait_s=0.05)

    async def many() -> list[Detections]:
        return await asyncio.gather(*(batching.detect(image(i)) for i in range(6)))

    answers = asyncio.run(many())
    assert [round(float(a.confidence[0]) * 100) for a in answers] == list(range(6))
    stats = batching.stats()
    assert (stats.frames, stats.batches, stats.largest) == (6, 1, 6)
    assert detector.most_at_once > 1  # a batch's frames run side by side
    batching.close()


def test_a_batch_is_never_larger_than_its_size() -> None:
    batching = BatchingDetector(CountingDetector(delay_s=0.0), size=4, wait_s=0.05)

    async def many() -> None:
        await asyncio.gather(*(batching.detect(image(i)) for i in range(10)))

    asyncio.run(many())
    stats = batching.stats()
    assert stats.frames == 10
    assert stats.largest == 4
    assert stats.batches == 3
    batching.close()


def test_one_bad_frame_fails_only_its_own_caller() -> None:
    batching = BatchingDetector(CountingDetector(delay_s=0.0), size=8, wait_s=0.05)

    async def mixed() -> list[object]:
        calls = [batching.detect(image(1)), batching.detect(image(255)), batching.detect(image(2))]
        return await asyncio.gather(*calls, return_exceptions=True)

    first, bad, third = asyncio.run(mixed())
    assert isinstance(bad, ValueError)
    assert isinstance(first, Detections) and isinstance(third, Detections)
    batching.close()


def test_a_lone_frame_waits_about_the_window_not_for_a_full_batch() -> None:
    batching = BatchingDetector(CountingDetector(delay_s=0.0), size=64, wait_s=0.05)

    async def one() -> float:
        started = time.perf_counter()
        await batching.detect(image(3))
        return time.perf_counter() - started

    assert asyncio.run(one()) < 0.5
    batching.close()


def test_a_batch_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        BatchingDetector(CountingDetector(), size=0, wait_s=0.0)
