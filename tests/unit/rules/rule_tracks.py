"""Synthetic cameras, frames and tracks for the rule tests: objects are foot points on a path.

Times are seconds from `T0`; `play` feeds one frame per step at `fps` and collects events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from citywatch.config.cameras import CameraConfig
from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections
from citywatch.core.frame import Frame
from citywatch.core.records import Event
from citywatch.rules import RuleStage

T0 = 1_700_000_000.0
PERSON, VEHICLE, BICYCLE = ObjectClass.PERSON, ObjectClass.VEHICLE, ObjectClass.BICYCLE

# (track id, foot x, foot y) or (track id, foot x, foot y, class)
Obj = tuple[int, float, float] | tuple[int, float, float, int]


def camera(**fields: Any) -> CameraConfig:
    return CameraConfig.model_validate({"id": "cam", "source": "x.mp4", **fields})


def frame(t: float, image: np.ndarray | None = None, fps: float = 10.0) -> Frame:
    if image is None:
        image = np.full((480, 640, 3), 90, np.uint8)
    return Frame("cam", int(round(t * fps)), t, T0 + t, image)


def tracks(objects: Sequence[Obj], size: tuple[float, float] = (20.0, 50.0)) -> Detections:
    """Boxes `size` (w, h) standing on each foot point."""
    w, h = size
    boxes, ids, classes = [], [], []
    for obj in objects:
        track_id, x, y = obj[0], obj[1], obj[2]
        boxes.append([x - w / 2, y - h, x + w / 2, y])
        ids.append(track_id)
        classes.append(obj[3] if len(obj) > 3 else PERSON)
    return Detections.create(
        np.array(boxes, np.float32).reshape(-1, 4),
        np.full(len(ids), 0.9),
        np.array(classes),
        tracker_id=np.array(ids),
    )


def play(
    stage: RuleStage,
    steps: Iterable[Sequence[Obj]],
    fps: float = 10.0,
    start: float = 0.0,
    ended: dict[int, list[int]] | None = None,
) -> list[Event]:
    """One frame per step; `ended` maps a step index to the track ids ended after it."""
    events: list[Event] = []
    for i, objects in enumerate(steps):
        t = start + i / fps
        events += stage.process(frame(t, fps=fps), tracks(objects))
        if ended and i in ended:
            events += stage.finish(ended[i])
    return events


def walk(
    track_id: int,
    start: tuple[float, float],
    end: tuple[float, float],
    frames: int,
    cls: int = PERSON,
) -> list[Obj]:
    """A straight walk from start to end over `frames` frames (both ends included)."""
    xs = np.linspace(start[0], end[0], frames)
    ys = np.linspace(start[1], end[1], frames)
    return [(track_id, float(x), float(y), cls) for x, y in zip(xs, ys, strict=True)]


def together(*paths: list[Obj]) -> list[list[Obj]]:
    """Frames with every path's object at its step (shorter paths drop out when done)."""
    length = max(len(p) for p in paths)
    return [[p[i] for p in paths if i < len(p)] for i in range(length)]


def of_type(events: Iterable[Event], kind: str) -> list[Event]:
    return [e for e in events if e.type == kind]
