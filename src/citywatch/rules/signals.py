"""Traffic-signal state for red-light rules: from a timetable, a controller, or the picture.

Each source answers "red", "amber", "green" or "unknown" for a frame. Unknown (a controller
that went quiet, a lamp the camera cannot make out) is a state of its own and never makes an
offence: a red-light event needs a signal that was seen to be red.

`SignalBoard` reads every source of a camera once per frame and remembers since when each has
shown its state, so an event can say how long the light had been red.
"""

from __future__ import annotations

import enum
import json
import logging
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import cv2
import numpy as np

from citywatch.config.rules import (
    HttpSignalConfig,
    ImageSignalConfig,
    MqttSignalConfig,
    ScheduleSignalConfig,
    SignalConfig,
)
from citywatch.core.frame import Frame

log = logging.getLogger("citywatch.rules")


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


class ScheduleSignal:
    """A fixed-time plan: the phases repeat from `epoch` on; exact phase starts are known."""

    def __init__(self, config: ScheduleSignalConfig) -> None:
        self.name = config.name
        self._epoch = config.epoch
        self._states = [SignalState(p.state) for p in config.phases]
        self._durations = [p.duration_s for p in config.phases]
        self._starts = np.concatenate([[0.0], np.cumsum(self._durations)[:-1]])
        self._cycle = float(sum(self._durations))

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass

    def state_at(self, now: float) -> SignalSample:
        position = (now - self._epoch) % self._cycle
        index = int(np.searchsorted(self._starts, position, side="right") - 1)
        state = self._states[index]
        if all(s == state for s in self._states):
            return SignalSample(state)  # one colour all the time: no start to give
        # Walk back over earlier phases of the same colour: red then red is one red.
        began = now - (position - float(self._starts[index]))
        previous = index
        while True:
            previous = (previous - 1) % len(self._states)
            if self._states[previous] != state:
                return SignalSample(state, began)
            began -= self._durations[previous]

    def sample(self, frame: Frame) -> SignalSample:
        return self.state_at(frame.wall_time)


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


class HttpSignal:
    """Polls a controller's URL from a thread; a state older than `stale_s` reads as unknown."""

    def __init__(self, config: HttpSignalConfig) -> None:
        self.name = config.name
        self.config = config
        self.latest = _LatestState(config.stale_s)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_problem: str | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"signal-{self.name}", daemon=True
            )
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.config.timeout_s + 1)

    def poll_once(self) -> SignalState:
        """One request. An answer becomes the latest state at once (one without a state we
        know, "flashing" say, as unknown); a failed request leaves the last answer to go stale.
        """
        answered = False
        try:
            with urllib.request.urlopen(self.config.url, timeout=self.config.timeout_s) as reply:
                body = reply.read(4096)
            answered = True
            state = parse_state_payload(body)
            problem = None if state is not SignalState.UNKNOWN else f"no state in {body[:80]!r}"
        except (OSError, ValueError) as error:  # URLError, timeouts, bad status lines
            state, problem = SignalState.UNKNOWN, str(error)
        if problem != self._last_problem:  # say it once per change, not once per poll
            if problem:
                log.warning("signal %s: %s", self.name, problem)
            elif self._last_problem:
                log.info("signal %s: answering again", self.name)
            self._last_problem = problem
        if answered:
            self.latest.set(state)
        return state

    def _run(self) -> None:
        while not self._stop.is_set():
            self.poll_once()
            self._stop.wait(self.config.interval_s)

    def sample(self, frame: Frame) -> SignalSample:
        return self.latest.get()


class MqttClient(Protocol):
    """The part of paho-mqtt's `Client` (2.x, callback API version 2) the signal uses."""

    on_connect: Any
    on_disconnect: Any
    on_message: Any

    def username_pw_set(self, username: str | None, password: str | None = None) -> None: ...

    def tls_set(self) -> Any: ...

    def connect_async(self, host: str, port: int = 1883, keepalive: int = 60) -> Any: ...

    def subscribe(self, topic: str, qos: int = 0) -> Any: ...

    def loop_start(self) -> Any: ...

    def loop_stop(self) -> Any: ...

    def disconnect(self) -> Any: ...


def _paho_client(name: str) -> MqttClient:
    import paho.mqtt.client as mqtt

    client: MqttClient = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"citywatch-signal-{name}-{uuid.uuid4().hex[:8]}",
    )
    return client


class MqttSignal:
    """Subscribes to a controller's topic; unknown until a message, and while disconnected."""

    def __init__(
        self, config: MqttSignalConfig, client_factory: Callable[[str], MqttClient] = _paho_client
    ) -> None:
        self.name = config.name
        self.config = config
        self.latest = _LatestState(config.stale_s)
        self.client = client_factory(config.name)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self._started = False

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        if self.config.username is not None:
            self.client.username_pw_set(self.config.username, self.config.password)
        if self.config.tls:
            self.client.tls_set()
        self.client.connect_async(self.config.host, self.config.port, keepalive=30)
        self.client.loop_start()

    def close(self) -> None:
        if self._started:
            self.client.disconnect()
            self.client.loop_stop()
            self._started = False

    def handle(self, payload: bytes | str) -> SignalState:
        state = parse_state_payload(payload)
        if state is SignalState.UNKNOWN:
            log.warning("signal %s: unreadable message %r", self.name, payload[:80])
        self.latest.set(state)
        return state

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if getattr(reason, "is_failure", False):
            log.warning("signal %s: broker refused the connection (%s)", self.name, reason)
            return
        client.subscribe(self.config.topic, qos=1)

    def _on_disconnect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        log.warning("signal %s: disconnected from the broker (%s)", self.name, reason)
        self.latest.clear()

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        self.handle(message.payload)

    def sample(self, frame: Frame) -> SignalSample:
        return self.latest.get()


# OpenCV hue runs 0-179; red wraps round 0.
_HUES: dict[SignalState, tuple[tuple[int, int], ...]] = {
    SignalState.RED: ((0, 10), (165, 179)),
    SignalState.AMBER: ((11, 34),),
    SignalState.GREEN: ((40, 100),),
}


class ImageSignal:
    """Reads the lit lamp of a signal head inside a polygon of the frame (see the config)."""

    def __init__(self, config: ImageSignalConfig) -> None:
        self.name = config.name
        self.config = config
        polygon = np.asarray(config.polygon, np.float64)
        x0, y0 = np.floor(polygon.min(axis=0)).astype(int)
        x1, y1 = np.ceil(polygon.max(axis=0)).astype(int)
        self._box = (max(int(x0), 0), max(int(y0), 0), int(x1) + 1, int(y1) + 1)
        self._polygon = polygon

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass

    def lit_fractions(self, image: np.ndarray) -> dict[str, float]:
        left, top, right, bottom = self._box
        patch = image[top:bottom, left:right]
        if patch.size == 0:
            return {}
        mask = np.zeros(patch.shape[:2], np.uint8)
        cv2.fillPoly(mask, [np.round(self._polygon - (left, top)).astype(np.int32)], (1,))
        inside = mask.astype(bool)
        total = int(inside.sum())
        if total == 0:
            return {}
        hsv = cv2.cvtColor(patch, cv2.COLOR_BGR2HSV)
        hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
        bright = inside & (val >= self.config.min_value) & (sat >= self.config.min_saturation)
        out = {}
        for state, ranges in _HUES.items():
            in_hue = np.zeros_like(bright)
            for low, high in ranges:
                in_hue |= (hue >= low) & (hue <= high)
            out[state.value] = round(float((bright & in_hue).sum()) / total, 4)
        return out

    def sample(self, frame: Frame) -> SignalSample:
        fractions = self.lit_fractions(frame.image)
        if not fractions:
            return UNKNOWN
        ranked = sorted(fractions.items(), key=lambda item: item[1], reverse=True)
        (best, best_share), (_, second_share) = ranked[0], ranked[1]
        lit = best_share >= self.config.min_lit_fraction and second_share < best_share / 2
        state = SignalState(best) if lit else SignalState.UNKNOWN
        return SignalSample(state, detail={"lit": fractions})


def create_signal(config: SignalConfig) -> SignalSource:
    if isinstance(config, ScheduleSignalConfig):
        return ScheduleSignal(config)
    if isinstance(config, HttpSignalConfig):
        return HttpSignal(config)
    if isinstance(config, MqttSignalConfig):
        return MqttSignal(config)
    return ImageSignal(config)


class SignalBoard:
    """One camera's signals: `observe(frame)` reads each once; `close()` stops their feeds."""

    def __init__(self, sources: Iterable[SignalSource]) -> None:
        self.sources = {s.name: s for s in sources}
        self._last: dict[str, tuple[SignalState, float | None]] = {}
        self._started = False

    @classmethod
    def from_config(cls, configs: Iterable[SignalConfig]) -> SignalBoard:
        return cls(create_signal(c) for c in configs)

    def start(self) -> None:
        if not self._started:
            for source in self.sources.values():
                source.start()
            self._started = True

    def close(self) -> None:
        for source in self.sources.values():
            source.close()
        self._started = False

    def observe(self, frame: Frame) -> dict[str, SignalReading]:
        self.start()
        now = frame.wall_time
        readings = {}
        for name, source in self.sources.items():
            sample = source.sample(frame)
            state, since = self._last.get(name, (SignalState.UNKNOWN, None))
            if sample.since is not None:
                since = sample.since
            elif sample.state != state or since is None:
                since = now
            if sample.state is SignalState.UNKNOWN:
                since = None
            self._last[name] = (sample.state, since)
            readings[name] = SignalReading(name, sample.state, since, sample.detail)
        return readings
