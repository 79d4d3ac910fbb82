"""What every rule check shares: the frame as rules see it, class filters, events, cool-downs.

A check is one configured rule at work. It sees each frame once (`observe`) and is told when
tracks end (`forget`), so nothing it keeps about a track outlives the track.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections
from citywatch.core.frame import Frame
from citywatch.core.records import Event
from citywatch.pipeline.trackbook import crop
from citywatch.rules.motion import MotionBook
from citywatch.rules.signals import SignalReading


@dataclass(frozen=True)
class Observation:
    """One frame as the rules see it. Rows of `tracks`, `feet` and `ground` line up."""

    frame: Frame
    tracks: Detections  # tracked objects only
    feet: np.ndarray  # N x 2 foot points, image pixels
    ground: np.ndarray | None  # N x 2 foot points in metres, when the camera has a homography
    signals: Mapping[str, SignalReading]
    motion: MotionBook

    @property
    def time(self) -> float:
        return self.frame.wall_time

    def track_id(self, row: int) -> int:
        return int(self.tracks.tracker_id[row])

    def class_name(self, row: int) -> str:
        return class_name(int(self.tracks.class_id[row]))


def class_name(class_id: int) -> str:
    try:
        return ObjectClass(class_id).name.lower()
    except ValueError:
        return str(class_id)


def class_ids(names: Sequence[str]) -> np.ndarray:
    return np.array([ObjectClass.parse(n) for n in names], dtype=np.int32)


class Check(Protocol):
    name: str

    def observe(self, obs: Observation) -> list[Event]: ...

    def forget(self, track_ids: list[int], now: float | None) -> list[Event]: ...


class EventMaker:
    """Builds a check's events with the camera, run and evidence picture filled in."""

    def __init__(self, camera_id: str, run_id: str, rule_type: str, rule_name: str) -> None:
        self.camera_id = camera_id
        self.run_id = run_id
        self.rule_type = rule_type
        self.rule_name = rule_name

    def for_track(self, obs: Observation, row: int, values: dict[str, Any]) -> Event:
        """An event about one object; its picture is a crop of the object."""
        return Event(
            camera_id=self.camera_id,
            time=obs.time,
            type=self.rule_type,
            rule=self.rule_name,
            values=values,
            run_id=self.run_id,
            track_local_id=obs.track_id(row),
            thumbnail=crop(obs.frame.image, obs.tracks.xyxy[row]),
        )

    def for_scene(
        self, obs: Observation, values: dict[str, Any], thumbnail: np.ndarray | None = None
    ) -> Event:
        """An event about a place (a crowd, a left object); its picture is given or the frame."""
        return Event(
            camera_id=self.camera_id,
            time=obs.time,
            type=self.rule_type,
            rule=self.rule_name,
            values=values,
            run_id=self.run_id,
            track_local_id=None,
            thumbnail=obs.frame.image.copy() if thumbnail is None else thumbnail,
        )


class Cooldown:
    """At most one event per key every `seconds` (key: a track id, or the rule itself)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last: dict[Hashable, float] = {}

    def ready(self, key: Hashable, now: float) -> bool:
        last = self._last.get(key)
        return last is None or now - last >= self.seconds

    def mark(self, key: Hashable, now: float) -> None:
        self._last[key] = now

    def forget(self, key: Hashable) -> None:
        self._last.pop(key, None)


def rounded(value: float, digits: int = 2) -> float:
    return round(float(value), digits)
