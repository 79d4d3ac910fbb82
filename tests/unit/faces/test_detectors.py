"""Face detectors on annotated photos: every annotated nose inside a box; nothing on dogs."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from citywatch.core.classes import ObjectClass
from citywatch.faces import detectors

# Photos every detector finds every face in; 016_8.jpg (8 faces, some 30 px) is checked on
# its own below because the whole-image detectors each miss one to four of its faces.
EVERY_FACE = [
    "001_A.jpg",  # 4912x7360: a huge photo
    "007_B.jpg",
    "009_C.jpg",
    "010_2.jpg",
    "011_3.jpg",
    "012_4.jpg",
    "014_5.jpg",
    "015_6.jpg",
]
DETECTORS = ["omz-confirmed", "omz-retail-0004", "omz-retail-0005", "mediapipe", "dlib-hog"]


@pytest.fixture(scope="module")
def noses(faces_dir):
    with (faces_dir / "compreface_samples/annotations.tsv").open(encoding="utf-8") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")
        return {
            row["file"].split("/")[-1]: [
                tuple(float(v) for v in point.split(","))
                for point in row["noses"].split(";")
                if point
            ]
            for row in rows
        }


@pytest.fixture(scope="module")
def detector_by_name(omz, registry):
    retail_0004 = registry.require("face-detection-retail-0004").xml
    built = {
        "omz-confirmed": omz.detector,
        "omz-retail-0004": detectors.omz_face_detector(retail_0004),
        "omz-retail-0005": omz.region_detector,
        "mediapipe": detectors.MediapipeFaceDetector(full_range=True),
        "dlib-hog": detectors.DlibHogFaceDetector(upsample=1),
    }
    return built.__getitem__


def noses_found(found, points) -> int:
    used: set[int] = set()
    for x, y in points:
        for i, (x1, y1, x2, y2) in enumerate(found.xyxy):
            if i not in used and x1 <= x <= x2 and y1 <= y <= y2:
                used.add(i)
                break
    return len(used)


@pytest.mark.parametrize("name", DETECTORS)
def test_each_annotated_face_is_inside_a_detected_box(name, detector_by_name, noses, image):
    detector = detector_by_name(name)
    for photo in EVERY_FACE:
        found = detector.detect(image(f"compreface_samples/sample_images/{photo}"))
        assert (found.class_id == ObjectClass.FACE).all()
        hit = noses_found(found, noses[photo])
        assert hit == len(noses[photo]), f"{name} on {photo}: {hit} of {len(noses[photo])}"
        assert len(found) <= hit + 1, f"{name} on {photo}: {len(found) - hit} boxes on no face"


def test_the_omz_detector_finds_most_faces_of_a_group_photo(detector_by_name, noses, image):
    found = detector_by_name("omz-retail-0004").detect(
        image("compreface_samples/sample_images/016_8.jpg")
    )
    assert noses_found(found, noses["016_8.jpg"]) >= 6


@pytest.mark.parametrize("name", DETECTORS)
def test_no_face_in_a_street_without_people(name, detector_by_name, image):
    assert (
        len(detector_by_name(name).detect(image("compreface_samples/sample_images/017_0.jpg"))) == 0
    )


@pytest.mark.parametrize("name", ["omz-confirmed", "mediapipe", "dlib-hog"])
def test_no_face_on_dogs(name, detector_by_name, image):
    """face-detection-retail-0004 alone scores one dog 0.9 (so whole images are confirmed)."""
    assert len(detector_by_name(name).detect(image("dlib_faces/dogs.jpg"))) == 0


def test_confirmation_keeps_the_primary_boxes(detector_by_name, image):
    picture = image("compreface_samples/sample_images/012_4.jpg")
    plain = detector_by_name("omz-retail-0004").detect(picture)
    confirmed = detector_by_name("omz-confirmed").detect(picture)
    assert len(confirmed) == len(plain)
    assert np.allclose(confirmed.xyxy, plain.xyxy)
