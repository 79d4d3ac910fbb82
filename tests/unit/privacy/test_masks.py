"""Privacy masks: polygons blacked out in place, the rest of the frame untouched, any size."""

from __future__ import annotations

import numpy as np
import pytest

from citywatch.config import parse_config
from citywatch.core.errors import ConfigError
from citywatch.core.frame import Frame
from citywatch.privacy.masks import PrivacyMask

TRIANGLE = [(10.0, 10.0), (60.0, 10.0), (10.0, 60.0)]
SQUARE = [(70.0, 20.0), (90.0, 20.0), (90.0, 40.0), (70.0, 40.0)]


def noise(height: int = 80, width: int = 100, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(1, 256, (height, width, 3), dtype=np.uint8)  # no black pixel


def test_masked_pixels_are_black_and_the_others_untouched() -> None:
    mask = PrivacyMask([TRIANGLE, SQUARE])
    image = noise()
    original = image.copy()
    assert mask.apply(image) is image  # in place
    covered = mask.covered(80, 100)
    assert (image[covered] == 0).all()
    assert (image[~covered] == original[~covered]).all()
    assert covered[20, 20] and covered[30, 80] and not covered[55, 55] and not covered[5, 5]
    assert covered[:, :, None].repeat(3, 2).sum() == (image == 0).sum()
    # The triangle's area, to within its edge pixels.
    assert abs(int(covered[:, :65].sum()) - 50 * 50 / 2) < 120
    assert covered[20:40, 70:90].all() and covered.sum() - covered[:, :65].sum() <= 21 * 21


def test_each_frame_size_gets_its_own_mask_and_outside_polygons_change_nothing() -> None:
    mask = PrivacyMask([SQUARE])
    small = noise(30, 50)  # the square lies outside this picture
    before = small.copy()
    mask.apply(small)
    assert (small == before).all()
    large = noise(200, 300)
    mask.apply(large)
    assert (large[20:40, 70:90] == 0).all() and (large[100:, 100:] != 0).all()


def test_a_read_only_frame_is_masked_on_a_copy() -> None:
    image = noise()
    image.flags.writeable = False
    frame = Frame("cam", 0, 0.0, 0.0, image)
    masked = PrivacyMask([SQUARE]).frame(frame)
    assert masked is not frame and (masked.image[25, 75] == 0).all()
    assert (image[25, 75] != 0).all()
    writable = Frame("cam", 0, 0.0, 0.0, noise())
    assert PrivacyMask([SQUARE]).frame(writable) is writable


def test_cameras_take_privacy_masks_checked_like_zones() -> None:
    camera = {"id": "a", "source": "x.mp4", "privacy_masks": [SQUARE, TRIANGLE]}
    config = parse_config({"cameras": [camera]})
    assert config.cameras[0].privacy_masks[0] == SQUARE
    assert parse_config({"cameras": [{"id": "a", "source": "x"}]}).cameras[0].privacy_masks == []
    for bad, message in (
        ([SQUARE, [(0, 0), (5, 5), (9, 9)]], "privacy_masks[1]: the polygon has no area"),
        ([[(0, 0), (5, 0)]], "privacy_masks[0]: List should have at least 3 items"),
        ([[(0, 0), (5, 0), ("x", 1)]], "privacy_masks[0][2][0]"),
    ):
        with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
            parse_config({"cameras": [{**camera, "privacy_masks": bad}]})
