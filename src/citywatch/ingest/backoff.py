"""Reconnect delays: exponential, capped, jittered, and forgiven after a healthy period.

Jitter spreads the reconnects of many cameras that lost the same switch, so they do not all
hammer the recorder at the same instant. The reset after a healthy period means a camera that
drops once a day reconnects quickly each time, while one that flaps every few seconds backs off.
The clock and the random source are parameters so tests can drive them.
"""

from __future__ import annotations

import random as _random
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delays before reconnect attempts.

    Call `failure()` after each failed connection (or lost stream) to get the delay to wait, and
    `connected()` once a connection works. If the connection then stays up for `healthy_after`
    seconds, the next failure starts again from `initial`.
    """

    initial: float = 0.5
    maximum: float = 30.0
    factor: float = 2.0
    jitter: float = 0.2  # each delay is scaled by a random factor in [1 - jitter, 1 + jitter]
    healthy_after: float = 30.0
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    random: Callable[[], float] = field(default=_random.random, repr=False)
    _attempts: int = field(default=0, init=False, repr=False)
    _connected_at: float | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.maximum < self.initial:
            raise ValueError("need 0 < initial <= maximum")
        if self.factor < 1:
            raise ValueError("factor must be >= 1")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be in [0, 1)")

    @property
    def attempts(self) -> int:
        """Failures since the last reset."""
        return self._attempts

    def connected(self) -> None:
        """A connection works; start timing the healthy period."""
        self._connected_at = self.clock()

    def failure(self) -> float:
        """Record a failure and return how many seconds to wait before trying again."""
        if self._connected_at is not None:
            if self.clock() - self._connected_at >= self.healthy_after:
                self._attempts = 0
            self._connected_at = None
        # min() before the power keeps the exponent from overflowing after many failures.
        base = self.initial * self.factor ** min(self._attempts, 64)
        base = min(base, self.maximum)
        self._attempts += 1
        spread = 1.0 + self.jitter * (2.0 * self.random() - 1.0)
        return max(0.0, min(self.maximum, base * spread))

    def reset(self) -> None:
        self._attempts = 0
        self._connected_at = None
