"""PersonAttributes: validation, JSON round trip with stable keys, and what it must never hold."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from citywatch.attributes.query import AttributeQuery
from citywatch.attributes.types import (
    BOOLEAN_ATTRIBUTES,
    PALETTE,
    PersonAttributes,
    age_band,
)

FULL = PersonAttributes(
    upper_colour="red",
    lower_colour="blue",
    bag=0.8,
    backpack=0.1,
    hat=0.05,
    long_sleeves=0.9,
    long_pants=0.95,
    long_hair=0.7,
    coat=0.3,
    gender_estimate="female",
    gender_probability=0.91,
    gender_source="face",
    age_estimate_years=27.4,
    age_band="adult",
    body_crops=4,
    face_crops=1,
)

FORBIDDEN = re.compile(r"race|racial|ethnic|skin|complexion|nationality|origin", re.IGNORECASE)


def test_no_field_names_race_ethnicity_or_skin():
    names = [f.name for f in dataclasses.fields(PersonAttributes)]
    names += [f.name for f in dataclasses.fields(AttributeQuery)]
    names += list(FULL.to_json())
    assert not [n for n in names if FORBIDDEN.search(n)]


def test_json_round_trip_keeps_every_value_and_the_keys_are_stable():
    data = FULL.to_json()
    assert list(data) == [f.name for f in dataclasses.fields(PersonAttributes)]
    again = PersonAttributes.from_json(json.loads(json.dumps(data)))
    assert again == FULL
    empty = PersonAttributes().to_json()
    assert list(empty) == list(data) and empty["bag"] is None and empty["upper_colour"] is None


def test_from_json_fills_defaults_and_refuses_unknown_keys():
    assert PersonAttributes.from_json({"upper_colour": "black"}).upper_colour == "black"
    with pytest.raises(ValueError, match="unknown key.*skin_tone"):
        PersonAttributes.from_json({"skin_tone": "x"})


def test_to_json_rounds_floats():
    assert PersonAttributes(bag=0.123456789).to_json()["bag"] == 0.1235


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"upper_colour": "teal"}, "upper_colour"),
        ({"bag": 1.5}, "bag"),
        ({"gender_estimate": "other"}, "gender_estimate"),
        ({"age_band": "elderly"}, "age_band"),
        ({"age_estimate_years": -3.0}, "age_estimate_years"),
    ],
)
def test_bad_values_are_refused_naming_the_field(values, message):
    with pytest.raises(ValueError, match=message):
        PersonAttributes(**values)


@pytest.mark.parametrize(
    ("years", "band"),
    [
        (0, "child"),
        (12.9, "child"),
        (13, "teen"),
        (19.9, "teen"),
        (20, "adult"),
        (59.9, "adult"),
        (60, "senior"),
        (90, "senior"),
    ],
)
def test_age_bands(years, band):
    assert age_band(years) == band


def test_probability_names_only_the_yes_no_attributes():
    assert FULL.probability("bag") == 0.8
    assert set(BOOLEAN_ATTRIBUTES) <= {f.name for f in dataclasses.fields(PersonAttributes)}
    with pytest.raises(KeyError):
        FULL.probability("upper_colour")


def test_palette_is_the_fixed_eleven():
    assert PALETTE == (
        "black",
        "white",
        "grey",
        "red",
        "orange",
        "yellow",
        "green",
        "blue",
        "purple",
        "pink",
        "brown",
    )
