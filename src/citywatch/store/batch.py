"""Buffered records and the SQL that writes a batch of them in one session.

A record waits in the buffer as a `PendingTrack` or `PendingEvent`: the pipeline's record, its
thumbnail as encoded JPEG bytes (then, once written, as a path) and, for events, the values
already made JSON-ready.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.orm import Session

from citywatch.core.records import Event, PlateRecord, Sighting, TrackAppearance, TrackRecord
from citywatch.store import convert
from citywatch.store.convert import utc_day
from citywatch.store.identities import add_appearances
from citywatch.store.schema import CameraRow, EventRow, PlateReadRow, SightingRow, TrackRow

log = logging.getLogger(__name__)

# Keeps each "IN (...)" well under SQLite's limit of bound parameters per statement.
_LOOKUP_CHUNK = 500

TrackKey = tuple[str, str, int]


@dataclass
class Thumb:
    camera_id: str
    time: float  # decides the day folder: the same day as the row's `day`
    jpeg: bytes | None
    path: str | None = None  # relative to the data directory, once written


@dataclass
class PendingSighting:
    sighting: Sighting
    thumb: Thumb | None


@dataclass
class PendingTrack:
    track: TrackRecord
    sightings: list[PendingSighting]
    appearance: TrackAppearance | None = None
    plate: PlateRecord | None = None
    plate_thumb: Thumb | None = None

    @property
    def rows(self) -> int:
        return 1 + len(self.sightings) + (self.appearance is not None) + (self.plate is not None)

    @property
    def thumbs(self) -> list[Thumb]:
        found = [s.thumb for s in self.sightings if s.thumb is not None]
        return found + ([self.plate_thumb] if self.plate_thumb is not None else [])

    @property
    def camera_ids(self) -> set[str]:
        return {self.track.camera_id} | {s.sighting.camera_id for s in self.sightings}

    def describe(self) -> str:
        t = self.track
        return f"track {t.camera_id}/{t.run_id}/{t.local_id} with {len(self.sightings)} sightings"


@dataclass
class PendingEvent:
    event: Event
    values: dict[str, Any]
    thumb: Thumb | None

    @property
    def rows(self) -> int:
        return 1

    @property
    def thumbs(self) -> list[Thumb]:
        return [self.thumb] if self.thumb is not None else []

    @property
    def camera_ids(self) -> set[str]:
        return {self.event.camera_id}

    def describe(self) -> str:
        e = self.event
        return f"event {e.type}/{e.rule} on {e.camera_id} at {e.time:.3f}"


Pending = PendingTrack | PendingEvent


def thumbnail_paths(items: Iterable[Pending]) -> list[str]:
    return [t.path for item in items for t in item.thumbs if t.path]


def sighting_days(batch: Iterable[Pending]) -> set[dt.date]:
    """The days (partitions, on PostgreSQL) the sightings of `batch` go to."""
    return {
        utc_day(float(pending.sighting.first_seen))
        for item in batch
        if isinstance(item, PendingTrack)
        for pending in item.sightings
    }


def write_batch(session: Session, batch: list[Pending], known_cameras: set[str]) -> list[str]:
    """Write `batch` in `session` (the caller commits). Returns the thumbnails of rows this
    batch replaced, to delete once the commit succeeded. Adds the cameras it made sure of to
    `known_cameras`.

    Bulk statements (one executemany a table) rather than ORM objects: a batch is written on
    an analysis thread, and the unit of work would triple its cost.
    """
    ensure_cameras(session, set().union(*(i.camera_ids for i in batch)), known_cameras)
    replaced = add_tracks(session, [i for i in batch if isinstance(i, PendingTrack)])
    events = [
        convert.event_values(i.event, i.values, i.thumb.path if i.thumb else None)
        for i in batch
        if isinstance(i, PendingEvent)
    ]
    if events:
        session.execute(insert(EventRow), events)
    return replaced


def ensure_cameras(session: Session, wanted: set[str], known: set[str]) -> None:
    """Give every camera a row, so the foreign keys hold even for records from a camera nobody
    registered with `upsert_camera` (a placeholder row, with a warning)."""
    unknown = wanted - known
    if not unknown:
        return
    existing = set(session.scalars(select(CameraRow.id).where(CameraRow.id.in_(unknown))))
    now = time.time()
    missing = sorted(unknown - existing)
    for camera_id in missing:
        log.warning("camera %r is not registered in the store; adding a placeholder", camera_id)
    if missing:
        placeholder = {"source": "", "fps": 0.0, "created_at": now, "updated_at": now}
        session.execute(insert(CameraRow), [{"id": c, "name": c, **placeholder} for c in missing])
    known |= unknown


def add_tracks(session: Session, items: list[PendingTrack]) -> list[str]:
    """Insert tracks and their sightings; a track saved before (same camera, run and local id)
    is updated in place and its old sightings replaced, so a retried save never duplicates."""
    if not items:
        return []
    replaced: list[str] = []
    latest: dict[TrackKey, PendingTrack] = {}
    for item in items:
        key = convert.track_key(item.track)
        if key in latest:  # saved twice within one batch: the later save wins
            replaced += thumbnail_paths([latest[key]])
        latest[key] = item

    existing = _existing_track_ids(session, list(latest))
    if existing:
        old_sightings = SightingRow.track_id.in_(list(existing.values()))
        replaced += [
            path
            for path in session.scalars(select(SightingRow.thumbnail_path).where(old_sightings))
            if path
        ]
        session.execute(delete(SightingRow).where(old_sightings))
        session.execute(
            update(TrackRow),
            [{"id": existing[k], **convert.track_values(latest[k].track)} for k in existing],
        )

    new = [k for k in latest if k not in existing]
    if new:
        # RETURNING in parameter order gives each new track its id for its sightings.
        ids = session.scalars(
            insert(TrackRow).returning(TrackRow.id, sort_by_parameter_order=True),
            [convert.track_values(latest[k].track) for k in new],
        ).all()
        existing.update(zip(new, ids, strict=True))

    sightings = [
        convert.sighting_values(s.sighting, existing[key], s.thumb.path if s.thumb else None)
        for key, item in latest.items()
        for s in item.sightings
    ]
    if sightings:
        session.execute(insert(SightingRow), sightings)
    add_appearances(
        session,
        [(existing[key], item.track, item.appearance) for key, item in latest.items()],
    )
    replaced += add_plates(session, [(existing[key], item) for key, item in latest.items()])
    return replaced


def _existing_track_ids(session: Session, keys: list[TrackKey]) -> dict[TrackKey, int]:
    found: dict[TrackKey, int] = {}
    columns = tuple_(TrackRow.camera_id, TrackRow.run_id, TrackRow.local_id)
    for start in range(0, len(keys), _LOOKUP_CHUNK):
        chunk = keys[start : start + _LOOKUP_CHUNK]
        query = select(TrackRow.id, *columns.clauses).where(columns.in_(chunk))
        for track_id, camera_id, run_id, local_id in session.execute(query):
            found[(camera_id, run_id, local_id)] = track_id
    return found


def add_plates(session: Session, items: list[tuple[int, PendingTrack]]) -> list[str]:
    """Replace the plate reads of these tracks; returns the thumbnails of replaced reads."""
    track_ids = [track_id for track_id, _ in items]
    replaced: list[str] = []
    for start in range(0, len(track_ids), _LOOKUP_CHUNK):
        chunk = PlateReadRow.track_id.in_(track_ids[start : start + _LOOKUP_CHUNK])
        replaced += [
            p for p in session.scalars(select(PlateReadRow.thumbnail_path).where(chunk)) if p
        ]
        session.execute(delete(PlateReadRow).where(chunk))
    rows = [
        convert.plate_values(
            item.plate, track_id, item.plate_thumb.path if item.plate_thumb else None
        )
        for track_id, item in items
        if item.plate is not None
    ]
    if rows:
        session.execute(insert(PlateReadRow), rows)
    return replaced
