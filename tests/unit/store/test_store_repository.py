"""The Store on SQLite: round trips, thumbnails, batching, failures, threads."""

from __future__ import annotations

import datetime as dt
import logging
import math
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import pytest
from sqlalchemy.exc import OperationalError
from store_factories import T0, crop, event, sighting, track

from citywatch.config.cameras import CameraConfig, Point
from citywatch.core.classes import ObjectClass
from citywatch.core.errors import StoreError
from citywatch.core.records import TrackPoint
from citywatch.store import Store, StoreCounts, open_store
from citywatch.store import writer as writer_module
from citywatch.store.engine import connect, prepare_data_dir
from citywatch.store.writer import BatchWriter


def committed(store_dir: Path, table: str) -> int:
    """Rows on disk, seen from outside the store (its own reads would flush first)."""
    with sqlite3.connect(store_dir / "citywatch.db") as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def image_size(store_dir: Path, relative: str) -> tuple[int, int]:
    image = cv2.imread(str(store_dir / relative))
    assert image is not None, relative
    return image.shape[0], image.shape[1]


# -- round trips ------------------------------------------------------------------------------


def test_camera_round_trip_masks_the_password(store: Store) -> None:
    camera = CameraConfig(
        id="gate", name="Main gate", source="rtsp://admin:hunter2@10.0.0.2/s1", fps=7.5,
        position=Point(x=12.5, y=-3.0),
    )  # fmt: skip
    store.upsert_camera(camera)
    [info] = store.cameras()
    assert (info.id, info.name, info.fps, info.position) == ("gate", "Main gate", 7.5, (12.5, -3.0))
    assert info.source == "rtsp://admin:***@10.0.0.2/s1"
    assert info.created_at == info.updated_at


def test_upsert_camera_updates_in_place(store: Store) -> None:
    store.upsert_camera(CameraConfig(id="gate", source="/v/a.mp4"))
    [first] = store.cameras()
    store.upsert_camera(CameraConfig(id="gate", source="/v/a.mp4"))  # unchanged: untouched
    assert store.cameras() == [first]
    store.upsert_camera(CameraConfig(id="gate", name="Gate", source="/v/b.mp4"))
    [second] = store.cameras()
    assert (second.name, second.source, second.position) == ("Gate", "/v/b.mp4", None)
    assert second.created_at == first.created_at and second.updated_at >= first.updated_at


def test_track_and_sightings_round_trip(store: Store, store_dir: Path) -> None:
    store.upsert_camera(CameraConfig(id="gate", source="/v/a.mp4"))
    store.save_track(
        track(local_id=7, class_id=ObjectClass.VEHICLE, frames=33),
        [sighting(), sighting(kind="plate", t=T0 + 2, image=False)],
    )
    [info] = store.tracks()
    assert (info.camera_id, info.run_id, info.local_id, info.frames) == ("gate", "run-1", 7, 33)
    assert info.class_id is ObjectClass.VEHICLE
    assert (info.started_at, info.ended_at) == (T0, T0 + 4.0)
    assert info.path == (TrackPoint(T0, 1.0, 2.0), TrackPoint(T0 + 1.0, 3.5, 4.25))

    plate, body = store.sightings()  # newest first
    assert (body.kind, plate.kind) == ("object", "plate")
    assert body.track_id == plate.track_id == info.id
    assert (body.first_seen, body.last_seen, body.best_time) == (T0, T0 + 4.0, T0 + 1.5)
    assert body.box == (10.0, 20.0, 30.5, 60.25) and body.best_score == 0.875
    assert body.day == dt.date(2023, 11, 14)
    assert plate.thumbnail_path is None
    assert body.thumbnail_path is not None
    assert body.thumbnail_path.startswith("media/thumbs/gate/2023-11-14/")
    assert not Path(body.thumbnail_path).is_absolute()
    assert image_size(store_dir, body.thumbnail_path) == (160, 80)  # 240x120 fitted into 160


def test_event_round_trip(store: Store, store_dir: Path) -> None:
    store.save_event(event(t=T0 + 86_400, image=True, values={"zone": "door", "dwell_s": 12.5}))
    [info] = store.events()
    assert (info.camera_id, info.time, info.type, info.rule) == (
        "gate",
        T0 + 86_400,
        "zone",
        "door",
    )
    assert info.values == {"zone": "door", "dwell_s": 12.5}
    assert (info.run_id, info.track_local_id, info.day) == ("run-1", 1, dt.date(2023, 11, 15))
    assert info.thumbnail_path is not None
    assert info.thumbnail_path.startswith("media/thumbs/gate/2023-11-15/")
    assert (store_dir / info.thumbnail_path).is_file()


def test_thumbnail_size_is_configurable(make_store: Callable[..., Store], store_dir: Path) -> None:
    store = make_store(thumbnail_size=48)
    store.save_event(event(image=True, thumbnail=crop(100, 300)))
    [info] = store.events()
    assert info.thumbnail_path is not None
    assert image_size(store_dir, info.thumbnail_path) == (16, 48)


def test_thumbnails_off_writes_no_files(make_store: Callable[..., Store], store_dir: Path) -> None:
    store = make_store(thumbnails=False)
    store.save_track(track(), [sighting()])
    store.save_event(event(image=True))
    assert store.sightings()[0].thumbnail_path is None
    assert store.events()[0].thumbnail_path is None
    assert not (store_dir / "media").exists()


def test_counts(store: Store) -> None:
    store.save_track(track(), [sighting(), sighting()])
    store.save_event(event())
    assert store.counts() == StoreCounts(cameras=1, tracks=1, sightings=2, events=1)


# -- queries ----------------------------------------------------------------------------------


@pytest.fixture
def filled(store: Store) -> Store:
    for i in range(30):
        camera = "gate" if i % 2 == 0 else "yard"
        store.save_event(event(camera=camera, t=T0 + i, type="zone" if i % 3 else "line"))
        store.save_track(
            track(camera=camera, local_id=i, t=T0 + i),
            [
                sighting(
                    camera=camera, t=T0 + i, kind="face" if i % 5 == 0 else "object", image=False
                )
            ],
        )
    return store


def test_pages_are_newest_first_and_do_not_overlap(filled: Store) -> None:
    pages = [filled.events(limit=7, offset=o) for o in range(0, 35, 7)]
    times = [e.time for page in pages for e in page]
    assert times == [T0 + i for i in reversed(range(30))]
    assert [len(p) for p in pages] == [7, 7, 7, 7, 2]
    assert [t.local_id for t in filled.tracks(limit=3, offset=3)] == [26, 25, 24]


def test_filters(filled: Store) -> None:
    assert {e.camera_id for e in filled.events(camera_id="yard")} == {"yard"}
    assert len(filled.events(camera_id="yard")) == 15
    assert [e.time for e in filled.events(type="line", camera_id="gate")] == [
        T0 + i for i in (24, 18, 12, 6, 0)
    ]
    # since inclusive, until exclusive
    assert [e.time for e in filled.events(since=T0 + 10, until=T0 + 13)] == [
        T0 + 12,
        T0 + 11,
        T0 + 10,
    ]
    assert [t.local_id for t in filled.tracks(camera_id="gate", since=T0 + 25)] == [28, 26]
    assert [s.first_seen for s in filled.sightings(kind="face")] == [
        T0 + i for i in (25, 20, 15, 10, 5, 0)
    ]
    assert filled.sightings(kind="face", camera_id="yard", until=T0 + 20) == filled.sightings(
        kind="face", camera_id="yard", since=T0, until=T0 + 16
    )
    assert filled.events(camera_id="nowhere") == []


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (-1, 0), (10, -1)])
def test_bad_pages_are_value_errors(store: Store, limit: int, offset: int) -> None:
    with pytest.raises(ValueError, match="limit must be"):
        store.events(limit=limit, offset=offset)


# -- batching ---------------------------------------------------------------------------------


def test_writes_wait_for_a_full_batch(make_store: Callable[..., Store], store_dir: Path) -> None:
    store = make_store(batch_size=10, max_age_s=3600)
    for i in range(9):
        store.save_event(event(t=T0 + i))
    assert (committed(store_dir, "events"), store.pending_rows) == (0, 9)
    store.save_event(event(t=T0 + 9))  # the tenth row fills the batch
    assert (committed(store_dir, "events"), store.pending_rows) == (10, 0)


def test_a_track_counts_with_its_sightings(
    make_store: Callable[..., Store], store_dir: Path
) -> None:
    store = make_store(batch_size=4, max_age_s=3600)
    store.save_track(track(), [sighting(), sighting()])
    assert committed(store_dir, "tracks") == 0
    store.save_event(event())
    assert (committed(store_dir, "sightings"), committed(store_dir, "events")) == (2, 1)


def test_old_writes_are_committed_on_the_next_write(
    make_store: Callable[..., Store], store_dir: Path
) -> None:
    store = make_store(batch_size=1000, max_age_s=0.05)
    store.save_event(event(t=T0))
    assert committed(store_dir, "events") == 0
    threading.Event().wait(0.1)
    store.save_event(event(t=T0 + 1))
    assert committed(store_dir, "events") == 2


def test_flush_commits_now(make_store: Callable[..., Store], store_dir: Path) -> None:
    store = make_store(batch_size=1000, max_age_s=3600)
    store.save_event(event())
    store.flush()
    assert committed(store_dir, "events") == 1
    store.flush()  # nothing buffered: nothing happens
    assert committed(store_dir, "events") == 1


def test_reads_see_buffered_writes(make_store: Callable[..., Store]) -> None:
    store = make_store(batch_size=1000, max_age_s=3600)
    store.save_event(event())
    assert len(store.events()) == 1


def test_nothing_buffered_is_lost_on_close(
    make_store: Callable[..., Store], store_dir: Path
) -> None:
    store = make_store(batch_size=100_000, max_age_s=3600)
    n = 250
    for i in range(n):
        store.save_track(track(local_id=i, t=T0 + i), [sighting(t=T0 + i)])
        store.save_event(event(t=T0 + i, image=i % 10 == 0))
    assert committed(store_dir, "events") == 0 and store.pending_rows == 3 * n
    store.close()

    reopened = make_store()
    assert reopened.counts() == StoreCounts(cameras=1, tracks=n, sightings=n, events=n)
    thumbs = [s.thumbnail_path for s in reopened.sightings(limit=n)]
    assert all(p is not None and (store_dir / p).is_file() for p in thumbs)
    assert len({*thumbs}) == n


def test_close_is_idempotent_and_final(store: Store) -> None:
    store.save_event(event())
    store.close()
    store.close()
    assert store.closed
    with pytest.raises(StoreError, match="closed"):
        store.save_event(event())
    with pytest.raises(StoreError, match="closed"):
        store.events()


def test_context_manager_closes(store_dir: Path) -> None:
    with open_store(None, store_dir, batch_size=1000) as store:
        store.save_event(event())
    assert store.closed
    assert committed(store_dir, "events") == 1


# -- tracks saved again, cameras nobody registered -------------------------------------------


def test_saving_a_track_again_replaces_it(store: Store, store_dir: Path) -> None:
    store.save_track(track(frames=10), [sighting(best_score=0.1)])
    store.flush()
    [old] = store.sightings()
    store.save_track(track(frames=20), [sighting(best_score=0.2), sighting(best_score=0.3)])
    store.save_track(track(frames=30), [sighting(best_score=0.4)])  # same batch: latest wins
    [info] = store.tracks()
    assert info.frames == 30
    assert [s.best_score for s in store.sightings()] == [0.4]
    # The thumbnails of the replaced sightings are gone too.
    assert old.thumbnail_path is not None and not (store_dir / old.thumbnail_path).exists()
    assert len(list((store_dir / "media").rglob("*.jpg"))) == 1


def test_unregistered_camera_gets_a_placeholder(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="citywatch.store"):
        store.save_event(event(camera="roof"))
        [camera] = store.cameras()
    assert (camera.id, camera.name, camera.source) == ("roof", "roof", "")
    assert "camera 'roof' is not registered" in caplog.text
    store.upsert_camera(CameraConfig(id="roof", name="Roof", source="/v/roof.mp4"))
    assert store.cameras()[0].name == "Roof"


# -- failures while running ------------------------------------------------------------------


def test_a_failed_thumbnail_keeps_the_row(
    store: Store, store_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (store_dir / "media").write_text("not a folder")  # as good as a full or read-only disk
    with caplog.at_level(logging.WARNING, logger="citywatch.store"):
        store.save_track(track(), [sighting()])
        store.save_event(event(image=True))
        store.flush()
    assert [s.thumbnail_path for s in store.sightings()] == [None]
    assert [e.thumbnail_path for e in store.events()] == [None]
    assert "cannot write thumbnail" in caplog.text


def test_a_rejected_record_does_not_take_its_batch_with_it(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    store.save_event(event(t=T0))
    # SQLite stores NaN as NULL, which the NOT NULL column refuses at commit time.
    store.save_track(track(local_id=1), [sighting(best_score=math.nan)])
    store.save_event(event(t=T0 + 1))
    with caplog.at_level(logging.WARNING, logger="citywatch.store"):
        store.flush()
    assert [e.time for e in store.events()] == [T0 + 1, T0]
    assert store.tracks() == [] and store.sightings() == []
    assert "track gate/run-1/1 with 1 sightings not stored" in caplog.text
    assert store.pending_rows == 0


def test_values_json_cannot_hold_fail_at_once(store: Store) -> None:
    with pytest.raises(TypeError, match="values.at"):
        store.save_event(event(values={"at": object()}))


def test_an_unavailable_database_keeps_the_batch(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = BatchWriter._transaction
    failures = iter([True])

    def flaky(self: BatchWriter, batch: list) -> list[str]:  # type: ignore[type-arg]
        if next(failures, False):
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("disk I/O error"))
        return real(self, batch)

    monkeypatch.setattr(BatchWriter, "_transaction", flaky)
    store.save_track(track(), [sighting()])
    store.save_event(event())
    with pytest.raises(StoreError, match=r"disk I/O error \(3 rows kept\)"):
        store.flush()
    assert store.pending_rows == 3
    store.flush()
    assert store.counts() == StoreCounts(cameras=1, tracks=1, sightings=1, events=1)
    assert store.sightings()[0].thumbnail_path is not None  # written once, kept across the retry


def test_close_says_what_it_could_not_store(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def down(self: BatchWriter, batch: list) -> list[str]:  # type: ignore[type-arg]
        raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))

    store.save_event(event())
    monkeypatch.setattr(BatchWriter, "_transaction", down)
    with pytest.raises(StoreError, match="database is locked.*1 buffered rows were not stored"):
        store.close()
    assert store.closed
    store.close()


# -- threads ----------------------------------------------------------------------------------


def test_concurrent_writers_and_readers(make_store: Callable[..., Store]) -> None:
    store = make_store(batch_size=16)
    writers, per_writer = 8, 60
    errors: list[BaseException] = []
    start = threading.Barrier(writers + 2)

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(per_writer):
                t = T0 + n * 1000 + i
                store.save_track(
                    track(camera=f"cam-{n % 3}", run=f"w{n}", local_id=i, t=t),
                    [sighting(camera=f"cam-{n % 3}", t=t)],
                )
                store.save_event(event(camera=f"cam-{n % 3}", t=t, image=i % 7 == 0))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    def read() -> None:
        try:
            start.wait()
            for _ in range(20):
                store.events(limit=5)
                store.counts()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    threads += [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    store.close()

    total = writers * per_writer
    reopened = make_store()
    assert reopened.counts() == StoreCounts(cameras=3, tracks=total, sightings=total, events=total)
    ids = [e.id for e in reopened.events(limit=total)]
    assert len(set(ids)) == total


def test_a_long_outage_drops_the_oldest_rows_not_the_process(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(connect(None, prepare_data_dir(store_dir)), store_dir, max_pending_rows=4)
    real = BatchWriter._transaction

    def down(self: BatchWriter, batch: list) -> list[str]:  # type: ignore[type-arg]
        raise OperationalError("INSERT", {}, sqlite3.OperationalError("disk I/O error"))

    monkeypatch.setattr(BatchWriter, "_transaction", down)
    for i in range(6):
        store.save_event(event(t=T0 + i))
    with caplog.at_level(logging.ERROR, logger="citywatch.store"), pytest.raises(StoreError):
        store.flush()
    assert store.pending_rows == 4
    assert "dropped the 2 oldest buffered rows (limit 4)" in caplog.text
    monkeypatch.setattr(BatchWriter, "_transaction", real)
    assert [e.time for e in store.events()] == [T0 + i for i in (5, 4, 3, 2)]
    store.close()


def test_a_dropped_connection_is_retried_at_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a server restart looks like to a pooled connection the pre-ping let through.
    real = writer_module.write_batch
    failures = iter([True])

    def dropped(*args: Any) -> list[str]:
        if next(failures, False):
            raise OperationalError(
                "INSERT", {}, sqlite3.OperationalError("server closed"), connection_invalidated=True
            )
        return real(*args)

    monkeypatch.setattr(writer_module, "write_batch", dropped)
    store.save_event(event())
    store.flush()  # no StoreError: the second try went through
    assert store.pending_rows == 0 and len(store.events()) == 1
