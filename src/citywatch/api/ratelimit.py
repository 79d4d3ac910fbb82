"""Failed sign-ins counted per username and per client address, in a sliding window.

Past the limit, sign-in answers 429 with Retry-After until the oldest failure leaves the
window, even with the right password: guessing stays slow whichever side an attacker varies.
A user's own success clears their username's count; the address count only ages out.

Kept in memory, per process: a restart forgets, and several API processes behind a balancer
each count alone (that deployment needs a shared counter, e.g. in Redis). Behind a reverse
proxy every client has the proxy's address, so the per-address limit is set higher.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20
WINDOW_S = 300.0
# Bounds memory when usernames are invented by the million: the least recently failed go first.
MAX_TRACKED = 10_000


class LoginLimiter:
    def __init__(
        self,
        max_per_user: int = MAX_FAILURES_PER_USER,
        max_per_address: int = MAX_FAILURES_PER_ADDRESS,
        window_s: float = WINDOW_S,
        max_tracked: int = MAX_TRACKED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if min(max_per_user, max_per_address, max_tracked) < 1 or window_s <= 0:
            raise ValueError("limits and max_tracked must be >= 1 and the window > 0")
        self._limits = {"user": max_per_user, "address": max_per_address}
        self._window_s = window_s
        self._max_tracked = max_tracked
        self._clock = clock
        self._failures: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, username: str, address: str) -> float | None:
        """Seconds until a sign-in may be tried again, or None when it may be tried now."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in self._keys(username, address):
                times = self._recent(key, now)
                limit = self._limits[key[0]]
                if times is not None and len(times) >= limit:
                    # Allowed again when the failure `limit` back from the newest ages out.
                    wait = max(wait, times[len(times) - limit] + self._window_s - now)
        return wait if wait > 0 else None

    def failed(self, username: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            for key in self._keys(username, address):
                times = self._failures.pop(key, None) or deque()
                times.append(now)
                while len(times) > self._limits[key[0]]:  # older ones no longer matter
                    times.popleft()
                self._failures[key] = times  # most recent last
            while len(self._failures) > self._max_tracked:
                self._failures.popitem(last=False)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(("user", _name(username)), None)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self._window_s:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    @staticmethod
    def _keys(username: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("user", _name(username)), ("address", address)


def _name(username: str) -> str:
    return username.strip().lower()  # as the store compares usernames
