"""Decode ahead in a thread while the caller runs models (PyAV releases the GIL while decoding).

For files every frame matters, so the queue blocks instead of dropping (live cameras use
ingest's drop-oldest queue instead). An exception in the reader is re-raised in the caller.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_END = object()


def prefetch(items: Iterator[T], depth: int = 4) -> Iterator[T]:
    buffer: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    failure: list[BaseException] = []

    def read() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as error:  # handed to the consumer, which re-raises it
            failure.append(error)
        finally:
            while not stop.is_set():
                try:
                    buffer.put(_END, timeout=0.1)
                    break
                except queue.Full:
                    continue

    reader = threading.Thread(target=read, name="prefetch", daemon=True)
    reader.start()
    try:
        while True:
            item = buffer.get()
            if item is _END:
                break
            yield item  # type: ignore[misc]
        if failure:
            raise failure[0]
    finally:
        stop.set()
        reader.join(timeout=2)
