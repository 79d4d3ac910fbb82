"""Retention purge on every backend: expired rows, their files and vectors go; held ones stay."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from retention_seed import (
    ANCIENT,
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
    save_vehicle,
    sighting_ids,
    track_id,
    unit,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citywatch.core.errors import UsageError
from citywatch.privacy.retention import purge
from citywatch.store import Store
from citywatch.store.holds import HoldRecords
from citywatch.store.plates import PlateRecords
from citywatch.store.schema import (
    EventRow,
    IdentityRow,
    SightingRow,
    TrackAppearanceRow,
    TrackRow,
)
from citywatch.store.watchlists import FaceRecords


def rows(store: Store, table: type) -> int:
    with Session(store.engine) as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def paths_of(store: Store, ids: list[int]) -> list[str]:
    return [s.thumbnail_path for s in store.sightings_by_id(ids) if s.thumbnail_path]


def test_purge_removes_expired_sightings_vectors_and_files_but_keeps_held(
    make_store: Callable[..., Store],
) -> None:
    store = make_store()
    settings = add_cameras(store, config())
    old_local = save_person_track(store, "gate", OLD, None)
    held_local = save_person_track(store, "gate", OLD + 10, None)
    person = Person("f" * 32, unit(99))
    held_person_local = save_person_track(store, "yard", OLD + 20, person)
    recent_local = save_person_track(store, "gate", RECENT, None)
    store.flush()
    old_sightings = sighting_ids(store, "gate", old_local)
    held_sightings = sighting_ids(store, "gate", held_local) + sighting_ids(
        store, "yard", held_person_local
    )
    recent_sightings = sighting_ids(store, "gate", recent_local)
    old_files = paths_of(store, old_sightings)
    kept_files = paths_of(store, held_sightings + recent_sightings)
    assert len(old_files) == 2 and len(kept_files) == 6
    face_index(store)
    assert len(index_ids_on_disk(store)) == 4

    open_case(store)
    holds = HoldRecords(store)
    holds.add("2026-0001", "track", str(track_id(store, "gate", held_local)), "evidence", "ann")
    holds.add("2026-0001", "identity", person.identity, "suspect", "ann")

    report = purge(store, settings)

    assert report.tables["sightings"].deleted == 2
    assert report.tables["sightings"].held == 4
    assert report.tables["tracks"].deleted == 1
    assert report.tables["tracks"].held == 2
    assert report.face_vectors_deleted == 1
    assert report.files.files == 2 and report.files.bytes > 0
    assert store.sightings_by_id(old_sightings) == []
    assert {s.id for s in store.sightings_by_id(held_sightings + recent_sightings)} == set(
        held_sightings + recent_sightings
    )
    for relative in old_files:
        assert not (store.data_dir / relative).exists()
    for relative in kept_files:
        assert (store.data_dir / relative).exists()
    # The face index on disk no longer holds the purged face, and a search cannot return it.
    on_disk = index_ids_on_disk(store)
    assert not on_disk & set(old_sightings)
    assert len(on_disk) == 3
    assert rows(store, IdentityRow) == 1  # the held person's identity stays with their track
    assert rows(store, TrackAppearanceRow) == 1
    assert report.to_dict()["audit_log"] == "never purged by retention"


def test_released_hold_lets_the_next_purge_delete(make_store: Callable[..., Store]) -> None:
    store = make_store()
    settings = add_cameras(store, config())
    person = Person("e" * 32, unit(5))
    save_person_track(store, "gate", OLD, person)
    store.flush()
    open_case(store)
    holds = HoldRecords(store)
    hold_id = holds.add("2026-0001", "identity", person.identity, "suspect", "ann")
    assert purge(store, settings).deleted == 0
    assert [h.id for h in holds.holds(case_ref="2026-0001")] == [hold_id]
    holds.release(hold_id)
    report = purge(store, settings)
    assert report.tables["tracks"].deleted == 1
    assert report.appearances_deleted == 1
    assert report.identities_deleted == 1
    assert rows(store, IdentityRow) == 0 and rows(store, SightingRow) == 0


def test_per_camera_override_and_keep_forever(make_store: Callable[..., Store]) -> None:
    store = make_store()
    # yard keeps sightings 60 days; tracks are kept forever everywhere.
    settings = add_cameras(store, config(tracks=None, yard={"sightings": 60}))
    gate = save_person_track(store, "gate", OLD, None)
    yard = save_person_track(store, "yard", OLD, None)
    store.flush()
    gate_ids, yard_ids = sighting_ids(store, "gate", gate), sighting_ids(store, "yard", yard)
    report = purge(store, settings)
    assert report.tables["sightings"].deleted == 2
    assert store.sightings_by_id(gate_ids) == []
    assert len(store.sightings_by_id(yard_ids)) == 2
    assert rows(store, TrackRow) == 2  # null: kept forever
    assert report.cameras["yard"]["sightings"] == 60
    assert report.cameras["gate"]["sightings"] == 30
    assert report.cameras["gate"]["tracks"] is None


def test_dry_run_changes_nothing_and_counts_what_a_purge_deletes(
    make_store: Callable[..., Store],
) -> None:
    store = make_store()
    settings = add_cameras(store, config())
    for t in (OLD, OLD + 5, RECENT):
        local = save_person_track(store, "gate", t, None)
        save_event(store, "gate", t - 60 * 86_400, local)  # events 100, 100 and 61 days back
    store.flush()
    face_index(store)
    before_files = media_files(store)
    before = (rows(store, SightingRow), rows(store, TrackRow), rows(store, EventRow))
    before_index = index_ids_on_disk(store)

    dry = purge(store, settings, dry_run=True)

    assert media_files(store) == before_files
    assert (rows(store, SightingRow), rows(store, TrackRow), rows(store, EventRow)) == before
    assert index_ids_on_disk(store) == before_index
    assert dry.dry_run and dry.deleted > 0
    real = purge(store, settings)
    assert dry.to_dict()["deleted"] == real.to_dict()["deleted"]
    assert dry.files.files == real.files.files and dry.files.bytes == real.files.bytes
    assert real.tables["events"].deleted == 2  # the two past 90 days
    assert len([f for f in media_files(store) if f.startswith("media/clips/")]) == 1


def test_events_alerts_and_plates_follow_their_own_retention(
    make_store: Callable[..., Store],
) -> None:
    store = make_store()
    settings = add_cameras(store, config(plate_reads=60))
    faces = FaceRecords(store)
    entry = enrol(faces, unit(1))
    old_person = save_person_track(store, "gate", ANCIENT, None)
    held_alert = save_alert(store, faces, "gate", ANCIENT, old_person, entry)
    gone_alert = save_alert(store, faces, "yard", ANCIENT, 999, entry)
    recent_alert = save_alert(store, faces, "yard", OLD, 998, entry)
    save_event(store, "gate", ANCIENT, None)
    save_event(store, "gate", OLD, None)
    car = save_vehicle(store, "gate", OLD)  # plate kept 60 days: its track stays
    save_vehicle(store, "yard", ANCIENT)  # both go
    store.flush()
    open_case(store)
    HoldRecords(store).add("2026-0001", "face_alert", str(held_alert), "evidence", "ann")
    alert_files = {a.id: a.evidence_path for a in faces.alerts()}

    report = purge(store, settings)

    assert {a.id for a in faces.alerts()} == {held_alert, recent_alert}
    assert not (store.data_dir / str(alert_files[gone_alert])).exists()
    assert (store.data_dir / str(alert_files[held_alert])).exists()
    assert report.tables["events"].deleted == 1
    assert report.tables["plate_reads"].deleted == 1
    assert [r.text for r in PlateRecords(store).search("*")] == ["AB12CDE"]
    track_id(store, "gate", car)  # the kept plate read's track is still there
    # The held alert keeps the track it was raised on, and that track's sightings.
    assert len(sighting_ids(store, "gate", old_person)) == 2


def test_holds_need_an_open_case_and_a_real_record(make_store: Callable[..., Store]) -> None:
    store = make_store()
    add_cameras(store, config())
    local = save_person_track(store, "gate", OLD, None)
    store.flush()
    holds = HoldRecords(store)
    tid = str(track_id(store, "gate", local))
    with pytest.raises(UsageError, match="no case"):
        holds.add("nope", "track", tid, "r", "ann")
    open_case(store, "closed-1", status="closed")
    with pytest.raises(UsageError, match="closed"):
        holds.add("closed-1", "track", tid, "r", "ann")
    open_case(store)
    with pytest.raises(UsageError, match="no track"):
        holds.add("2026-0001", "track", "123456", "r", "ann")
    with pytest.raises(UsageError, match="unknown hold kind"):
        holds.add("2026-0001", "camera", "gate", "r", "ann")
    first = holds.add("2026-0001", "track", tid, "r", "ann")
    assert holds.add("2026-0001", "track", tid, "r", "ann") == first
    assert [h.record_id for h in holds.holds(kind="track", record_id=tid)] == [tid]
    holds.release(first)
    assert holds.holds(case_ref="2026-0001") == []
    assert len(holds.holds(case_ref="2026-0001", include_released=True)) == 1
    with pytest.raises(UsageError, match="no active hold"):
        holds.release(first)
