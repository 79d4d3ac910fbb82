"""The colour-stripe embedder on drawn people: shape, normalisation, what it tells apart."""

from __future__ import annotations

import numpy as np
import pytest

from citywatch.reid.embedders import ColourStripeEmbedder


def person(top: tuple[int, int, int], legs: tuple[int, int, int], background=(128, 128, 128)):
    """A 40x100 BGR crop: a figure with a `top` colour over `legs`, the background around it."""
    crop = np.empty((100, 40, 3), np.uint8)
    crop[:] = background
    crop[10:55, 10:30] = top
    crop[55:98, 12:28] = legs
    crop[2:10, 15:25] = (60, 80, 110)  # head
    return crop


RED, BLUE, GREEN, DENIM = (30, 30, 200), (200, 60, 30), (40, 170, 40), (140, 90, 50)


@pytest.fixture(scope="module")
def embedder() -> ColourStripeEmbedder:
    return ColourStripeEmbedder()


def test_rows_are_unit_length_float32_of_the_stated_dimension(embedder):
    rng = np.random.default_rng(1)
    crops = [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for h, w in ((96, 40), (31, 7))]
    vectors = embedder.embed([*crops, person(RED, DENIM)])
    assert vectors.shape == (3, embedder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed([]).shape == (0, embedder.dim)
    again = embedder.embed([crops[0]])
    assert np.array_equal(again[0], vectors[0])  # deterministic, one crop or many
    assert embedder.name == "colour-stripes" and 0 < embedder.default_threshold < 1


def test_clothing_colour_decides_not_the_background_at_the_edges(embedder):
    red, red_on_grass, green = embedder.embed(
        [person(RED, DENIM), person(RED, DENIM, background=(60, 140, 60)), person(GREEN, DENIM)]
    )
    same = 1 - float(red @ red_on_grass)
    different = 1 - float(red @ green)
    assert same < different / 3  # measured 0.09 and 0.44
    assert embedder.default_threshold < different


def test_where_a_colour_is_matters(embedder):
    red_over_blue, blue_over_red = embedder.embed([person(RED, BLUE), person(BLUE, RED)])
    assert 1 - float(red_over_blue @ blue_over_red) > embedder.default_threshold


def test_a_crop_that_is_not_a_colour_image_is_refused(embedder):
    with pytest.raises(ValueError, match="crop 1"):
        embedder.embed([person(RED, BLUE), np.zeros((0, 10, 3), np.uint8)])
    with pytest.raises(ValueError, match="crop 0"):
        embedder.embed([np.zeros((20, 10), np.uint8)])
