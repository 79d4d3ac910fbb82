"""What each camera sees now, per class and per zone, published on the bus once a second.

Outputs turn it into Frigate-style retained MQTT topics (`citywatch/<camera>/<object>`) and
the web UI's live counts. A zone counts an object whose foot point is inside its polygon.
"""

from __future__ import annotations

import cv2
import numpy as np

from citywatch.bus.local import LocalBus
from citywatch.bus.messages import COUNTS_TOPIC, CountsMessage
from citywatch.config.cameras import CameraConfig
from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections
from citywatch.core.frame import Frame

_NAMES = {int(c): c.name.lower() for c in ObjectClass}


class CountPublisher:
    def __init__(self, camera: CameraConfig, bus: LocalBus, interval_s: float = 1.0) -> None:
        self.camera_id = camera.id
        self.bus = bus
        self.interval_s = interval_s
        self._zones = {
            z.name: np.asarray(z.polygon, dtype=np.float32).reshape(-1, 1, 2) for z in camera.zones
        }
        self._next = float("-inf")
        self._last: tuple[dict[str, int], dict[str, dict[str, int]]] | None = None

    def process(self, frame: Frame, tracks: Detections) -> None:
        if frame.wall_time < self._next:
            return
        self._next = frame.wall_time + self.interval_s
        names = [_NAMES.get(int(c), "other") for c in tracks.class_id]
        objects = {name: names.count(name) for name in sorted(set(names))}
        zones: dict[str, dict[str, int]] = {}
        feet = tracks.bottom_center
        for zone, polygon in self._zones.items():
            inside = [
                names[i]
                for i in range(len(tracks))
                if cv2.pointPolygonTest(polygon, (float(feet[i, 0]), float(feet[i, 1])), False) >= 0
            ]
            zones[zone] = {name: inside.count(name) for name in sorted(set(inside))}
        if (objects, zones) == self._last:
            return
        self._last = (objects, zones)
        self.bus.publish(
            COUNTS_TOPIC, CountsMessage(self.camera_id, frame.wall_time, objects, zones)
        )
