"""Stored person search: by example, by attributes, with camera and time filters."""

from __future__ import annotations

import numpy as np
import pytest

from citywatch.core.classes import ObjectClass
from citywatch.core.records import Sighting, TrackAppearance, TrackRecord
from citywatch.search.people import search_people
from citywatch.store import open_store
from citywatch.store.people import PersonRecords

T0 = 1_700_000_000.0


def unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=64).astype(np.float32)
    return vector / np.linalg.norm(vector)


def save(store, camera: str, local: int, t: float, vector, colour: str, model: str = "m") -> None:
    track = TrackRecord(camera, "run", local, ObjectClass.PERSON, t, t + 5, 25)
    body = Sighting(camera, "object", t, t + 5, t + 1, (0, 0, 40, 100), 0.9)
    appearance = TrackAppearance(
        embedder=model,
        embedding=vector,
        identity_id=f"{camera}{local:030d}",
        crops=4,
        attributes={"upper_colour": colour},
    )
    store.save_track(track, [body], appearance)


@pytest.fixture
def records(tmp_path):
    store = open_store(None, tmp_path)
    save(store, "gate", 1, T0, unit(1), "red")
    save(store, "gate", 2, T0 + 10, unit(2), "blue")
    save(store, "hall", 3, T0 + 60, unit(1) * 0.9 + unit(3) * 0.1, "red")
    save(store, "hall", 4, T0 + 70, unit(4), "red", model="other-model")
    yield PersonRecords(store)
    store.close()


def red(attributes):
    return 1.0 if attributes and attributes.get("upper_colour") == "red" else None


def test_by_example_ranks_the_same_look_first_and_ignores_other_models(records) -> None:
    hits = search_people(records, top=5, embedder="m", query=unit(1))
    assert [(h.appearance.camera_id, h.appearance.local_id) for h in hits][:2] == [
        ("gate", 1),
        ("hall", 3),
    ]
    assert len(hits) == 3  # the other model's vector is not comparable
    assert hits[0].distance == pytest.approx(0.0, abs=1e-5)
    assert hits[0].distance <= hits[1].distance <= hits[2].distance
    near = search_people(records, top=5, embedder="m", query=unit(1), max_distance=0.2)
    assert [h.appearance.local_id for h in near] == [1, 3]


def test_filters_by_camera_time_and_attributes(records) -> None:
    hall = search_people(records, top=5, embedder="m", query=unit(1), camera_id="hall")
    assert [h.appearance.local_id for h in hall] == [3]
    early = search_people(records, top=5, embedder="m", query=unit(1), until=T0 + 30)
    assert [h.appearance.local_id for h in early] == [1, 2]
    described = search_people(records, top=5, attributes=red)
    assert sorted(h.appearance.local_id for h in described) == [1, 3, 4]
    assert all(h.distance is None and h.fit == 1.0 for h in described)
    both = search_people(records, top=5, embedder="m", query=unit(2), attributes=red)
    assert [h.appearance.local_id for h in both] == [1, 3] or [
        h.appearance.local_id for h in both
    ] == [3, 1]


def test_a_query_without_its_embedder_is_refused(records) -> None:
    with pytest.raises(ValueError, match="embedder"):
        search_people(records, top=1, query=unit(1))


def test_a_described_query_filters_on_stored_attributes(records) -> None:
    from citywatch.attributes import AttributeQuery
    from citywatch.search.people import attribute_filter

    hits = search_people(
        records, top=5, attributes=attribute_filter(AttributeQuery.parse("upper=red"))
    )
    assert sorted(h.appearance.local_id for h in hits) == [1, 3, 4]
    none = search_people(
        records, top=5, attributes=attribute_filter(AttributeQuery.parse("upper=green"))
    )
    assert none == []
