"""The pipeline feeds the API's latest pictures: a few a second, shrunk, with person boxes."""

from __future__ import annotations

import cv2
import numpy as np

from citywatch.api.frames import LatestFrames
from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections
from citywatch.core.frame import Frame
from citywatch.pipeline.live_frames import LiveFramePublisher


def test_frames_are_throttled_shrunk_and_carry_person_boxes() -> None:
    frames = LatestFrames()
    live = LiveFramePublisher("gate", frames, max_fps=2.0, max_width=960)
    tracks = Detections.create(
        np.asarray([[100, 200, 300, 800], [1000, 100, 1400, 400]], np.float32),
        np.ones(2, np.float32),
        np.asarray([int(ObjectClass.PERSON), int(ObjectClass.VEHICLE)]),
        tracker_id=np.asarray([1, 2]),
    )
    image = np.full((1080, 1920, 3), 90, np.uint8)
    for i in range(10):  # 1 s at 10 fps: two pictures at most 2 per second
        live.process(Frame("gate", i, i / 10, 1000.0 + i / 10, image), tracks)
    latest = frames.get("gate")
    assert latest is not None and latest.seq == 1  # the second picture offered
    decoded = cv2.imdecode(np.frombuffer(latest.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == (540, 960, 3)
    assert latest.persons == ((50.0, 100.0, 100.0, 300.0),)  # the person only, scaled by 0.5
