"""A bounded frame queue that drops the oldest item when full.

A camera does not wait for analysis. When analysis is slower than the camera, the queue keeps
the newest frames and throws away old ones (counting them), so results stay current instead of
falling further and further behind. This is the same trade Frigate makes between capture and
detection.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class QueueClosed(Exception):
    """The producer closed the queue and every item left in it has been taken."""


class DropOldestQueue(Generic[T]):
    """Thread-safe bounded FIFO: `put` never blocks, `get` waits, `close` ends the stream.

    Items put before `close` are still handed out; after that `get` raises `QueueClosed`.
    """

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, got {maxsize}")
        self._maxsize = maxsize
        self._items: deque[T] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._dropped = 0
        self._put_count = 0

    @property
    def maxsize(self) -> int:
        return self._maxsize

    @property
    def dropped(self) -> int:
        """Items thrown away because the queue was full when a newer one arrived."""
        with self._cond:
            return self._dropped

    @property
    def put_count(self) -> int:
        """Items accepted by `put` (kept or later dropped)."""
        with self._cond:
            return self._put_count

    @property
    def closed(self) -> bool:
        with self._cond:
            return self._closed

    def qsize(self) -> int:
        with self._cond:
            return len(self._items)

    def __len__(self) -> int:
        return self.qsize()

    def put(self, item: T) -> bool:
        """Add `item`, dropping the oldest one if full. Returns False (and drops `item`) if closed.

        A put after close is not an error: a producer thread may race a `stop()` by one frame.
        """
        with self._cond:
            if self._closed:
                return False
            if len(self._items) >= self._maxsize:
                self._items.popleft()
                self._dropped += 1
            self._items.append(item)
            self._put_count += 1
            self._cond.notify()
            return True

    def get(self, timeout: float | None = None) -> T:
        """Take the oldest item, waiting up to `timeout` seconds (None: until one comes or close).

        Raises `queue.Empty` on timeout and `QueueClosed` once closed and drained.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._items:
                if self._closed:
                    raise QueueClosed
                if deadline is None:
                    self._cond.wait()
                else:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise queue.Empty
                    self._cond.wait(remaining)
            return self._items.popleft()

    def get_nowait(self) -> T:
        return self.get(timeout=0)

    def close(self) -> None:
        """End of stream: wake every waiting consumer. Idempotent."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __iter__(self) -> Iterator[T]:
        """Yield items until the queue is closed and drained."""
        while True:
            try:
                yield self.get()
            except QueueClosed:
                return
