"""Which camera pairs and time gaps the association may link."""

from __future__ import annotations

from citywatch.config import CameraConfig, Neighbour
from citywatch.reid.topology import TRANSIT_SLACK_S, CameraTopology, Span


def camera(camera_id: str, *neighbours: tuple[str, float, float]) -> CameraConfig:
    return CameraConfig(
        id=camera_id,
        source=f"{camera_id}.mp4",
        neighbours=[Neighbour(camera=n, transit_s=(low, high)) for n, low, high in neighbours],
    )


def test_configured_neighbours_link_both_ways_within_the_transit_window() -> None:
    topology = CameraTopology([camera("a", ("b", 5, 20)), camera("b"), camera("c")])
    left_a = Span("a", 0.0, 10.0)
    assert topology.plausible(left_a, Span("b", 18.0, 30.0))  # 8 s walk
    assert topology.plausible(Span("b", 18.0, 30.0), left_a)  # argument order does not matter
    assert topology.plausible(Span("b", -40.0, -12.0), left_a)  # walked b -> a in 12 s
    assert not topology.plausible(left_a, Span("b", 10.0 + 20 + TRANSIT_SLACK_S + 1, 60.0))
    assert not topology.plausible(left_a, Span("b", 11.0, 30.0))  # 1 s: faster than possible
    assert not topology.plausible(left_a, Span("c", 18.0, 30.0))  # not neighbours


def test_negative_shortest_transit_means_overlapping_views() -> None:
    topology = CameraTopology([camera("a", ("b", -30, 5)), camera("b")])
    assert topology.plausible(Span("a", 0.0, 40.0), Span("b", 15.0, 50.0))  # on both at once
    assert not topology.plausible(Span("a", 0.0, 80.0), Span("b", 15.0, 90.0))  # 65 s overlap


def test_without_any_topology_every_camera_pair_links_within_the_window() -> None:
    topology = CameraTopology([camera("a"), camera("b")], unlinked_window_s=60.0)
    assert not topology.configured
    assert topology.plausible(Span("a", 0.0, 10.0), Span("b", 50.0, 70.0))
    assert not topology.plausible(Span("a", 0.0, 10.0), Span("b", 75.0, 80.0))
    assert not topology.plausible(Span("a", 0.0, 10.0), Span("a", 20.0, 30.0))  # same camera


def test_same_camera_links_only_past_the_configured_gap() -> None:
    topology = CameraTopology([camera("a")], unlinked_window_s=60.0, same_camera_gap_s=15.0)
    assert not topology.plausible(Span("a", 0.0, 10.0), Span("a", 12.0, 30.0))
    assert topology.plausible(Span("a", 0.0, 10.0), Span("a", 30.0, 40.0))
    assert topology.horizon_s >= 60.0
