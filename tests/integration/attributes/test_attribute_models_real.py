"""Real models on real crops: colour accuracy against our eye labels, 0230's attributes,
age-gender on labelled face photos, the factory with the model directory, threads.

Floors are the 4-crop figures of bench/attributes_eval.py (bench/results/attributes_eval.json)
less two tracks of 27, so a change that costs more than that fails here.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from citywatch.attributes.models import OmzAgeGender, OmzPersonAttributes, face_crop
from citywatch.attributes.reader import (
    PersonAttributeReader,
    ReaderSettings,
    create_attribute_reader,
)
from citywatch.config.attributes import AttributesConfig
from citywatch.core.errors import ModelError
from citywatch.core.images import load_image
from citywatch.faces.detectors import omz_face_detector
from citywatch.pipeline.trackbook import crop

BODY = "person-attributes-recognition-crossroad-0230"
FACE = "age-gender-recognition-retail-0013"
TWO_TRACKS = 2 / 27


@pytest.fixture(scope="module")
def body_model(registry) -> OmzPersonAttributes:
    return OmzPersonAttributes(registry.require(BODY).xml)


@pytest.fixture(scope="module")
def face_model(registry) -> OmzAgeGender:
    return OmzAgeGender(registry.require(FACE).xml)


@pytest.fixture(scope="module")
def labelled_faces(registry, data_dir) -> dict[str, np.ndarray]:
    """Two CompreFace photos with upstream gender/age labels: the face box + 15 % (what the
    model wants), and as the pipeline's face thumbnail (0.2 margin per side)."""
    detector = omz_face_detector(registry.require("face-detection-retail-0004").xml)
    out = {}
    for name in ("007_B.jpg", "009_C.jpg"):  # female, 25; male, 30 (annotations.tsv)
        image = load_image(data_dir / "faces/compreface_samples/sample_images" / name)
        faces = detector.detect(image)
        box = faces.xyxy[int(np.argmax(faces.area))]
        out[name] = face_crop(image, box)
        out[f"thumbnail:{name}"] = crop(image, box, margin=0.2)
    return out


def lenient_accuracy(reader, crops, labels) -> dict[str, float]:
    right = {"upper": 0, "lower": 0}
    for key, images in crops.items():
        read = reader.read(images, [])
        for part in right:
            row = labels[key]
            accepted = {row[part], *filter(None, row[f"{part}_also"].split(";"))}
            right[part] += getattr(read, f"{part}_colour") in accepted
    return {part: count / len(crops) for part, count in right.items()}


def test_region_colours_match_the_eye_labels(labelled_crops, eye_labels):
    accuracy = lenient_accuracy(PersonAttributeReader(), labelled_crops, eye_labels)
    assert accuracy["upper"] >= 0.81 - TWO_TRACKS, accuracy
    assert accuracy["lower"] >= 0.96 - TWO_TRACKS, accuracy


def test_colours_around_0230_points_match_the_eye_labels(labelled_crops, eye_labels, body_model):
    reader = PersonAttributeReader(body_model, None, ReaderSettings(colour_method="points"))
    accuracy = lenient_accuracy(reader, labelled_crops, eye_labels)
    assert accuracy["upper"] >= 0.81 - TWO_TRACKS, accuracy
    assert accuracy["lower"] >= 0.96 - TWO_TRACKS, accuracy


def test_0230_sees_long_trousers_and_the_two_backpacks(labelled_crops, body_model):
    reader = PersonAttributeReader(body_model, None)
    reads = {key: reader.read(images) for key, images in labelled_crops.items()}
    assert all(r.long_pants is not None and 0 <= r.long_pants <= 1 for r in reads.values())
    # Everyone wears long trousers; 0230 says so for 26 of 27 tracks with 8 crops.
    assert sum(r.long_pants >= 0.5 for r in reads.values()) >= 24  # type: ignore[operator]
    # TUD-Campus 3 and 7 carry backpacks; 1, 2, 4 and 5 do not (eye labels). Measured with
    # these crops: 0.66 and 0.82 against 0.27-0.63 (2's crops show a passer-by's backpack).
    backpack = {k[1]: reads[k].backpack or 0.0 for k in reads if k[0] == "tud_campus"}
    assert backpack[7] >= 0.5, backpack
    with_one = np.mean([backpack[3], backpack[7]])
    assert with_one > np.mean([backpack[i] for i in (1, 2, 4, 5)]) + 0.2, backpack
    assert all(r.age_band is None for r in reads.values())
    # Gender from the body only from crops 80 px wide or more: some TUD, no 11-45 px PETS.
    assert any(reads[k].gender_source == "body" for k in reads if k[0] == "tud_campus")
    assert all(reads[k].gender_probability is None for k in reads if k[0] == "pets09_s2l1")


def test_age_gender_on_labelled_faces(face_model, labelled_faces):
    woman = face_model.estimate(labelled_faces["007_B.jpg"])
    man = face_model.estimate(labelled_faces["009_C.jpg"])
    assert woman.female > 0.8 and man.male > 0.6
    assert 15 <= woman.age_years <= 45 and 15 <= man.age_years <= 45
    assert woman.female + woman.male == pytest.approx(1.0, abs=1e-3)


def test_factory_with_the_model_directory_loads_both_models(
    registry, labelled_crops, labelled_faces
):
    reader = create_attribute_reader(AttributesConfig(), registry)
    assert reader.body_model is not None and reader.face_model is not None
    assert reader.name == f"colour:region+{BODY}+{FACE}"
    read = reader.read(labelled_crops[("tud_campus", 7)], [labelled_faces["thumbnail:009_C.jpg"]])
    assert read.gender_source == "face" and read.gender_estimate == "male"
    assert read.age_band == "adult" and read.face_crops == 1
    assert (read.upper_colour, read.lower_colour) == ("brown", "black")


def test_one_reader_serves_threads_after_warming_up_on_its_own(registry, labelled_crops):
    reader = create_attribute_reader(AttributesConfig(), registry)
    keys = list(labelled_crops)[:8]
    alone = [reader.read(labelled_crops[k]) for k in keys]
    results: dict[int, list] = {}

    def work(slot: int) -> None:
        results[slot] = [reader.read(labelled_crops[k]) for k in keys]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 4 and all(r == alone for r in results.values())


def test_a_wrong_or_missing_model_file_is_a_one_line_model_error(registry, tmp_path):
    with pytest.raises(ModelError, match="missing 453"):
        OmzPersonAttributes(registry.require(FACE).xml)
    with pytest.raises(ModelError, match="cannot load model"):
        OmzAgeGender(tmp_path / "absent.xml")
