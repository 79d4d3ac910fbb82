"""Joining finished tracks into identities across cameras."""

from __future__ import annotations

import itertools

import numpy as np

from citywatch.config import CameraConfig, Neighbour
from citywatch.reid.association import AppearanceSummary, IdentityAssociator
from citywatch.reid.topology import CameraTopology, Span


def unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


RED, BLUE, REDDISH = unit(1, 0, 0), unit(0, 1, 0), unit(0.95, 0.1, 0)


def associator(threshold: float = 0.2, gait_weight: float = 0.0) -> IdentityAssociator:
    cameras = [
        CameraConfig(id="a", source="a.mp4", neighbours=[Neighbour(camera="b", transit_s=(0, 30))]),
        CameraConfig(id="b", source="b.mp4"),
        CameraConfig(id="c", source="c.mp4"),
    ]
    counter = itertools.count(1)
    return IdentityAssociator(
        CameraTopology(cameras), threshold, lambda: f"id{next(counter)}", gait_weight
    )


def summary(
    camera: str, local: int, start: float, end: float, vector: np.ndarray, gait=None
) -> AppearanceSummary:
    return AppearanceSummary((camera, "run", local), Span(camera, start, end), vector, gait)


def test_a_similar_track_on_a_neighbour_joins_the_identity() -> None:
    assoc = associator()
    first = assoc.assign(summary("a", 1, 0, 10, RED))
    assert first.source == "new" and first.distance is None
    second = assoc.assign(summary("b", 7, 15, 25, REDDISH))
    assert second.identity_id == first.identity_id
    assert second.linked_to == ("a", "run", 1)
    assert second.distance is not None and second.distance < 0.2


def test_a_different_appearance_or_an_implausible_camera_starts_a_new_identity() -> None:
    assoc = associator()
    red = assoc.assign(summary("a", 1, 0, 10, RED))
    assert assoc.assign(summary("b", 2, 15, 25, BLUE)).identity_id != red.identity_id
    assert assoc.assign(summary("c", 3, 15, 25, RED)).identity_id != red.identity_id  # not linked
    assert assoc.assign(summary("b", 4, 100, 110, RED)).identity_id != red.identity_id  # too late


def test_two_people_at_once_on_one_camera_never_share_an_identity() -> None:
    assoc = associator()
    red = assoc.assign(summary("a", 1, 0, 10, RED))
    twin_one = assoc.assign(summary("b", 2, 12, 30, RED))
    twin_two = assoc.assign(summary("b", 3, 14, 28, REDDISH))  # same time, same camera
    assert twin_one.identity_id == red.identity_id
    assert twin_two.identity_id != red.identity_id


def test_the_nearest_candidate_wins() -> None:
    assoc = associator(threshold=0.5)
    reddish = assoc.assign(summary("a", 1, 0, 10, REDDISH))
    blue = assoc.assign(summary("a", 2, 0, 10, BLUE))
    assert assoc.assign(summary("b", 3, 15, 20, RED)).identity_id == reddish.identity_id
    assert assoc.assign(summary("b", 4, 15, 20, BLUE)).identity_id == blue.identity_id


def test_gait_breaks_a_tie_between_look_alikes_when_weighted() -> None:
    walk_one, walk_two = unit(1, 0, 0, 0), unit(0, 0, 0, 1)
    assoc = associator(threshold=0.5, gait_weight=0.5)
    one = assoc.assign(summary("a", 1, 0, 10, RED, walk_one))
    two = assoc.assign(summary("a", 2, 0, 10, RED, walk_two))
    later = assoc.assign(summary("b", 3, 15, 25, RED, walk_two))
    assert later.identity_id == two.identity_id != one.identity_id
    assert later.source == "appearance+gait"
