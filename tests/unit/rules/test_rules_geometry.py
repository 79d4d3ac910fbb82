"""Zones, line sides and crossings, the ground-plane mapping, and fitted velocities."""

from __future__ import annotations

import numpy as np
import pytest

from citywatch.config.rules import Homography
from citywatch.rules.geometry import GroundMap, LineGeometry, Region, angle_between, side_name
from citywatch.rules.motion import MotionBook


def test_region_contains_points_inside_and_on_the_edge():
    region = Region([(0, 0), (100, 0), (100, 50), (0, 50)])
    inside = region.contains(np.array([[50, 25], [100, 25], [150, 25], [-1, -1]]))
    assert inside.tolist() == [True, True, False, False]
    assert region.contains(np.zeros((0, 2))).shape == (0,)
    mask = region.mask(25, 50, scale=0.5)
    assert mask[10, 20] == 255 and mask.sum() > 0


def test_a_bow_tie_zone_still_contains_its_two_lobes():
    region = Region([(0, 0), (100, 100), (100, 0), (0, 100)])  # edges cross in the middle
    assert region.contains(np.array([[90, 50], [10, 50], [50, 10]])).tolist() == [
        True,
        True,
        False,
    ]


def test_sides_follow_the_documented_rule():
    # Drawn left to right: side a is above (smaller y), side b below.
    across = LineGeometry((0, 100), (200, 100))
    assert [side_name(d) for d in across.signed_distance(np.array([[50, 80], [50, 130]]))] == [
        "a",
        "b",
    ]
    assert across.signed_distance(np.array([[50, 130]]))[0] == pytest.approx(30)
    # Drawn top to bottom: side a is on the right of the picture.
    down = LineGeometry((100, 0), (100, 200))
    assert [side_name(d) for d in down.signed_distance(np.array([[130, 50], [70, 50]]))] == [
        "a",
        "b",
    ]


def test_crossing_must_pass_through_the_segment():
    line = LineGeometry((100, 100), (200, 100))
    assert line.crosses((150, 90), (150, 110), slack=0)
    assert not line.crosses((50, 90), (50, 110), slack=5)  # went round the end
    assert line.crosses((203, 90), (203, 110), slack=5)  # just past the end, within slack
    assert not line.crosses((150, 90), (150, 95), slack=0)  # did not reach it


def test_ground_map_turns_pixels_into_metres():
    # A 10 m x 20 m rectangle seen in perspective (narrower far away).
    config = Homography(
        image=[(100, 400), (540, 400), (420, 200), (220, 200)],
        ground=[(0, 0), (10, 0), (10, 20), (0, 20)],
    )
    ground = GroundMap(config)
    mapped = ground.to_ground(np.array(config.image, np.float64))
    assert np.allclose(mapped, config.ground, atol=1e-3)
    # The near edge's midpoint is 5 m along it; pixels far away cover more ground.
    assert ground.to_ground(np.array([[320, 400]]))[0] == pytest.approx([5, 0], abs=1e-3)
    near_step = np.diff(ground.to_ground(np.array([[320, 400], [320, 390]])), axis=0)
    far_step = np.diff(ground.to_ground(np.array([[320, 210], [320, 200]])), axis=0)
    assert abs(far_step[0, 1]) > 2 * abs(near_step[0, 1])
    assert ground.to_ground(np.zeros((0, 2))).shape == (0, 2)


def test_ground_map_fits_more_than_four_marks_by_least_squares():
    image = [(100, 400), (540, 400), (420, 200), (220, 200), (320, 400)]
    ground = [(0, 0), (10, 0), (10, 20), (0, 20), (5.05, 0)]  # one mark 5 cm off
    mapped = GroundMap(Homography(image=image, ground=ground)).to_ground(np.array(image))
    assert np.abs(mapped - np.array(ground)).max() < 0.1


def test_angle_between():
    assert angle_between(np.array([1, 0]), np.array([0, 1])) == pytest.approx(90)
    assert angle_between(np.array([1, 0]), np.array([-1, 0.001])) == pytest.approx(180, abs=0.1)
    assert angle_between(np.array([0, 0]), np.array([1, 0])) == 0


def test_velocity_is_fitted_over_the_window_and_smooths_jitter():
    book = MotionBook(keep_s=3)
    rng = np.random.default_rng(1)
    for step in range(30):  # 10 fps, 50 px/s to the right, +-3 px box jitter
        t = step / 10
        feet = np.array([[100 + 50 * t + rng.uniform(-3, 3), 200.0]])
        book.observe(t, np.array([7]), feet, None)
    velocity = book.velocity(7, 2.9, window_s=1.0)
    assert velocity is not None and velocity.points == 11 and velocity.ground is None
    assert velocity.image_speed == pytest.approx(50, rel=0.15)
    assert book.velocity(7, 2.9, window_s=10) is None  # 3 s kept: not half of 10 s
    assert book.velocity(99, 2.9, 1.0) is None
    book.forget([7])
    assert book.velocity(7, 2.9, 1.0) is None


def test_velocity_needs_half_a_window_of_history():
    book = MotionBook()
    for step in range(4):
        book.observe(step / 10, np.array([1]), np.array([[step * 10.0, 0.0]]), None)
    assert book.velocity(1, 0.3, window_s=1.0) is None  # 0.3 s of a 1 s window
    assert book.velocity(1, 0.3, window_s=0.5) is not None
