"""Faces too small for whole-frame detection, found in enlarged person head regions."""

from __future__ import annotations

import cv2
import numpy as np

from citywatch.core.detections import Detections
from citywatch.faces.regions import PERSON_INDEX, _assign_to_people, detect_in_regions


def wide_shot(picture: np.ndarray, face_box: np.ndarray, face_px: float, at=(1200, 500)):
    """`picture` shrunk so its face is `face_px` wide, pasted into a grey 1920x1080 frame."""
    factor = face_px / float(face_box[2] - face_box[0])
    small = cv2.resize(picture, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    frame = np.full((1080, 1920, 3), 120, np.uint8)
    x, y = at
    frame[y : y + small.shape[0], x : x + small.shape[1]] = small
    offset = np.array([x, y, x, y], dtype=np.float32)
    person = np.array([x, y, x + small.shape[1], y + 3 * small.shape[0]], dtype=np.float32)
    return frame, face_box * factor + offset, person


def test_a_22px_face_missed_on_the_whole_frame_is_found_in_its_head_region(omz, image):
    picture = image("lfw_small/sergio_garcia/sergio_garcia_enroll.jpg")
    face_box = omz.region_detector.detect(picture).xyxy[0]
    frame, truth, person = wide_shot(picture, face_box, 22)
    assert len(omz.region_detector.detect(frame)) == 0
    people = Detections.create(person[None], [0.9], [0], tracker_id=[42])
    found = detect_in_regions(omz.region_detector, frame, people, upscale_to=320)
    assert len(found) == 1
    centre = (found.xyxy[0, :2] + found.xyxy[0, 2:]) / 2
    true_centre = (truth[:2] + truth[2:]) / 2
    assert np.abs(centre - true_centre).max() < 4  # pixels of the 1920x1080 frame
    width = found.xyxy[0, 2] - found.xyxy[0, 0]
    assert 0.7 < width / (truth[2] - truth[0]) < 1.4
    assert found.tracker_id[0] == 42 and found.data[PERSON_INDEX][0] == 0


def test_no_person_no_search(omz, image):
    picture = image("lfw_small/sergio_garcia/sergio_garcia_enroll.jpg")
    frame, _, _ = wide_shot(picture, omz.region_detector.detect(picture).xyxy[0], 22)
    elsewhere = np.array([[100, 100, 160, 280]], dtype=np.float32)
    assert len(detect_in_regions(omz.region_detector, frame, elsewhere)) == 0


def test_each_person_gets_the_face_nearest_its_head():
    people = np.array([[0, 0, 100, 300], [80, 0, 180, 300]], dtype=np.float32)
    # Two faces, each inside both head regions; the left one is nearer the left person's head.
    faces = np.array([[35, 10, 65, 40], [112, 12, 142, 42]], dtype=np.float32)
    assert _assign_to_people(faces, people, 0.4).tolist() == [0, 1]
    # A third face no head region holds belongs to nobody.
    stray = np.vstack([faces, [[400, 400, 430, 430]]]).astype(np.float32)
    assert _assign_to_people(stray, people, 0.4).tolist() == [0, 1, -1]
