"""Signal states, samples and the contract every signal source meets."""

from __future__ import annotations

import enum
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from citywatch.core.frame import Frame


class SignalState(enum.StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, value: Any) -> SignalState:
        """A controller's word for a state; anything unrecognised is unknown."""
        text = str(value).strip().lower()
        if text == "yellow":
            return cls.AMBER
        try:
            return cls(text)
        except ValueError:
            return cls.UNKNOWN


@dataclass(frozen=True)
class SignalSample:
    """What a source says about one frame: the state, since when if it knows, and evidence."""

    state: SignalState
    since: float | None = None  # wall time the state began, where the source knows it
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SignalReading:
    """A signal's state at a frame, as rules see it."""

    name: str
    state: SignalState
    since: float | None  # wall time the board first saw this state (or the source said)
    detail: Mapping[str, Any] = field(default_factory=dict)

    def held_for(self, now: float) -> float | None:
        return None if self.since is None else max(0.0, now - self.since)


UNKNOWN = SignalSample(SignalState.UNKNOWN)


class SignalSource(Protocol):
    name: str

    def sample(self, frame: Frame) -> SignalSample: ...

    def start(self) -> None: ...

    def close(self) -> None: ...


class _LatestState:
    """The last state a feed reported and when (monotonic clock), shared with its thread."""

    def __init__(self, stale_s: float | None) -> None:
        self.stale_s = stale_s
        self._lock = threading.Lock()
        self._state = SignalState.UNKNOWN
        self._at: float | None = None

    def set(self, state: SignalState, at: float | None = None) -> None:
        with self._lock:
            self._state, self._at = state, time.monotonic() if at is None else at

    def clear(self) -> None:
        with self._lock:
            self._state, self._at = SignalState.UNKNOWN, None

    def get(self, now: float | None = None) -> SignalSample:
        now = time.monotonic() if now is None else now
        with self._lock:
            if self._at is None:
                return UNKNOWN
            if self.stale_s is not None and now - self._at > self.stale_s:
                return SignalSample(
                    SignalState.UNKNOWN, detail={"stale_s": round(now - self._at, 1)}
                )
            return SignalSample(self._state)


def parse_state_payload(payload: bytes | str) -> SignalState:
    """`red` or `{"state": "red"}` -> the state; anything else is unknown."""
    text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
    text = text.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return SignalState.UNKNOWN
        return (
            SignalState.parse(data.get("state")) if isinstance(data, dict) else SignalState.UNKNOWN
        )
    return SignalState.parse(text)
