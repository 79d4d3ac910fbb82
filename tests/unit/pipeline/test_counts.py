"""Per-camera counts on the bus: by class and by zone, only when they change."""

from __future__ import annotations

import numpy as np

from citywatch.bus.local import LocalBus
from citywatch.bus.messages import COUNTS_TOPIC
from citywatch.config import CameraConfig, Zone
from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections
from citywatch.core.frame import Frame
from citywatch.pipeline.counts import CountPublisher


def tracks(*rows: tuple[float, float, ObjectClass]) -> Detections:
    boxes = [[x - 10, y - 40, x + 10, y] for x, y, _ in rows]  # feet at (x, y)
    return Detections.create(
        np.asarray(boxes, np.float32).reshape(-1, 4),
        np.ones(len(rows), np.float32),
        np.asarray([int(c) for *_, c in rows]),
        tracker_id=np.arange(len(rows)),
    )


def frame(t: float) -> Frame:
    return Frame("gate", int(t * 5), t, 1000.0 + t, np.zeros((10, 10, 3), np.uint8))


def test_counts_by_class_and_zone_published_once_a_second_when_changed() -> None:
    camera = CameraConfig(
        id="gate",
        source="x.mp4",
        zones=[Zone(name="door", polygon=[(0, 0), (100, 0), (100, 100), (0, 100)])],
    )
    bus = LocalBus()
    inbox = bus.subscribe(COUNTS_TOPIC)
    counts = CountPublisher(camera, bus)
    two = tracks(
        (50, 50, ObjectClass.PERSON), (150, 50, ObjectClass.PERSON), (50, 80, ObjectClass.VEHICLE)
    )
    counts.process(frame(0.0), two)
    counts.process(frame(0.5), tracks())  # within the second: not looked at
    counts.process(frame(1.0), two)  # unchanged: not published again
    counts.process(frame(2.0), tracks())
    messages = [m.payload for m in inbox.drain()]
    assert [m.objects for m in messages] == [{"person": 2, "vehicle": 1}, {}]
    assert messages[0].zones == {"door": {"person": 1, "vehicle": 1}}
    assert messages[1].zones == {"door": {}}
