"""Detection calls from many cameras gathered into batches (asyncio; no Ray here).

A batch starts with the first waiting frame and takes whatever else arrives within
`wait_s`, up to `size` frames. Its frames go through the model side by side, one thread each
(OpenVINO's throughput mode gives each thread an inference stream of its own), and every caller
gets its own `Detections`, or its own exception, back. Waiting a few milliseconds costs each
frame that much latency and buys throughput when many cameras share one model.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from citywatch.core.detections import Detections
from citywatch.detect.base import Detector


@dataclass(frozen=True)
class BatchStats:
    frames: int
    batches: int
    largest: int

    @property
    def mean_batch(self) -> float:
        return self.frames / self.batches if self.batches else 0.0


@dataclass
class _Request:
    image: np.ndarray
    reply: asyncio.Future[Detections]


class BatchingDetector:
    def __init__(self, detector: Detector, size: int, wait_s: float) -> None:
        if size < 1:
            raise ValueError("batch size must be at least 1")
        self.name = detector.name
        self._detector = detector
        self._size = size
        self._wait_s = max(wait_s, 0.0)
        self._pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="detect")
        self._queue: asyncio.Queue[_Request] | None = None
        self._server: asyncio.Task[None] | None = None
        self._frames = self._batches = self._largest = 0

    async def detect(self, image: np.ndarray) -> Detections:
        if self._queue is None:  # made on the serving loop, the first time it is used
            self._queue = asyncio.Queue()
            self._server = asyncio.create_task(self._serve(self._queue))
        reply: asyncio.Future[Detections] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Request(image, reply))
        return await reply

    def stats(self) -> BatchStats:
        return BatchStats(self._frames, self._batches, self._largest)

    def close(self) -> None:
        if self._server is not None:
            self._server.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _serve(self, queue: asyncio.Queue[_Request]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await queue.get()]
            deadline = loop.time() + self._wait_s
            while len(batch) < self._size:
                if not queue.empty():
                    batch.append(queue.get_nowait())
                    continue
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(queue.get(), remaining))
                except TimeoutError:
                    break
            await self._run(batch)

    async def _run(self, batch: list[_Request]) -> None:
        loop = asyncio.get_running_loop()
        calls = [
            loop.run_in_executor(self._pool, self._detector.detect, request.image)
            for request in batch
        ]
        results = await asyncio.gather(*calls, return_exceptions=True)
        self._frames += len(batch)
        self._batches += 1
        self._largest = max(self._largest, len(batch))
        for request, result in zip(batch, results, strict=True):
            if request.reply.done():  # the caller gave up (cancelled)
                continue
            if isinstance(result, BaseException):
                request.reply.set_exception(result)
            else:
                request.reply.set_result(result)
