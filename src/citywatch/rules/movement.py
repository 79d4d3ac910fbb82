"""Movement rules: running (too fast) and wrong-way (against a lane's direction of travel).

Both read the fitted velocity of `citywatch.rules.motion` and need the condition to hold for
`min_duration_s` before they report, so one bad fit does not make an event.
"""

from __future__ import annotations

import numpy as np

from citywatch.config.rules import RunningConfig, WrongWayConfig
from citywatch.core.records import Event
from citywatch.rules.base import Cooldown, EventMaker, Observation, class_ids, rounded
from citywatch.rules.geometry import Region, angle_between
from citywatch.rules.zones import ZoneWatch


class _Sustained:
    """Since when a condition has held for each track (cleared when it stops holding)."""

    def __init__(self) -> None:
        self._since: dict[int, float] = {}

    def update(self, track_id: int, holds: bool, now: float) -> float:
        """Seconds the condition has held (0 when it does not)."""
        if not holds:
            self._since.pop(track_id, None)
            return 0.0
        return now - self._since.setdefault(track_id, now)

    def forget(self, track_ids: list[int]) -> None:
        for track_id in track_ids:
            self._since.pop(track_id, None)


class Running:
    """An event when an object's speed stays above the limit for `min_duration_s`.

    The speed is in metres per second through the camera's homography when the rule gives
    `speed_mps`, else in pixels per second (which depends on how far the object is).
    """

    def __init__(self, config: RunningConfig, region: Region | None, maker: EventMaker) -> None:
        self.name = config.name
        self.config = config
        self.metric = config.speed_mps is not None
        limit = config.speed_mps if config.speed_mps is not None else config.speed_px_s
        assert limit is not None  # the config insists on one of them
        self.limit = float(limit)
        self.unit = "m/s" if self.metric else "px/s"
        self.class_ids = class_ids(config.classes)
        self.watch = (
            None if region is None else ZoneWatch(region, config.classes, config.confirm_frames)
        )
        self.fast = _Sustained()
        self.cooldown = Cooldown(config.cooldown_s)
        self.maker = maker

    def _rows(self, obs: Observation) -> tuple[np.ndarray, np.ndarray]:
        """This frame's rows of the rule's classes, and which of them are in the zone."""
        if self.watch is None:
            rows = np.flatnonzero(np.isin(obs.tracks.class_id, self.class_ids))
            return rows, np.ones(len(rows), bool)
        rows, _ = self.watch.update(obs)
        membership = self.watch.membership
        return rows, np.array([membership.inside(obs.track_id(r)) for r in rows], bool)

    def observe(self, obs: Observation) -> list[Event]:
        events = []
        rows, inside = self._rows(obs)
        for row, in_zone in zip(rows, inside, strict=True):
            track_id = obs.track_id(row)
            velocity = None
            if in_zone:
                velocity = obs.motion.velocity(track_id, obs.time, self.config.window_s)
            speed = None
            if velocity is not None:
                speed = velocity.ground_speed if self.metric else velocity.image_speed
            held = self.fast.update(track_id, speed is not None and speed > self.limit, obs.time)
            if speed is None or speed <= self.limit or held < self.config.min_duration_s:
                continue
            if not self.cooldown.ready(track_id, obs.time):
                continue
            self.cooldown.mark(track_id, obs.time)
            values = {
                "class": obs.class_name(row),
                "speed": rounded(speed),
                "unit": self.unit,
                "limit": self.limit,
                "fast_for_s": rounded(held, 1),
                "window_s": self.config.window_s,
            }
            if self.config.zone is not None:
                values["zone"] = self.config.zone
            events.append(self.maker.for_track(obs, row, values))
        return events

    def forget(self, track_ids: list[int], now: float | None) -> list[Event]:
        if self.watch is not None:
            self.watch.forget(track_ids)
        self.fast.forget(track_ids)
        for track_id in track_ids:
            self.cooldown.forget(track_id)
        return []


class WrongWay:
    """An event when an object in the zone moves against the allowed arrow (see the config)."""

    def __init__(self, config: WrongWayConfig, region: Region, maker: EventMaker) -> None:
        self.name = config.name
        self.config = config
        tail, head = (np.asarray(p, np.float64) for p in config.allowed)
        self.arrow = head - tail
        self.watch = ZoneWatch(region, config.classes, config.confirm_frames)
        self.wrong = _Sustained()
        self.cooldown = Cooldown(config.cooldown_s)
        self.maker = maker

    def observe(self, obs: Observation) -> list[Event]:
        rows, _ = self.watch.update(obs)
        events = []
        for row in rows:
            track_id = obs.track_id(row)
            velocity = None
            if self.watch.membership.inside(track_id):
                velocity = obs.motion.velocity(track_id, obs.time, self.config.window_s)
            angle = travel = 0.0
            if velocity is not None:
                angle = angle_between(velocity.image, self.arrow)
                travel = velocity.image_speed * velocity.span_s
            wrong = travel >= self.config.min_travel_px and angle > self.config.max_angle_deg
            held = self.wrong.update(track_id, wrong, obs.time)
            if not wrong or held < self.config.min_duration_s:
                continue
            if not self.cooldown.ready(track_id, obs.time):
                continue
            self.cooldown.mark(track_id, obs.time)
            assert velocity is not None
            values = {
                "zone": self.config.zone,
                "class": obs.class_name(row),
                "angle_deg": rounded(angle, 1),
                "limit_deg": self.config.max_angle_deg,
                "travel_px": rounded(travel, 1),
                "speed_px_s": rounded(velocity.image_speed, 1),
                "allowed": [list(p) for p in self.config.allowed],
                "wrong_for_s": rounded(held, 1),
            }
            events.append(self.maker.for_track(obs, row, values))
        return events

    def forget(self, track_ids: list[int], now: float | None) -> list[Event]:
        self.watch.forget(track_ids)
        self.wrong.forget(track_ids)
        for track_id in track_ids:
            self.cooldown.forget(track_id)
        return []
