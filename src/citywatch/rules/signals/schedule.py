"""A fixed-time signal: phases that repeat from an epoch."""

from __future__ import annotations

import numpy as np

from citywatch.config.rules import ScheduleSignalConfig
from citywatch.core.frame import Frame
from citywatch.rules.signals.types import SignalSample, SignalState


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
