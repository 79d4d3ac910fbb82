"""The reader without models (colour only), with stand-in models, and the factory's fallback."""

from __future__ import annotations

import logging
import threading

import numpy as np
import pytest

from citywatch.attributes import reader as reader_module
from citywatch.attributes.colour import ColourVote
from citywatch.attributes.models import BodyReading, FaceReading
from citywatch.attributes.reader import (
    PersonAttributeReader,
    ReaderSettings,
    create_attribute_reader,
    majority_colour,
    trim_face,
)
from citywatch.config.attributes import AttributesConfig
from citywatch.core.errors import ConfigError, ModelError
from citywatch.models import ModelRegistry


def person(top_bgr, bottom_bgr, height=120, width=48) -> np.ndarray:
    crop = np.full((height, width, 3), (60, 160, 90), np.uint8)
    crop[int(0.15 * height) : int(0.52 * height), 10:38] = top_bgr
    crop[int(0.52 * height) : int(0.95 * height), 10:38] = bottom_bgr
    return crop


RED, BLUE, BLACK = (30, 30, 200), (190, 70, 30), (15, 15, 15)


class StubBody:
    """Stands in for OmzPersonAttributes: fixed readings in turn."""

    name = "stub-body"

    def __init__(self, readings: list[BodyReading]) -> None:
        self.readings = readings
        self.calls = 0

    def read(self, crop: np.ndarray) -> BodyReading:
        reading = self.readings[self.calls % len(self.readings)]
        self.calls += 1
        return reading


class StubFace:
    name = "stub-face"

    def __init__(self, reading: FaceReading) -> None:
        self.reading = reading
        self.sizes: list[tuple[int, int]] = []

    def estimate(self, face: np.ndarray) -> FaceReading:
        self.sizes.append(face.shape[:2])
        return self.reading


def body(is_male=0.2, bag=0.6, top=(0.5, 0.3), bottom=(0.5, 0.7)) -> BodyReading:
    return BodyReading(
        is_male=is_male,
        bag=bag,
        backpack=0.1,
        hat=0.0,
        long_sleeves=0.9,
        long_pants=1.0,
        long_hair=0.5,
        coat=0.2,
        top_point=top,
        bottom_point=bottom,
    )


def test_without_models_only_colours_are_read():
    reader = PersonAttributeReader()
    crops = [person(RED, BLUE), person(RED, BLUE), person(BLACK, BLUE)]
    result = reader.read(crops, [np.zeros((80, 80, 3), np.uint8)])
    assert (result.upper_colour, result.lower_colour) == ("red", "blue")
    assert result.bag is None and result.long_sleeves is None
    assert result.gender_estimate is None and result.gender_probability is None
    assert result.age_estimate_years is None and result.age_band is None
    assert result.body_crops == 3 and result.face_crops == 0
    assert reader.name == "colour:region"


def test_empty_and_broken_crops_give_an_all_unknown_result():
    reader = PersonAttributeReader()
    assert reader.read([], []) == reader_module.PersonAttributes()
    result = reader.read([np.zeros((0, 10, 3), np.uint8), np.zeros((10, 10), np.uint8)], [])
    assert result.body_crops == 0 and result.upper_colour is None


def test_probabilities_are_means_and_gender_comes_from_the_body_without_a_face():
    stub = StubBody([body(is_male=0.1, bag=0.4), body(is_male=0.3, bag=0.8)])
    reader = PersonAttributeReader(stub, None)  # type: ignore[arg-type]
    result = reader.read([person(RED, BLUE, height=200, width=80)] * 2)
    assert result.bag == pytest.approx(0.6) and result.long_pants == 1.0
    assert (result.gender_estimate, result.gender_source) == ("female", "body")
    assert result.gender_probability == pytest.approx(0.8)
    assert result.age_band is None  # age only ever from a face


def test_no_gender_from_body_crops_narrower_than_the_setting():
    reader = PersonAttributeReader(StubBody([body(is_male=0.05)]), None)  # type: ignore[arg-type]
    narrow = person(RED, BLUE, height=60, width=20)
    result = reader.read([narrow, narrow])
    assert result.gender_estimate is None and result.gender_probability is None
    assert result.bag == pytest.approx(0.6)  # the other attributes are still read
    wide = reader.read([narrow, person(RED, BLUE, height=200, width=80)])
    assert (wide.gender_estimate, wide.gender_probability) == ("female", pytest.approx(0.95))


def test_a_face_beats_the_body_for_gender_and_gives_the_age():
    face = StubFace(FaceReading(female=0.1, male=0.9, age_years=67.0))
    reader = PersonAttributeReader(StubBody([body(is_male=0.1)]), face)  # type: ignore[arg-type]
    result = reader.read([person(RED, BLUE)], [np.zeros((140, 140, 3), np.uint8)])
    assert (result.gender_estimate, result.gender_source) == ("male", "face")
    assert result.gender_probability == pytest.approx(0.9)
    assert result.age_estimate_years == 67.0 and result.age_band == "senior"
    assert result.face_crops == 1
    # The 0.2-margin face crop was trimmed to the face box + 15 %: 140 / 1.4 * 1.15 = 115.
    assert face.sizes == [(115, 115)]


def test_small_faces_are_not_used():
    face = StubFace(FaceReading(female=0.9, male=0.1, age_years=30.0))
    reader = PersonAttributeReader(None, face, ReaderSettings(min_face_px=24))  # type: ignore[arg-type]
    result = reader.read([person(RED, BLUE)], [np.zeros((20, 20, 3), np.uint8)])
    assert result.face_crops == 0 and result.age_band is None and face.sizes == []


def test_an_unsure_gender_is_left_unknown_but_its_probability_is_kept():
    reader = PersonAttributeReader(StubBody([body(is_male=0.45)]), None)  # type: ignore[arg-type]
    result = reader.read([person(RED, BLUE, height=200, width=80)])
    assert result.gender_estimate is None and result.gender_probability == pytest.approx(0.55)


def test_points_method_samples_around_the_model_points():
    # The model "points" at the left half, where this crop is green, not at the red middle.
    crop = person(RED, BLUE)
    crop[:, :12] = (40, 160, 40)
    stub = StubBody([body(top=(0.1, 0.35), bottom=(0.1, 0.75))])
    reader = PersonAttributeReader(stub, None, ReaderSettings(colour_method="points"))  # type: ignore[arg-type]
    result = reader.read([crop])
    assert (result.upper_colour, result.lower_colour) == ("green", "green")
    with pytest.raises(ConfigError):
        PersonAttributeReader(None, None, ReaderSettings(colour_method="points"))


def test_majority_colour_abstains_on_unknowns_and_breaks_ties_by_share():
    assert majority_colour([]) is None
    assert majority_colour([ColourVote(None, 0.2, 10)]) is None
    votes = [ColourVote("red", 0.5, 10), ColourVote("blue", 0.9, 10), ColourVote(None, 0, 10)]
    assert majority_colour(votes) == "blue"
    votes.append(ColourVote("red", 0.5, 10))
    assert majority_colour(votes) == "red"


def test_trim_face_keeps_tight_crops():
    crop = np.zeros((50, 40, 3), np.uint8)
    assert trim_face(crop, margin=0.0, padding=0.15) is crop
    assert trim_face(np.zeros((140, 140, 3), np.uint8), 0.2, 0.15).shape == (115, 115, 3)


def test_factory_without_models_reads_colours_only_and_says_so_once(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(reader_module, "_logged", set())
    caplog.set_level(logging.WARNING, logger="citywatch.attributes")
    registry = ModelRegistry(tmp_path)
    readers = [create_attribute_reader(AttributesConfig(), registry) for _ in range(3)]
    assert all(r.body_model is None and r.face_model is None for r in readers)
    assert readers[0].settings.colour_method == "region"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2  # one for each absent model, not one per reader
    assert "clothing colours only" in warnings[0] and "no age" in warnings[1]


def test_factory_points_without_the_model_falls_back_to_region(tmp_path):
    config = AttributesConfig(colour_method="points")
    assert create_attribute_reader(config, ModelRegistry(None)).settings.colour_method == "region"


def test_factory_colour_backend_loads_nothing_and_openvino_requires_the_models(tmp_path):
    reader = create_attribute_reader(AttributesConfig(backend="colour"), ModelRegistry(tmp_path))
    assert reader.body_model is None
    with pytest.raises(ModelError, match="person-attributes-recognition-crossroad-0230"):
        create_attribute_reader(AttributesConfig(backend="openvino"), ModelRegistry(tmp_path))


def test_factory_refuses_a_model_of_another_kind(tmp_path):
    config = AttributesConfig(person_model="person-detection-0201")
    with pytest.raises(ConfigError, match="not an OMZ person-attributes model"):
        create_attribute_reader(config, ModelRegistry(tmp_path))


def test_config_refuses_unknown_keys_and_bad_values():
    with pytest.raises(ValueError, match="ethnicity"):
        AttributesConfig(ethnicity=True)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="present_threshold"):
        AttributesConfig(present_threshold=1.5)


def test_one_reader_serves_several_threads():
    reader = PersonAttributeReader()
    crops = [person(RED, BLUE)] * 3
    results: list[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(reader.read(crops))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and len(set(results)) == 1
