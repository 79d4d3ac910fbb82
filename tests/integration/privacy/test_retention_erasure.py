"""Erasure on every backend: the person is found nowhere afterwards, others are untouched."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from retention_seed import (
    OLD,
    RECENT,
    Person,
    add_cameras,
    config,
    enrol,
    face_index,
    index_ids_on_disk,
    media_files,
    open_case,
    save_alert,
    save_event,
    save_person_track,
    sighting_ids,
    track_id,
    unit,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from citywatch.core.errors import UsageError
from citywatch.privacy.erasure import ErasureRequest, erase, erasures
from citywatch.search.face_index import FaceSightingIndex
from citywatch.store import Store
from citywatch.store.holds import HoldRecords
from citywatch.store.people import PersonRecords
from citywatch.store.schema import (
    AlertRow,
    EventRow,
    HoldRow,
    IdentityRow,
    SightingRow,
    TrackAppearanceRow,
    TrackRow,
    WatchlistEntryRow,
    WatchlistPhotoRow,
)
from citywatch.store.watchlists import FaceRecords


def seed(store: Store) -> dict[str, Any]:
    """Person A: two tracks under an identity, one more face sighting picked by an operator,
    a watchlist entry with an alert, an event on their track. Person B: two tracks."""
    add_cameras(store, config())
    a = Person("a" * 32, unit(1))
    b = Person("b" * 32, unit(2))
    a1 = save_person_track(store, "gate", RECENT, a)
    a2 = save_person_track(store, "yard", RECENT + 60, a)
    a_loose = save_person_track(store, "yard", RECENT + 600, None, vector=a.vector)
    b1 = save_person_track(store, "gate", RECENT + 5, b)
    b2 = save_person_track(store, "yard", OLD, b)
    faces = FaceRecords(store)
    entry = enrol(faces, a.vector)
    alert = save_alert(store, faces, "gate", RECENT + 1, a1, entry)
    save_event(store, "gate", RECENT + 2, a1)
    save_event(store, "yard", RECENT + 3, b1)
    store.flush()
    face_index(store)
    loose = store.sightings_by_id(sighting_ids(store, "yard", a_loose))
    loose_face = [s.id for s in loose if s.kind == "face"]
    return {
        "a": a,
        "b": b,
        "a_tracks": [track_id(store, "gate", a1), track_id(store, "yard", a2)],
        "a_loose_track": track_id(store, "yard", a_loose),
        "a_sightings": sighting_ids(store, "gate", a1)
        + sighting_ids(store, "yard", a2)
        + sighting_ids(store, "yard", a_loose),
        "loose_face": loose_face,
        "b_sightings": sighting_ids(store, "gate", b1) + sighting_ids(store, "yard", b2),
        "b_tracks": [track_id(store, "gate", b1), track_id(store, "yard", b2)],
        "entry": entry,
        "alert": alert,
    }


def request(seeded: dict[str, Any], **extra: Any) -> ErasureRequest:
    return ErasureRequest(
        requested_by="dpo",
        legal_basis="GDPR Art. 17, request 2026-17",
        identity_id=seeded["a"].identity,
        sighting_ids=tuple(seeded["loose_face"]),
        watchlist_entry_id=seeded["entry"],
        **extra,
    )


def ids(store: Store, column: Any, *where: Any) -> set[Any]:
    with Session(store.engine) as session:
        return set(session.scalars(select(column).where(*where)))


def test_erased_person_is_found_nowhere_and_others_stay(make_store: Callable[..., Store]) -> None:
    store = make_store()
    seeded = seed(store)
    a_files = {s.thumbnail_path for s in store.sightings_by_id(seeded["a_sightings"])}
    b_files = {s.thumbnail_path for s in store.sightings_by_id(seeded["b_sightings"])}
    assert len(a_files) == 6 and None not in a_files
    before_files = media_files(store)
    a_tracks = seeded["a_tracks"] + [seeded["a_loose_track"]]

    result = erase(store, request(seeded))

    report = result.report
    assert report["counts"]["tracks"] == 3
    assert report["counts"]["sightings"] == 6
    assert report["counts"]["appearances"] == 2
    assert report["counts"]["face_alerts"] == 1
    assert report["counts"]["events"] == 1
    assert report["counts"]["watchlist_entries"] == 1
    assert report["counts"]["watchlist_photos"] == 1
    assert report["deleted"]["identities"] == [seeded["a"].identity]
    assert report["face_vectors_deleted"] == 3
    assert report["face_indexes_rebuilt"] == ["test-faces"]
    assert report["files_removed"] == 6 + 1 + 1 + 1 + 1  # thumbs, alert, photo, event thumb+clip
    # Database: no row of theirs anywhere.
    assert ids(store, IdentityRow.id, IdentityRow.id == seeded["a"].identity) == set()
    assert ids(store, TrackRow.id, TrackRow.id.in_(a_tracks)) == set()
    assert ids(store, SightingRow.id, SightingRow.id.in_(seeded["a_sightings"])) == set()
    assert ids(store, TrackAppearanceRow.id, TrackAppearanceRow.track_id.in_(a_tracks)) == set()
    assert ids(store, TrackAppearanceRow.id, TrackAppearanceRow.identity_id == "a" * 32) == set()
    assert ids(store, AlertRow.id) == set()
    assert ids(store, WatchlistEntryRow.id) == set()
    assert ids(store, WatchlistPhotoRow.id) == set()
    assert len(ids(store, EventRow.id)) == 1  # B's event
    # Face index: neither the saved files nor a search by their face return them.
    assert not index_ids_on_disk(store) & set(seeded["a_sightings"])
    fresh = FaceSightingIndex(FaceRecords(store), "test-faces", store.data_dir)
    fresh.sync()
    found = {i for i, _ in fresh.search(seeded["a"].vector, k=10)}
    assert found and not found & set(seeded["a_sightings"])
    assert found <= set(seeded["b_sightings"])
    # Files: none of theirs remain; everyone else's do.
    remaining = media_files(store)
    assert not remaining & a_files
    assert b_files <= remaining
    assert len(before_files) - len(remaining) == report["files_removed"]
    # Person B is intact.
    assert {a.track_id for a in PersonRecords(store).trajectory("b" * 32)} == set(
        seeded["b_tracks"]
    )
    assert len(store.sightings_by_id(seeded["b_sightings"])) == 4
    # The erasure is on record, with ids and counts only.
    [record] = erasures(store)
    assert record["id"] == result.erasure_id
    assert record["requested_by"] == "dpo"
    assert record["report"]["files_removed"] == report["files_removed"]
    assert "Jane" not in json.dumps(record)


def test_held_records_are_kept_unless_overridden(make_store: Callable[..., Store]) -> None:
    store = make_store()
    seeded = seed(store)
    open_case(store)
    held_track = seeded["a_tracks"][1]
    HoldRecords(store).add("2026-0001", "track", str(held_track), "evidence", "ann")

    first = erase(store, request(seeded))

    assert first.report["kept_held"]["tracks"] == [held_track]
    assert len(first.report["kept_held"]["sightings"]) == 2
    assert first.report["kept_held"]["identities"] == [seeded["a"].identity]
    assert ids(store, TrackRow.id, TrackRow.id == held_track) == {held_track}
    assert len(store.track_sightings(held_track)) == 2
    # The identity stays while a held track names it; the other tracks are gone.
    assert ids(store, IdentityRow.id, IdentityRow.id == seeded["a"].identity) != set()
    assert ids(store, TrackRow.id, TrackRow.id == seeded["a_tracks"][0]) == set()

    with pytest.raises(UsageError, match="reason"):
        erase(store, ErasureRequest("dpo", "x", identity_id="a" * 32, override_holds=" "))
    second = erase(
        store,
        ErasureRequest(
            "dpo", "court order 9", identity_id="a" * 32, override_holds="order 9 overrides"
        ),
    )
    assert second.report["deleted"]["tracks"] == [held_track]
    assert second.report["holds_released"] == 1
    assert ids(store, TrackRow.id, TrackRow.id == held_track) == set()
    assert ids(store, IdentityRow.id, IdentityRow.id == "a" * 32) == set()
    assert ids(store, HoldRow.id, HoldRow.released_at.is_(None)) == set()
    assert len(erasures(store)) == 2


def test_erasure_needs_a_subject_and_a_basis(make_store: Callable[..., Store]) -> None:
    store = make_store()
    with pytest.raises(UsageError, match="identity, face sightings"):
        erase(store, ErasureRequest("dpo", "basis"))
    with pytest.raises(UsageError, match="legal basis"):
        erase(store, ErasureRequest("dpo", " ", identity_id="x"))
    with pytest.raises(UsageError, match="no identity"):
        erase(store, ErasureRequest("dpo", "basis", identity_id="x"))
    with pytest.raises(UsageError, match="no sighting 7"):
        erase(store, ErasureRequest("dpo", "basis", sighting_ids=(7,)))
    assert erasures(store) == []
