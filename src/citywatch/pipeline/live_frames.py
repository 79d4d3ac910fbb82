"""The latest picture of each camera, for the API's snapshot and live MJPEG routes.

A few frames a second are enough for a person watching, so frames are offered at most
`max_fps`, shrunk to `max_width` and JPEG-encoded on the camera's thread, with the person
boxes the API needs to blur heads for viewers and every tracked object (id, class, box) for
the live wall to draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import cv2
import numpy as np

from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections
from citywatch.core.frame import Frame
from citywatch.core.records import LiveTrack

Box = tuple[float, float, float, float]


class FrameSink(Protocol):
    def put(
        self,
        camera_id: str,
        jpeg: bytes,
        time_s: float | None = None,
        faces: Sequence[Box] | None = None,
        persons: Sequence[Box] | None = None,
        tracks: Sequence[LiveTrack] = (),
        size: tuple[int, int] | None = None,
    ) -> object: ...


class LiveFramePublisher:
    def __init__(
        self, camera_id: str, sink: FrameSink, max_fps: float = 4.0, max_width: int = 960
    ) -> None:
        self.camera_id = camera_id
        self.sink = sink
        self.interval_s = 1.0 / max_fps
        self.max_width = max_width
        self._next = float("-inf")

    def process(self, frame: Frame, tracks: Detections) -> None:
        if frame.wall_time < self._next:
            return
        self._next = frame.wall_time + self.interval_s
        image = frame.image
        scale = min(1.0, self.max_width / image.shape[1])
        if scale < 1.0:
            size = (self.max_width, int(round(image.shape[0] * scale)))
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
        if not ok:
            return
        boxes = [
            (float(x1), float(y1), float(x2 - x1), float(y2 - y1))
            for x1, y1, x2, y2 in tracks.xyxy * scale
        ]
        is_person = tracks.class_id == int(ObjectClass.PERSON)
        self.sink.put(
            self.camera_id,
            np.asarray(jpeg).tobytes(),
            frame.wall_time,
            persons=[box for box, person in zip(boxes, is_person, strict=True) if person],
            tracks=[
                LiveTrack(int(track_id), _label(int(class_id)), box)
                for box, track_id, class_id in zip(
                    boxes, tracks.tracker_id, tracks.class_id, strict=True
                )
            ],
            size=(image.shape[1], image.shape[0]),
        )


def _label(class_id: int) -> str:
    try:
        return ObjectClass(class_id).name.lower()
    except ValueError:
        return "object"
