"""Red-light offences: entering a crosswalk, or crossing a stop line, while the signal is red.

The signal is judged at the moment the object moved in (the first frame of the confirming
run), not when the move was confirmed a frame or two later, so a car that crossed on amber is
not caught by the light turning red behind it. A signal in any state but red (unknown
included) makes no offence.

Offences are evidence for an operator: the event carries `"offence": True`, and for vehicles
the plate the plate reader found (`plate_lookup`), waiting up to `plate_wait_s` for a read.
Outputs must not publish the picture or the plate (see citywatch.bus.messages).
"""

from __future__ import annotations

import dataclasses
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from citywatch.config.rules import Line, RedLightConfig
from citywatch.core.records import Event
from citywatch.rules.base import Cooldown, EventMaker, Observation, class_ids, rounded
from citywatch.rules.geometry import LineGeometry, Region
from citywatch.rules.lines import reported_directions
from citywatch.rules.presence import LineSides
from citywatch.rules.signals import SignalReading, SignalState
from citywatch.rules.zones import ZoneWatch

log = logging.getLogger("citywatch.rules")

PlateLookup = Callable[[int], str | None]
_HISTORY_FRAMES = 256  # signal readings kept to judge moves confirmed a few frames late


@dataclass
class _Pending:
    event: Event
    deadline: float


class RedLight:
    def __init__(
        self,
        config: RedLightConfig,
        region: Region | None,
        line: Line | None,
        maker: EventMaker,
        plate_lookup: PlateLookup | None = None,
    ) -> None:
        self.name = config.name
        self.config = config
        self.class_ids = class_ids(config.classes)
        self.watch = (
            None if region is None else ZoneWatch(region, config.classes, config.confirm_frames)
        )
        self.line = line
        self.sides = (
            None
            if line is None
            else LineSides(LineGeometry(*line.points), config.margin_px, config.confirm_frames)
        )
        self.directions = reported_directions(line) if line is not None else ()
        self.cooldown = Cooldown(config.cooldown_s)
        self.maker = maker
        self.plate_lookup = plate_lookup
        self._history: deque[tuple[float, SignalReading | None]] = deque(maxlen=_HISTORY_FRAMES)
        self._pending: dict[int, _Pending] = {}

    def _reading_at(self, when: float) -> SignalReading | None:
        for time, reading in reversed(self._history):
            if time <= when:
                return reading
        return None

    def _moves(self, obs: Observation) -> list[tuple[int, int, float, str | None]]:
        """(track id, row, time it moved in, direction for a line) for this frame."""
        if self.watch is not None:
            _, changes = self.watch.update(obs)
            return [(c.track_id, c.row, c.since, None) for c in changes if c.inside]
        assert self.sides is not None
        rows = np.flatnonzero(np.isin(obs.tracks.class_id, self.class_ids))
        crossings = self.sides.update(obs.time, obs.tracks.tracker_id[rows], rows, obs.feet[rows])
        return [
            (c.track_id, c.row, c.time, c.direction)
            for c in crossings
            if c.direction in self.directions
        ]

    def observe(self, obs: Observation) -> list[Event]:
        self._history.append((obs.time, obs.signals.get(self.config.signal)))
        events = self._due(obs.time)
        for track_id, row, moved_at, direction in self._moves(obs):
            reading = self._reading_at(moved_at)
            state = SignalState.UNKNOWN if reading is None else reading.state
            if state is not SignalState.RED or reading is None:
                if state is SignalState.UNKNOWN:
                    log.debug("%s: track %d moved in with the signal unknown", self.name, track_id)
                continue
            red_for = reading.held_for(moved_at) or 0.0
            if red_for < self.config.grace_s or not self.cooldown.ready(track_id, obs.time):
                continue
            self.cooldown.mark(track_id, obs.time)
            kind = obs.class_name(row)
            values: dict[str, object] = {
                "offence": True,
                "class": kind,
                "signal": self.config.signal,
                "signal_state": state.value,
                "red_for_s": rounded(red_for, 1),
                "grace_s": self.config.grace_s,
            }
            if self.watch is not None:
                values.update(zone=self.config.zone, entered_at=rounded(moved_at, 3))
            else:
                assert self.line is not None
                values.update(line=self.line.name, direction=direction)
                values["crossed_at"] = rounded(moved_at, 3)
            if reading.detail:
                values["signal_evidence"] = dict(reading.detail)
            event = self.maker.for_track(obs, row, values)
            if kind != "vehicle":
                events.append(event)
                continue
            plate = self.plate_lookup(track_id) if self.plate_lookup is not None else None
            if plate is None and self.plate_lookup is not None and self.config.plate_wait_s > 0:
                self._pending[track_id] = _Pending(event, obs.time + self.config.plate_wait_s)
            else:
                events.append(self._with_plate(event, plate))
        return events

    @staticmethod
    def _with_plate(event: Event, plate: str | None) -> Event:
        return dataclasses.replace(event, values={**event.values, "plate": plate})

    def _due(self, now: float | None, track_ids: list[int] | None = None) -> list[Event]:
        """Held vehicle offences whose plate is now read, whose wait is over, or whose track
        ended (`track_ids`)."""
        done = []
        for track_id, pending in list(self._pending.items()):
            plate = self.plate_lookup(track_id) if self.plate_lookup is not None else None
            ended = track_ids is not None and track_id in track_ids
            if plate is not None or ended or (now is not None and now >= pending.deadline):
                done.append(self._with_plate(pending.event, plate))
                del self._pending[track_id]
        return done

    def forget(self, track_ids: list[int], now: float | None) -> list[Event]:
        events = self._due(now, track_ids)
        if self.watch is not None:
            self.watch.forget(track_ids)
        if self.sides is not None:
            self.sides.forget(track_ids)
        for track_id in track_ids:
            self.cooldown.forget(track_id)
        return events
