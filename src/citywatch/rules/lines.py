"""Line crossing: which way each object crossed, counted once per object and direction."""

from __future__ import annotations

import numpy as np

from citywatch.config.rules import Line, LineCrossingConfig
from citywatch.core.records import Event
from citywatch.rules.base import EventMaker, Observation, class_ids
from citywatch.rules.geometry import LineGeometry
from citywatch.rules.presence import LineSides

DIRECTIONS = ("a_to_b", "b_to_a")


def reported_directions(line: Line) -> tuple[str, ...]:
    return DIRECTIONS if line.direction == "both" else (line.direction,)


class LineCrossing:
    """Counts crossings of a line per direction and reports each with the running counts.

    `cooldown_s` plays no part: an object that goes back and forth adds one count each way,
    ever, however often its box jitters over the line.
    """

    def __init__(self, config: LineCrossingConfig, line: Line, maker: EventMaker) -> None:
        self.name = config.name
        self.config = config
        self.line = line
        self.directions = reported_directions(line)
        self.class_ids = class_ids(config.classes)
        self.sides = LineSides(LineGeometry(*line.points), config.margin_px, config.confirm_frames)
        self.maker = maker
        self.counts = dict.fromkeys(self.directions, 0)
        self._counted: dict[int, set[str]] = {}

    def observe(self, obs: Observation) -> list[Event]:
        rows = np.flatnonzero(np.isin(obs.tracks.class_id, self.class_ids))
        crossings = self.sides.update(obs.time, obs.tracks.tracker_id[rows], rows, obs.feet[rows])
        events = []
        for crossing in crossings:
            done = self._counted.setdefault(crossing.track_id, set())
            if crossing.direction not in self.directions or crossing.direction in done:
                continue
            done.add(crossing.direction)
            self.counts[crossing.direction] += 1
            values = {
                "line": self.line.name,
                "direction": crossing.direction,
                "class": obs.class_name(crossing.row),
                "counts": dict(self.counts),
                "crossed_at": round(crossing.time, 3),
            }
            events.append(self.maker.for_track(obs, crossing.row, values))
        return events

    def forget(self, track_ids: list[int], now: float | None) -> list[Event]:
        self.sides.forget(track_ids)
        for track_id in track_ids:
            self._counted.pop(track_id, None)
        return []
