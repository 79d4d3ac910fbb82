"""Quality gate and best-shot selection on real faces made worse on purpose."""

from __future__ import annotations

import cv2
import numpy as np

from citywatch.faces.quality import BestShots, QualityGate


def observe(pipeline, picture):
    faces = pipeline.detect(picture)
    assert len(faces), "no face found"
    index = int(np.argmax(faces.area))
    return pipeline.gate.assess(
        picture, faces.xyxy[index], faces.data["landmarks"][index], "landmarks"
    ), faces.xyxy[index]


def test_a_sharp_frontal_face_passes(omz, image):
    quality, _ = observe(omz, image("lfw_small/lucy_liu/lucy_liu_enroll.jpg"))
    assert quality.passes, quality.reasons
    assert quality.sharpness > 0.8 and abs(quality.yaw) < 25 and quality.score > 0.8


def test_a_blurred_face_is_rejected_for_sharpness(omz, image):
    """Blur of sigma 8 % of the face width: recognition fails there (bench notes, quality.py)."""
    picture = image("lfw_small/lucy_liu/lucy_liu_enroll.jpg")
    faces = omz.detect(picture)
    box, points = faces.xyxy[0], faces.data["landmarks"][0]
    sharp = omz.gate.assess(picture, box, points, "landmarks")
    blurred = cv2.GaussianBlur(picture, (0, 0), 0.08 * float(box[2] - box[0]))
    quality = omz.gate.assess(blurred, box, points, "landmarks")
    assert not quality.passes
    assert [r for r in quality.reasons if r.startswith("sharpness")], quality.reasons
    assert quality.score < sharp.score


def test_a_tiny_face_is_rejected_for_size(omz, image):
    picture = image("lfw_small/lucy_liu/lucy_liu_enroll.jpg")
    faces = omz.detect(picture)
    box, points = faces.xyxy[0], faces.data["landmarks"][0]
    factor = 14 / float(box[2] - box[0])  # the face 14 px wide
    tiny = cv2.resize(picture, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    quality = QualityGate().assess(tiny, box * factor, points * factor, "landmarks")
    assert not quality.passes and [r for r in quality.reasons if r.startswith("size")]


def test_yaw_changes_sign_in_a_mirror(omz, image):
    picture = image("lfw_small/chen_shui_bian/chen_shui_bian_verify_2.jpg")
    turned, _ = observe(omz, picture)
    mirrored, _ = observe(omz, np.ascontiguousarray(picture[:, ::-1]))
    assert abs(turned.yaw) > 8
    assert np.sign(turned.yaw) == -np.sign(mirrored.yaw)
    assert abs(abs(turned.yaw) - abs(mirrored.yaw)) < 6


def test_best_shots_keep_the_top_few_per_track():
    shots: BestShots[str] = BestShots(keep=2)
    for score, name in [(0.2, "a"), (0.9, "b"), (0.5, "c"), (0.95, "d"), (0.1, "e")]:
        shots.offer(7, score, name)
    shots.offer(8, 0.3, "other track")
    assert shots.best(7) == ["d", "b"]
    assert not shots.would_keep(7, 0.5) and shots.would_keep(7, 0.91)
    assert shots.take(7) == ["d", "b"] and shots.best(7) == []
    assert shots.tracks() == [8]
