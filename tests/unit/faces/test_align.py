"""Alignment: the similarity fit itself, and eyes landing where each embedder's template says."""

from __future__ import annotations

import numpy as np

from citywatch.faces.align import OMZ_REID_TEMPLATE, similarity_transform
from citywatch.faces.geometry import eye_centres
from citywatch.faces.landmarks import DlibLandmarks
from citywatch.faces.types import DLIB5


def test_similarity_transform_recovers_rotation_scale_and_shift():
    rng = np.random.default_rng(0)
    points = rng.uniform(0, 100, size=(5, 2))
    angle, scale, shift = np.radians(17), 1.7, np.array([12.0, -30.0])
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = scale * points @ rotation.T + shift
    matrix = similarity_transform(points, moved)
    assert np.allclose(matrix[:, :2], scale * rotation, atol=1e-9)
    assert np.allclose(matrix[:, 2], shift, atol=1e-9)


def test_similarity_transform_never_mirrors():
    points = np.array([[0, 0], [10, 0], [5, 5], [2, 9], [8, 9]], dtype=float)
    mirrored = points * [-1, 1]
    assert np.linalg.det(similarity_transform(points, mirrored)[:, :2]) > 0


def test_omz_alignment_puts_the_five_points_on_the_template(omz, image):
    """Landmarks found again on the aligned 128x128 face sit on the template (within 4 px)."""
    for name in ("lfw_small/al_pacino/al_pacino_verify_1.jpg", "openface_examples/carell.jpg"):
        picture = image(name)
        faces = omz.detect(picture)
        aligned = omz.embedder.aligner.align(picture, faces.data["landmarks"][:1])[0]
        assert aligned.shape == (128, 128, 3)
        again = omz.landmarker.locate(aligned, np.array([[0, 0, 128, 128]], np.float32))[0]
        error = np.linalg.norm(again - OMZ_REID_TEMPLATE * 128, axis=1)
        assert error[:2].max() < 4.0, (name, error)  # the eyes
        assert error.mean() < 4.0, (name, error)


def test_dlib_chips_put_the_eyes_in_the_same_place_for_different_photos(registry, image):
    from citywatch.faces.align import DlibChipAligner
    from citywatch.faces.detectors import DlibHogFaceDetector

    landmarks = DlibLandmarks(registry.package_file("dlib-shape-predictor-5"))
    detector, aligner = DlibHogFaceDetector(upsample=1), DlibChipAligner()
    eyes = []
    for name in ("openface_examples/lennon-1.jpg", "openface_examples/adams.jpg"):
        picture = image(name)
        points = landmarks.locate(picture, detector.detect(picture).xyxy[:1])
        chip = aligner.align(picture, points)[0]
        assert chip.shape == (150, 150, 3)
        on_chip = landmarks.locate(chip, np.array([[0, 0, 150, 150]], np.float32))[0]
        eyes.append(np.stack(eye_centres(on_chip, DLIB5)))
    assert np.linalg.norm(eyes[0] - eyes[1], axis=1).max() < 5.0
