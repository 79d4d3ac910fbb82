"""Person appearances and identities on every backend: saved with tracks, read, corrected."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from test_store_backends import T0, a_sighting, a_track

from citywatch.core.errors import UsageError
from citywatch.core.records import TrackAppearance
from citywatch.store import Store
from citywatch.store.people import PersonRecords


def appearance(identity: str, seed: int = 0, **extra: object) -> TrackAppearance:
    vector = np.random.default_rng(seed).normal(size=256).astype(np.float32)
    return TrackAppearance(
        embedder="reid-test",
        embedding=vector / np.linalg.norm(vector),
        identity_id=identity,
        crops=4,
        **extra,  # type: ignore[arg-type]
    )


def test_appearances_round_trip_and_make_identities(make_store: Callable[..., Store]) -> None:
    store = make_store()
    people = PersonRecords(store)
    first = appearance("a" * 32, attributes={"upper_colour": "red", "bag": 0.8})
    store.save_track(a_track("gate", 1, T0), [a_sighting("gate", T0)], first)
    second = appearance("a" * 32, seed=1, link_distance=0.12, link_source="appearance")
    store.save_track(a_track("hall", 2, T0 + 30), [a_sighting("hall", T0 + 30)], second)
    store.save_track(a_track("hall", 3, T0 + 40), [], None)  # no appearance: not a person

    trajectory = people.trajectory("a" * 32)
    assert [(a.camera_id, a.local_id) for a in trajectory] == [("gate", 1), ("hall", 2)]
    assert np.allclose(trajectory[0].embedding, first.embedding)
    assert trajectory[0].attributes == {"upper_colour": "red", "bag": 0.8}
    assert trajectory[1].link_distance == pytest.approx(0.12)
    assert trajectory[0].box == (1.5, 2.5, 30.0, 60.0)
    assert trajectory[0].thumbnail_path is not None
    [(identity, first_seen, last_seen, cameras)] = people.identities()
    assert (identity, first_seen, last_seen, cameras) == ("a" * 32, T0, T0 + 32.5, 2)
    assert len(people.appearances(embedder="reid-test")) == 2
    assert people.appearances(embedder="other") == []


def test_saving_a_track_again_replaces_its_appearance(make_store: Callable[..., Store]) -> None:
    store = make_store()
    people = PersonRecords(store)
    store.save_track(a_track(), [a_sighting()], appearance("b" * 32))
    store.flush()
    store.save_track(a_track(), [a_sighting()], appearance("c" * 32))
    [only] = people.appearances()
    assert only.identity_id == "c" * 32


def test_an_operator_moves_or_splits_a_track(make_store: Callable[..., Store]) -> None:
    store = make_store()
    people = PersonRecords(store)
    store.save_track(a_track("gate", 1, T0), [a_sighting()], appearance("d" * 32))
    store.save_track(a_track("hall", 2, T0 + 30), [a_sighting("hall")], appearance("e" * 32))
    hall = people.trajectory("e" * 32)[0]
    assert people.move_track(hall.track_id, "d" * 32) == "d" * 32
    moved = people.trajectory("d" * 32)
    assert [a.camera_id for a in moved] == ["gate", "hall"]
    assert moved[1].link_source == "operator"
    split = people.move_track(hall.track_id, None)
    assert split not in {"d" * 32, "e" * 32}
    assert [a.camera_id for a in people.trajectory(split)] == ["hall"]
    with pytest.raises(UsageError, match="does not exist"):
        people.move_track(hall.track_id, "f" * 32)
    with pytest.raises(UsageError, match="no stored appearance"):
        people.move_track(999_999, None)
