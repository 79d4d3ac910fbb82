"""In-process publish/subscribe with a bounded queue per subscriber.

Publishing never blocks the pipeline: a subscriber that does not keep up loses its oldest
messages, and the loss is counted on its subscription (the same rule as camera frames).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("citywatch.bus")


@dataclass(frozen=True)
class Message:
    topic: str
    payload: Any
    published_at: float  # time.monotonic() at publish, for latency measurements


@dataclass
class Subscription:
    topics: frozenset[str]
    maxsize: int
    _items: deque[Message] = field(default_factory=deque)
    _ready: threading.Condition = field(default_factory=threading.Condition)
    dropped: int = 0
    closed: bool = False

    def _offer(self, message: Message) -> None:
        with self._ready:
            if self.closed:
                return
            if len(self._items) >= self.maxsize:
                self._items.popleft()
                self.dropped += 1
            self._items.append(message)
            self._ready.notify()

    def get(self, timeout: float | None = None) -> Message | None:
        """The next message, or None after `timeout` seconds or once closed and empty."""
        with self._ready:
            if not self._items and not self.closed:
                self._ready.wait(timeout)
            return self._items.popleft() if self._items else None

    def drain(self) -> list[Message]:
        with self._ready:
            items = list(self._items)
            self._items.clear()
            return items

    def close(self) -> None:
        with self._ready:
            self.closed = True
            self._ready.notify_all()

    def __iter__(self) -> Iterator[Message]:
        while True:
            message = self.get()
            if message is None:
                return
            yield message


class LocalBus:
    def __init__(self) -> None:
        self._subscriptions: list[Subscription] = []
        self._lock = threading.Lock()

    def subscribe(self, *topics: str, maxsize: int = 1000) -> Subscription:
        subscription = Subscription(frozenset(topics), maxsize)
        with self._lock:
            self._subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        subscription.close()
        with self._lock:
            if subscription in self._subscriptions:
                self._subscriptions.remove(subscription)

    def publish(self, topic: str, payload: Any) -> None:
        message = Message(topic, payload, time.monotonic())
        with self._lock:
            targets = [s for s in self._subscriptions if topic in s.topics or "*" in s.topics]
        for subscription in targets:
            subscription._offer(message)

    def close(self) -> None:
        with self._lock:
            subscriptions, self._subscriptions = self._subscriptions, []
        for subscription in subscriptions:
            subscription.close()
