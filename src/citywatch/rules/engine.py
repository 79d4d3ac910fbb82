"""`RuleStage`: a camera's configured rules, run over each frame's tracks, giving `Event`s.

The pipeline calls `process(frame, tracks)` after the tracker and `finish(ended)` with the ids
the tracker ended, so per-track state goes when the track does. Each event names its rule and
carries the values that made it fire (see the rule modules for which values each type has).
"""

from __future__ import annotations

import logging

import numpy as np

from citywatch.config.cameras import CameraConfig
from citywatch.config.rules import (
    CrowdingConfig,
    IntrusionConfig,
    LeftBehindConfig,
    LineCrossingConfig,
    LoiteringConfig,
    RedLightConfig,
    RuleConfig,
    RunningConfig,
    WrongWayConfig,
)
from citywatch.core.detections import NO_TRACK, Detections
from citywatch.core.frame import Frame
from citywatch.core.records import Event
from citywatch.rules.base import Check, EventMaker, Observation
from citywatch.rules.geometry import GroundMap, Region
from citywatch.rules.leftbehind import LeftBehind
from citywatch.rules.lines import LineCrossing
from citywatch.rules.motion import MotionBook
from citywatch.rules.movement import Running, WrongWay
from citywatch.rules.redlight import PlateLookup, RedLight
from citywatch.rules.signals import SignalBoard
from citywatch.rules.zones import Crowding, Intrusion, Loitering

log = logging.getLogger("citywatch.rules")


class RuleStage:
    """Runs one camera's rules. Not thread-safe: one camera worker calls it.

    `signals`: the camera's signal board; when None and the camera configures signals, the
    stage builds one from the configuration and closes it in `close()`. `plate_lookup` gives
    the plate read for a vehicle track so far (None when none yet), for red-light offences.
    """

    def __init__(
        self,
        camera: CameraConfig,
        run_id: str,
        signals: SignalBoard | None = None,
        plate_lookup: PlateLookup | None = None,
    ) -> None:
        self.camera = camera
        self.run_id = run_id
        self._owns_signals = signals is None and bool(camera.signals)
        self.signals = SignalBoard.from_config(camera.signals) if self._owns_signals else signals
        self.plate_lookup = plate_lookup
        self.ground = GroundMap(camera.homography) if camera.homography is not None else None
        self._regions = {z.name: Region(z.polygon) for z in camera.zones}
        self._lines = {line.name: line for line in camera.lines}
        self.checks: list[Check] = [self._build(rule) for rule in camera.rules]
        longest = max((getattr(r, "window_s", 1.0) for r in camera.rules), default=1.0)
        self.motion = MotionBook(keep_s=longest + 1.0)
        self._last_time: float | None = None

    def _region(self, name: str | None) -> Region | None:
        return None if name is None else self._regions[name]

    def _build(self, rule: RuleConfig) -> Check:
        maker = EventMaker(self.camera.id, self.run_id, rule.type, rule.name)
        if isinstance(rule, IntrusionConfig):
            return Intrusion(rule, self._regions[rule.zone], maker)
        if isinstance(rule, LoiteringConfig):
            return Loitering(rule, self._regions[rule.zone], maker)
        if isinstance(rule, CrowdingConfig):
            return Crowding(rule, self._regions[rule.zone], maker)
        if isinstance(rule, LineCrossingConfig):
            return LineCrossing(rule, self._lines[rule.line], maker)
        if isinstance(rule, RunningConfig):
            return Running(rule, self._region(rule.zone), maker)
        if isinstance(rule, WrongWayConfig):
            return WrongWay(rule, self._regions[rule.zone], maker)
        if isinstance(rule, LeftBehindConfig):
            return LeftBehind(rule, self._region(rule.zone), maker)
        if isinstance(rule, RedLightConfig):
            line = None if rule.line is None else self._lines[rule.line]
            return RedLight(rule, self._region(rule.zone), line, maker, self.plate_lookup)
        raise TypeError(f"no check for rule type {type(rule).__name__}")  # pragma: no cover

    def process(self, frame: Frame, tracks: Detections) -> list[Event]:
        """The events this frame makes (and held offences whose plate has come in)."""
        tracks = tracks[tracks.tracker_id != NO_TRACK]
        feet = tracks.bottom_center.astype(np.float64)
        ground = self.ground.to_ground(feet) if self.ground is not None else None
        readings = self.signals.observe(frame) if self.signals is not None else {}
        self.motion.observe(frame.wall_time, tracks.tracker_id, feet, ground)
        obs = Observation(frame, tracks, feet, ground, readings, self.motion)
        self._last_time = frame.wall_time
        events: list[Event] = []
        for check in self.checks:
            events.extend(check.observe(obs))
        return events

    def finish(self, ended_track_ids: list[int]) -> list[Event]:
        """Drop what the rules kept about ended tracks; returns events held for them."""
        ended = [int(t) for t in ended_track_ids]
        events: list[Event] = []
        for check in self.checks:
            events.extend(check.forget(ended, self._last_time))
        self.motion.forget(ended)
        return events

    def counts(self) -> dict[str, dict[str, int]]:
        """Line-crossing counts so far, per rule and direction (for dashboards)."""
        return {c.name: dict(c.counts) for c in self.checks if isinstance(c, LineCrossing)}

    def zone_counts(self) -> dict[str, int]:
        """Objects in each crowding rule's zone at the last frame."""
        return {c.name: c.count for c in self.checks if isinstance(c, Crowding)}

    def close(self) -> None:
        """Stop the signal feeds this stage started (HTTP polling, MQTT)."""
        if self._owns_signals and self.signals is not None:
            self.signals.close()
