"""PostgreSQL: sightings live in day partitions, and retention drops a whole expired day.

A day goes when every camera's cutoff has passed its end and no hold keeps a row in it; its
thumbnails and face vectors go with it. A day with a held row is purged row by row, keeping
that row. A dry run drops nothing and counts each row once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from retention_seed import (
    DAY,
    OLD,
    RECENT,
    add_cameras,
    config,
    face_index,
    index_ids_on_disk,
    media_files,
    open_case,
    save_person_track,
    sighting_ids,
    track_id,
)
from sqlalchemy import text

from citywatch.privacy.retention import purge
from citywatch.store import Store
from citywatch.store.convert import utc_day
from citywatch.store.holds import HoldRecords
from citywatch.store.partitions import day_partitions, is_partitioned, partition_name

pytestmark = pytest.mark.postgres


@pytest.fixture
def backend_url(postgres_schema_url: str) -> str:
    return postgres_schema_url


def partitions(store: Store) -> dict[dt.date, str]:
    with store.engine.connect() as connection:
        assert is_partitioned(connection)
        return day_partitions(connection)


def test_sightings_land_in_partitions_made_for_their_days(make_store: Callable[..., Store]):
    store = make_store()
    add_cameras(store, config())
    for t in (OLD, OLD - 3 * DAY, RECENT):
        save_person_track(store, "gate", t, None)
    store.flush()
    days = {utc_day(t) for t in (OLD, OLD - 3 * DAY, RECENT)}
    made = partitions(store)
    assert days <= set(made)
    assert all(day + dt.timedelta(days=1) in made for day in days)  # the next day, ahead
    with store.engine.connect() as connection:
        for day in days:
            count = connection.execute(text(f'SELECT count(*) FROM "{partition_name(day)}"'))
            assert count.scalar_one() == 2  # the body and the face sighting of its track


def test_an_expired_day_is_dropped_whole_and_a_held_day_purged_by_row(
    make_store: Callable[..., Store],
):
    store = make_store()
    settings = add_cameras(store, config())
    dropped_day, held_day = OLD - 2 * DAY, OLD
    gone = [save_person_track(store, camera, dropped_day, None) for camera in ("gate", "yard")]
    held = save_person_track(store, "gate", held_day, None)
    loose = save_person_track(store, "yard", held_day + 60, None)
    recent = save_person_track(store, "gate", RECENT, None)
    store.flush()
    doomed = [
        i
        for c, lo in [("gate", gone[0]), ("yard", gone[1]), ("yard", loose)]
        for i in sighting_ids(store, c, lo)
    ]
    kept = sighting_ids(store, "gate", held) + sighting_ids(store, "gate", recent)
    face_index(store)
    assert len(index_ids_on_disk(store)) == 5
    files_before = media_files(store)
    open_case(store)
    HoldRecords(store).add("2026-0001", "track", str(track_id(store, "gate", held)), "kept", "ann")

    dry = purge(store, settings, dry_run=True)
    # The expired day, and the empty day made ahead after it; not the day with a held row.
    assert utc_day(dropped_day).isoformat() in dry.partitions_dropped
    assert utc_day(held_day).isoformat() not in dry.partitions_dropped
    assert dry.tables["sightings"].deleted == 6  # 4 in the day dropped whole, 2 by row
    assert utc_day(dropped_day) in partitions(store)

    report = purge(store, settings)
    assert report.partitions_dropped == dry.partitions_dropped
    assert report.tables["sightings"].deleted == 6
    assert report.tables["sightings"].held == 2
    assert report.face_vectors_deleted == 3
    left = partitions(store)
    assert utc_day(dropped_day) not in left
    assert utc_day(held_day) in left and utc_day(RECENT) in left
    assert store.sightings_by_id(doomed) == []
    assert {s.id for s in store.sightings_by_id(kept)} == set(kept)
    assert len(files_before - media_files(store)) == 6  # the six sightings' thumbnails
    assert len(index_ids_on_disk(store)) == 2


def test_a_camera_that_keeps_sightings_longer_keeps_the_day(make_store: Callable[..., Store]):
    store = make_store()
    settings = add_cameras(store, config(yard={"sightings": 365}))
    save_person_track(store, "gate", OLD, None)
    save_person_track(store, "yard", OLD, None)
    store.flush()
    report = purge(store, settings)
    assert report.partitions_dropped == []  # the yard's rows in that day are kept a year
    assert report.tables["sightings"].deleted == 2  # the gate's, by row
    assert utc_day(OLD) in partitions(store)
