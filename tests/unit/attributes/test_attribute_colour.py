"""Clothing colour by palette pixel vote, on synthetic crops whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from citywatch.attributes.colour import (
    LOWER_ROWS,
    UPPER_ROWS,
    band,
    classify_pixels,
    dominant_colour,
    point_colours,
    point_patch,
    region_colours,
)
from citywatch.attributes.types import PALETTE

# One typical shade per palette colour, as RGB (flipped to BGR below).
SHADES = {
    "black": (15, 15, 18),
    "white": (235, 235, 230),
    "grey": (128, 128, 125),
    "red": (200, 30, 30),
    "orange": (250, 130, 20),
    "yellow": (230, 220, 30),
    "green": (40, 150, 50),
    "blue": (30, 70, 190),
    "purple": (120, 40, 160),
    "pink": (250, 170, 210),
    "brown": (110, 70, 40),
}


def solid(rgb: tuple[int, int, int], height: int = 40, width: int = 20) -> np.ndarray:
    return np.full((height, width, 3), rgb[::-1], dtype=np.uint8)


def person(top_rgb, bottom_rgb, background=(90, 160, 60), height=120, width=48) -> np.ndarray:
    """A crude person: background, a top over rows 0.15-0.52, trousers over 0.52-0.95, in
    the middle 60 % of the width; head and feet are background-coloured skin/shoes."""
    crop = np.empty((height, width, 3), np.uint8)
    crop[:] = background[::-1]
    x1, x2 = int(0.2 * width), int(0.8 * width)
    crop[int(0.15 * height) : int(0.52 * height), x1:x2] = top_rgb[::-1]
    crop[int(0.52 * height) : int(0.95 * height), x1:x2] = bottom_rgb[::-1]
    crop[: int(0.15 * height), x1:x2] = (120, 160, 220)  # face
    return crop


@pytest.mark.parametrize("name", PALETTE)
def test_every_palette_colour_is_named_from_a_solid_patch(name):
    vote = dominant_colour(solid(SHADES[name]))
    assert vote.colour == name and vote.share == 1.0 and vote.pixels == 800


def test_classify_pixels_keeps_the_order_of_the_input():
    pixels = np.array([[SHADES["red"][::-1], SHADES["blue"][::-1], SHADES["white"][::-1]]])
    assert [PALETTE[i] for i in classify_pixels(pixels)] == ["red", "blue", "white"]
    assert classify_pixels(np.zeros((0, 3), np.uint8)).size == 0


def test_dark_and_unsaturated_pixels_are_black_grey_or_white_whatever_their_hue():
    assert dominant_colour(solid((20, 5, 5))).colour == "black"  # too dark for a hue
    assert dominant_colour(solid((130, 125, 122))).colour == "grey"  # hardly any chroma
    assert dominant_colour(solid((250, 245, 240))).colour == "white"


def test_dark_folds_do_not_outvote_the_colour_of_the_cloth():
    jeans = solid(SHADES["blue"], 40, 20)
    jeans[::2] = (12, 10, 10)  # half the rows in deep shadow
    assert dominant_colour(jeans).colour == "blue"


def test_no_colour_with_the_minimum_share_is_unknown():
    mixed = np.concatenate(
        [solid(SHADES[c], 10, 20) for c in ("red", "green", "blue", "yellow")], axis=0
    )
    vote = dominant_colour(mixed, min_share=0.35)
    assert vote.colour is None and vote.share == pytest.approx(0.25)
    assert dominant_colour(mixed, min_share=0.2).colour is not None
    assert dominant_colour(np.zeros((0, 0, 3), np.uint8)).colour is None


def test_region_colours_reads_the_top_and_the_trousers_not_head_background_or_feet():
    for top, bottom in [("red", "blue"), ("white", "black"), ("yellow", "grey"), ("pink", "brown")]:
        colours = region_colours(person(SHADES[top], SHADES[bottom]))
        assert (colours.upper.colour, colours.lower.colour) == (top, bottom)


def test_bands_are_at_least_one_pixel_even_on_tiny_crops():
    tiny = solid(SHADES["green"], 3, 2)
    assert band(tiny, UPPER_ROWS).shape[:2] == (1, 1)
    assert band(tiny, LOWER_ROWS).size > 0
    assert region_colours(tiny).upper.colour == "green"


def test_point_colours_sample_around_the_points_given():
    crop = person(SHADES["orange"], SHADES["purple"])
    colours = point_colours(crop, (0.5, 0.32), (0.5, 0.7))
    assert (colours.upper.colour, colours.lower.colour) == ("orange", "purple")
    # Points off the crop are clamped to its edge, never an empty patch.
    assert point_patch(crop, (-1.0, 2.0)).size > 0
