"""Where cameras go: evenly at start, a lost host's to the least loaded, resumed after the last
frame reported."""

from __future__ import annotations

import pytest

from citywatch.cluster.placement import least_loaded, resume_index, spread


def test_cameras_are_spread_round_robin_and_extra_hosts_get_none() -> None:
    assert spread(["a", "b", "c"], 2) == [["a", "c"], ["b"]]
    assert spread(["a", "b"], 4) == [["a"], ["b"], [], []]
    with pytest.raises(ValueError):
        spread(["a"], 0)


def test_the_least_loaded_host_takes_the_next_camera() -> None:
    assert least_loaded({0: 3, 1: 1, 2: 2}) == 1
    assert least_loaded({3: 1, 1: 1}) == 1  # equals: the lowest index, so placement is stable
    with pytest.raises(ValueError):
        least_loaded({})


def test_a_moved_camera_resumes_after_the_last_frame_reported() -> None:
    assert resume_index(55, 0) == 56
    assert resume_index(None, 0) == 0  # lost before its first report: from where it was given
    assert resume_index(-1, 40) == 40  # given at 40, nothing analysed yet
    assert resume_index(10, 40) == 40  # never before where it was given
