"""Detect a few frames ahead in worker threads, handing results back in frame order.

Tracking must see frames in order, but detection of the next frame need not wait for the
tracker: with a throughput-tuned model two inferences run side by side on two cores (measured
on PETS09 at 384x384: 5.1 ms/frame one at a time, 4.5 ms with two in flight).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from citywatch.core.detections import Detections
from citywatch.core.frame import Frame
from citywatch.detect.base import Detector


def detect_ahead(
    detector: Detector, frames: Iterable[Frame], depth: int = 2
) -> Iterator[tuple[Frame, Detections]]:
    if depth <= 1:
        for frame in frames:
            yield frame, detector.detect(frame.image)
        return
    pending: deque[tuple[Frame, Future[Detections]]] = deque()
    with ThreadPoolExecutor(max_workers=depth, thread_name_prefix="detect") as pool:
        try:
            for frame in frames:
                pending.append((frame, pool.submit(detector.detect, frame.image)))
                if len(pending) > depth:
                    done, future = pending.popleft()
                    yield done, future.result()
            while pending:
                done, future = pending.popleft()
                yield done, future.result()
        finally:
            for _, future in pending:
                future.cancel()
