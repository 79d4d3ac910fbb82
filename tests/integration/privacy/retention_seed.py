"""Records for the retention and erasure tests, saved through the store's public API.

Everything is placed relative to NOW: "old" rows are 40 days back (past the 30-day default
for sightings, tracks and plates), "ancient" ones 100 days back (past the 90 days for events
and alerts), "recent" ones a day back. Face embeddings are seeded unit vectors, so a search
by one person's vector can be checked against the index.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from citywatch.config import parse_config
from citywatch.config.root import CitywatchConfig
from citywatch.core.classes import ObjectClass
from citywatch.core.records import (
    Alert,
    Event,
    PlateRecord,
    Sighting,
    TrackAppearance,
    TrackPoint,
    TrackRecord,
)
from citywatch.search.face_index import FaceSightingIndex
from citywatch.store import Store
from citywatch.store.schema import CaseRow, SightingRow, TrackRow
from citywatch.store.watchlists import EnrolmentPhoto, FaceRecords

NOW = time.time()
DAY = 86_400.0
OLD = NOW - 40 * DAY
ANCIENT = NOW - 100 * DAY
RECENT = NOW - 1 * DAY
EMBEDDER = "test-faces"
DIM = 16


def config(**retention: Any) -> CitywatchConfig:
    cameras: list[dict[str, Any]] = [
        {"id": "gate", "source": "/videos/gate.mp4"},
        {"id": "yard", "source": "/videos/yard.mp4"},
    ]
    yard_override = retention.pop("yard", None)
    if yard_override is not None:
        cameras[1]["retention"] = yard_override
    return parse_config({"retention": retention, "cameras": cameras})


def add_cameras(store: Store, settings: CitywatchConfig) -> CitywatchConfig:
    """Store the cameras of `settings` (as `run` does at start); returns `settings`."""
    for camera in settings.cameras:
        store.upsert_camera(camera)
    return settings


def unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=DIM).astype(np.float32)
    return np.asarray(vector / np.linalg.norm(vector), np.float32)


def image(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (64, 48, 3), dtype=np.uint8)


@dataclass
class Person:
    """One person's tracks (by camera, local id), and the vector their face embeds to."""

    identity: str
    vector: np.ndarray
    tracks: list[tuple[str, int, float]] = field(default_factory=list)


_local_ids = iter(range(1, 1_000_000))


def save_person_track(
    store: Store, camera: str, t: float, person: Person | None, vector: np.ndarray | None = None
) -> int:
    """A person track at `t` with a body sighting and a face sighting (thumbnails, and a face
    embedding); with `person`, an appearance under their identity. Returns the local id."""
    local = next(_local_ids)
    track = TrackRecord(
        camera, "run-1", local, ObjectClass.PERSON, t, t + 5.0, 20, (TrackPoint(t, 1, 2),)
    )
    face_vector = vector if vector is not None else (person.vector if person else unit(local))
    body = Sighting(camera, "object", t, t + 5, t + 1, (1, 2, 30, 60), 0.9, image(local))
    face = Sighting(
        camera,
        "face",
        t,
        t + 5,
        t + 1,
        (5, 5, 20, 20),
        0.8,
        image(local + 1000),
        embedding=face_vector + 0.01 * unit(local + 5000),
        embedder=EMBEDDER,
    )
    appearance = None
    if person is not None:
        appearance = TrackAppearance(
            embedder="reid-test",
            embedding=unit(local + 7000),
            identity_id=person.identity,
            crops=3,
            gait=np.ones(8, np.float32),
            gait_quality=0.5,
        )
        person.tracks.append((camera, local, t))
    store.save_track(track, [body, face], appearance)
    return local


def save_vehicle(store: Store, camera: str, t: float, plate_t: float | None = None) -> int:
    local = next(_local_ids)
    track = TrackRecord(camera, "run-1", local, ObjectClass.VEHICLE, t, t + 5.0, 20)
    plate = PlateRecord(
        camera, plate_t or t, "AB12CDE", 0.9, 5, (1, 2, 40, 10), thumbnail=image(local)
    )
    store.save_track(track, [], plate=plate)
    return local


def save_event(store: Store, camera: str, t: float, local: int | None, clip: bool = True) -> None:
    clip_path = None
    if clip:
        relative = Path("media") / "clips" / camera / f"clip-{int(t)}-{local}.mp4"
        (store.data_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (store.data_dir / relative).write_bytes(b"\x00" * 1000)
        clip_path = relative.as_posix()
    store.save_event(
        Event(
            camera,
            t,
            "intrusion",
            "flowerbed",
            {"zone": "bed"},
            "run-1",
            local,
            thumbnail=image(int(t) % 1000),
            clip_path=clip_path,
        )
    )


def save_alert(
    store: Store, faces: FaceRecords, camera: str, t: float, local: int, entry: int
) -> int:
    return faces.save_alert(
        Alert(camera, t, "run-1", local, entry, "Jane", 0.2, 0.4, EMBEDDER, (5, 5, 20, 20),
              evidence=image(local + 3000))
    )  # fmt: skip


def enrol(faces: FaceRecords, vector: np.ndarray) -> int:
    photo = EnrolmentPhoto(image(4242), vector, EMBEDDER, 0.9)
    return faces.add_entry("Jane Doe", "missing", "order 1", "admin", NOW + 10 * DAY, [photo])


def track_id(store: Store, camera: str, local: int) -> int:
    with Session(store.engine) as session:
        found = session.scalar(
            select(TrackRow.id).where(TrackRow.camera_id == camera, TrackRow.local_id == local)
        )
    assert found is not None
    return int(found)


def sighting_ids(store: Store, camera: str, local: int) -> list[int]:
    tid = track_id(store, camera, local)
    with Session(store.engine) as session:
        return sorted(session.scalars(select(SightingRow.id).where(SightingRow.track_id == tid)))


def open_case(store: Store, ref: str = "2026-0001", status: str = "open") -> None:
    with Session(store.engine) as session, session.begin():
        session.add(
            CaseRow(
                ref=ref,
                title="t",
                description="d",
                status=status,
                created_by="admin",
                created_at=NOW,
                closed_at=None,
            )
        )


def face_index(store: Store) -> FaceSightingIndex:
    """The on-disk face index, built (synced) from the database now."""
    index = FaceSightingIndex(FaceRecords(store), EMBEDDER, store.data_dir)
    index.sync()
    return index


def index_ids_on_disk(store: Store) -> set[int]:
    """The ids the saved face index holds, read from its files, or from its table when it is
    kept in PostgreSQL (pgvector): what is stored, without a sync with the database."""
    from citywatch.vectors import open_index
    from citywatch.vectors.pgvector import PgVectorIndex, has_pgvector

    if store.engine.dialect.name == "postgresql" and has_pgvector(store.engine):
        return {int(i) for i in PgVectorIndex(store.engine, f"faces_{EMBEDDER}", DIM).ids()}
    directory = store.data_dir / "index" / f"faces-{EMBEDDER}"
    return {int(i) for i in open_index(directory).ids()}


def media_files(store: Store) -> set[str]:
    root = store.data_dir / "media"
    return {p.relative_to(store.data_dir).as_posix() for p in root.rglob("*") if p.is_file()}
