"""Every signal source of a camera, read once per frame, with how long each state has lasted."""

from __future__ import annotations

from collections.abc import Iterable

from citywatch.config.rules import (
    HttpSignalConfig,
    MqttSignalConfig,
    ScheduleSignalConfig,
    SignalConfig,
)
from citywatch.core.frame import Frame
from citywatch.rules.signals.feeds import HttpSignal, MqttSignal
from citywatch.rules.signals.image import ImageSignal
from citywatch.rules.signals.schedule import ScheduleSignal
from citywatch.rules.signals.types import SignalReading, SignalSource, SignalState


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
