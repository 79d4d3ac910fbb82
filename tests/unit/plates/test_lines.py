"""Which text lines make the plate: registration rows, stacked rows, decoration, the EU band."""

from __future__ import annotations

import numpy as np

from citywatch.plates.localise import regions_from_lines
from citywatch.plates.ocr import ink_share, plate_rows, trim_band
from citywatch.plates.rapid import TextBox


def line(x: float, y: float, w: float, h: float, angle: float = 0.0) -> TextBox:
    """A detected line with its top-left at (x, y), characters h tall."""
    return TextBox((x + w / 2, y + h / 2), (w, h * 1.4), angle, 0.9, h)


def texts(rows: list[list[TextBox]]) -> list[list[float]]:
    return [[round(b.center[0]) for b in row] for row in rows]


def test_state_name_and_slogan_lines_are_not_the_registration():
    state = line(40, 0, 80, 10)
    registration = line(20, 15, 120, 30)
    slogan = line(35, 50, 90, 8)
    rows, main = plate_rows([state, registration, slogan])
    assert rows == [[registration]] and main == 0


def test_a_stacked_plate_is_two_rows_top_first():
    top = line(30, 0, 60, 28)
    bottom = line(20, 34, 90, 28)
    rows, main = plate_rows([bottom, top])
    assert rows == [[top], [bottom]] and main in (0, 1)


def test_a_line_split_by_an_emblem_is_joined_left_to_right():
    left = line(10, 10, 40, 30)
    right = line(80, 11, 90, 30)
    far = line(400, 10, 60, 30)  # another vehicle's text on the same height: not joined
    rows, _ = plate_rows([right, far, left])
    assert texts(rows) == [[30, 125]]


def test_steep_or_tiny_lines_are_ignored():
    assert plate_rows([line(0, 0, 50, 20, angle=60)]) == ([], 0)
    assert plate_rows([line(0, 0, 20, 3)]) == ([], 0)


def test_regions_grow_around_lines_and_merge():
    registration = line(100, 100, 120, 30)
    state = line(120, 80, 80, 12)
    elsewhere = line(400, 20, 60, 20)
    regions = regions_from_lines([registration, state, elsewhere], 640, 480)
    assert len(regions) == 2
    big = max(regions, key=lambda r: r.box[2] * r.box[3])
    x, y, w, h = big.box
    assert x < 100 and y < 80 and x + w > 220 and y + h > 130
    assert len(big.lines) == 2


def plate(width: int = 200, height: int = 50, band: int = 0) -> np.ndarray:
    """A white plate with black characters and, optionally, an EU band on the left."""
    image = np.full((height, width, 3), 235, np.uint8)
    for x in range(band + 15, width - 10, 25):
        image[10:40, x : x + 10] = 20
    if band:
        image[:, :band] = (160, 60, 20)  # BGR: EU blue
        image[15:35, 3 : band - 3] = 230  # the country code, white
    return image


def test_the_eu_band_is_cut_off():
    trimmed = trim_band(plate(band=22))
    assert trimmed is not None and 170 <= trimmed.shape[1] <= 178


def test_a_plate_without_a_band_is_left_alone():
    image = plate()
    assert trim_band(image) is image


def test_a_blue_plate_is_not_a_band():
    image = np.full((50, 200, 3), (160, 60, 20), np.uint8)
    image[10:40, 20:180:20] = 240
    result = trim_band(image)
    assert result is not None and result.shape == image.shape


def test_a_box_that_is_only_band_is_dropped():
    assert trim_band(np.full((40, 30, 3), (160, 60, 20), np.uint8)) is None


def test_ink_share_tells_dark_on_light_from_light_on_dark():
    assert ink_share(plate()) < 0.5
    assert ink_share(255 - plate()) > 0.5
