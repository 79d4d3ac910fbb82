"""CCTV case: a 24-px face in a wide 1920x1080 shot, found through its person box and matched
to the same man's large face seconds later (video/faces_walking.mp4)."""

from __future__ import annotations

import av
import cv2
import numpy as np
import pytest

from citywatch.config.pipeline import DetectorConfig
from citywatch.core.classes import ObjectClass
from citywatch.detect import create_detector
from citywatch.faces.base import cosine_distance

SHRINK = 0.3  # his face is 80 px wide in frame 40 at 1080p: 24 px after this


@pytest.fixture(scope="module")
def frames(data_dir):
    wanted = {40, 104}
    with av.open(str(data_dir / "video/faces_walking.mp4")) as container:
        found = {}
        for index, frame in enumerate(container.decode(video=0)):
            if index in wanted:
                found[index] = frame.to_ndarray(format="bgr24")
            if len(found) == len(wanted):
                return found
    raise AssertionError("faces_walking.mp4 is shorter than expected")


def test_a_small_face_in_a_wide_shot_matches_the_same_person_up_close(omz, registry, frames):
    people = create_detector(DetectorConfig(backend="openvino", score_threshold=0.4), registry)
    # Up close (frame 104): the man nearest the camera, face about 100 px wide.
    close = people.detect(frames[104])
    close_faces = omz.analyse(frames[104], regions=close[close.class_id == ObjectClass.PERSON])
    near = min(close_faces, key=lambda f: abs(float(f.box[0]) - 747))
    assert near.width > 90 and near.embedding is not None
    # Far (frame 40), shrunk into a wide shot; person boxes as a person detector gives them.
    far_people = people.detect(frames[40])
    far_people = far_people[far_people.class_id == ObjectClass.PERSON]
    small = cv2.resize(frames[40], None, fx=SHRINK, fy=SHRINK, interpolation=cv2.INTER_AREA)
    wide = np.zeros((1080, 1920, 3), np.uint8)
    wide[300 : 300 + small.shape[0], 600 : 600 + small.shape[1]] = small
    boxes = far_people.xyxy * SHRINK + np.array([600, 300, 600, 300], dtype=np.float32)
    assert len(omz.find(wide)) == 0  # the whole frame shrunk to 300x300 loses every face
    faces = omz.analyse(wide, regions=boxes, embed="all")
    assert len(faces) >= 2
    distances = [float(cosine_distance(f.embedding, near.embedding)[0, 0]) for f in faces]
    best = int(np.argmin(distances))
    assert distances[best] <= omz.threshold, distances
    assert 18 <= faces[best].width <= 30
    assert sorted(distances)[1] > omz.threshold  # and nobody else matches him
