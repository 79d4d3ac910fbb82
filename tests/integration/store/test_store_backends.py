"""The same round trips on every backend: SQLite always, PostgreSQL when configured."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from citywatch.config.cameras import CameraConfig, Point
from citywatch.core.classes import ObjectClass
from citywatch.core.records import Event, Sighting, TrackPoint, TrackRecord
from citywatch.store import Store, StoreCounts
from citywatch.store.engine import upgrade_schema
from citywatch.store.partitions import include_name
from citywatch.store.schema import Base

T0 = 1_700_000_000.123456  # sub-microsecond digits: times must come back exactly


def crop(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (200, 100, 3), dtype=np.uint8)


def a_track(camera: str = "gate", local_id: int = 1, t: float = T0, run: str = "r1") -> TrackRecord:
    return TrackRecord(
        camera_id=camera,
        run_id=run,
        local_id=local_id,
        class_id=ObjectClass.BICYCLE,
        started_at=t,
        ended_at=t + 2.5,
        frames=13,
        path=(TrackPoint(t, 100.5, 200.25), TrackPoint(t + 0.2, 101.0, 199.0)),
    )


def a_sighting(
    camera: str = "gate", t: float = T0, kind: str = "object", image: bool = True
) -> Sighting:
    return Sighting(
        camera_id=camera,
        kind=kind,
        first_seen=t,
        last_seen=t + 2.5,
        best_time=t + 1.0,
        best_box=(1.5, 2.5, 30.0, 60.0),
        best_score=0.6875,
        thumbnail=crop() if image else None,
    )


def an_event(camera: str = "gate", t: float = T0, type: str = "zone", **values: Any) -> Event:
    return Event(
        camera_id=camera,
        time=t,
        type=type,
        rule="no-entry",
        values=values or {"zone": "door", "count": np.int64(3), "ratio": 0.25, "ids": [1, 2]},
        run_id="r1",
        track_local_id=1,
        thumbnail=crop(1),
    )


def test_camera_round_trip(make_store: Callable[..., Store]) -> None:
    store = make_store()
    store.upsert_camera(
        CameraConfig(
            id="gate", name="Gate", source="rtsp://u:pw@cam/1", fps=12.5, position=Point(x=1, y=2)
        )
    )
    [camera] = store.cameras()
    assert (camera.id, camera.name, camera.source) == ("gate", "Gate", "rtsp://u:***@cam/1")
    assert (camera.fps, camera.position) == (12.5, (1.0, 2.0))


def test_track_round_trip(make_store: Callable[..., Store], store_dir: Path) -> None:
    store = make_store()
    store.save_track(a_track(), [a_sighting(), a_sighting(kind="face", t=T0 + 1, image=False)])
    [track] = store.tracks()
    assert (track.camera_id, track.run_id, track.local_id) == ("gate", "r1", 1)
    assert (track.class_id, track.frames) == (ObjectClass.BICYCLE, 13)
    assert (track.started_at, track.ended_at) == (T0, T0 + 2.5)
    assert track.path == (TrackPoint(T0, 100.5, 200.25), TrackPoint(T0 + 0.2, 101.0, 199.0))

    face, body = store.sightings()
    assert body.track_id == face.track_id == track.id
    assert (body.kind, body.first_seen, body.last_seen, body.best_time) == (
        "object",
        T0,
        T0 + 2.5,
        T0 + 1.0,
    )
    assert (body.box, body.best_score, body.day) == (
        (1.5, 2.5, 30.0, 60.0),
        0.6875,
        dt.date(2023, 11, 14),
    )
    assert face.thumbnail_path is None
    assert body.thumbnail_path is not None
    assert body.thumbnail_path.startswith("media/thumbs/gate/2023-11-14/")
    assert (store_dir / body.thumbnail_path).is_file()


def test_event_round_trip(make_store: Callable[..., Store], store_dir: Path) -> None:
    store = make_store()
    store.save_event(an_event())
    [event] = store.events()
    assert (event.camera_id, event.time, event.type, event.rule) == ("gate", T0, "zone", "no-entry")
    assert event.values == {"zone": "door", "count": 3, "ratio": 0.25, "ids": [1, 2]}
    assert (event.run_id, event.track_local_id, event.day) == ("r1", 1, dt.date(2023, 11, 14))
    assert event.thumbnail_path is not None and (store_dir / event.thumbnail_path).is_file()


def test_pagination_and_filters(make_store: Callable[..., Store]) -> None:
    store = make_store()
    for i in range(12):
        camera = ("gate", "yard", "roof")[i % 3]
        store.save_event(an_event(camera=camera, t=T0 + i, type="line" if i % 2 else "zone"))
        store.save_track(
            a_track(camera=camera, local_id=i, t=T0 + i),
            [a_sighting(camera=camera, t=T0 + i, kind="plate" if i % 4 == 0 else "object")],
        )
    assert [e.time for e in store.events(limit=5, offset=5)] == [T0 + i for i in range(6, 1, -1)]
    assert [e.time for e in store.events(camera_id="yard", type="line")] == [T0 + 7, T0 + 1]
    assert [t.local_id for t in store.tracks(since=T0 + 3, until=T0 + 6)] == [5, 4, 3]
    assert [s.first_seen for s in store.sightings(kind="plate", camera_id="gate")] == [T0]
    assert store.counts() == StoreCounts(cameras=3, tracks=12, sightings=12, events=12)


def test_buffered_writes_survive_close(make_store: Callable[..., Store]) -> None:
    store = make_store(batch_size=10_000, max_age_s=3600)
    n = 120
    for i in range(n):
        store.save_track(a_track(local_id=i, t=T0 + i), [a_sighting(t=T0 + i, image=i % 4 == 0)])
        store.save_event(an_event(t=T0 + i))
    assert store.pending_rows == 3 * n
    store.close()
    assert make_store().counts() == StoreCounts(cameras=1, tracks=n, sightings=n, events=n)


def test_saving_a_track_again_replaces_it(make_store: Callable[..., Store]) -> None:
    store = make_store()
    store.save_track(a_track(), [a_sighting(), a_sighting()])
    store.flush()
    store.save_track(a_track(), [a_sighting(kind="face")])
    assert len(store.tracks()) == 1
    assert [s.kind for s in store.sightings()] == ["face"]


def test_concurrent_writers(make_store: Callable[..., Store]) -> None:
    store = make_store(batch_size=32)
    writers, per_writer = 6, 50
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(per_writer):
                t = T0 + n * 1000 + i
                camera = f"cam-{n % 2}"
                store.save_track(
                    a_track(camera=camera, local_id=i, t=t, run=f"w{n}"),
                    [a_sighting(camera=camera, t=t, image=i % 10 == 0)],
                )
                store.save_event(an_event(camera=camera, t=t))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    total = writers * per_writer
    assert store.counts() == StoreCounts(cameras=2, tracks=total, sightings=total, events=total)


def test_stores_opening_at_once_migrate_once(make_store: Callable[..., Store]) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_one() -> None:
        try:
            start.wait()
            make_store()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_upgrade_head_twice_is_a_no_op(
    make_store: Callable[..., Store], caplog: pytest.LogCaptureFixture
) -> None:
    store = make_store()
    tables = set(inspect(store.engine).get_table_names())
    with caplog.at_level(logging.INFO, logger="alembic"):
        upgrade_schema(store.engine)
        make_store()
    assert "Running upgrade" not in caplog.text
    assert set(inspect(store.engine).get_table_names()) == tables


def test_models_match_the_migrations(make_store: Callable[..., Store]) -> None:
    store = make_store()
    with store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        assert compare_metadata(context, Base.metadata) == []


OPEN_IN_A_PROCESS = """
import sys
from pathlib import Path
from citywatch.store import open_store
url = sys.argv[1] or None
with open_store(url, Path(sys.argv[2])) as store:
    store.save_event(__import__("citywatch.core.records", fromlist=["Event"]).Event(
        camera_id="gate", time=1.0, type="zone", rule="door"))
"""


def test_processes_starting_at_once_share_one_schema(
    backend_url: str | None, store_dir: Path, make_store: Callable[..., Store]
) -> None:
    # The real case: `citywatch serve` and a CLI command starting on a fresh data directory.
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_IN_A_PROCESS, backend_url or "", str(store_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0] * 4, outputs
    assert make_store().counts().events == 4
