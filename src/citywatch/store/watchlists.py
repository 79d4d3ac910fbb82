"""Watchlists, alerts and face embeddings: the face side of the store.

Enrolment and alerts are committed at once (they are rare and must be durable); face
sightings arrive with tracks through the store's buffered writer. Embeddings live in the
database as float32 bytes; vector indexes are caches built from here.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from citywatch.core.errors import StoreError, UsageError
from citywatch.core.records import Alert
from citywatch.store.batch import ensure_cameras
from citywatch.store.convert import utc_day, vector_bytes, vector_from
from citywatch.store.engine import reason
from citywatch.store.media import ThumbnailWriter, encode_thumbnail
from citywatch.store.readmodels import AlertInfo, WatchlistEntryInfo
from citywatch.store.repository import Store
from citywatch.store.schema import AlertRow, SightingRow, WatchlistEntryRow, WatchlistPhotoRow

ALERTS_DIR = Path("media") / "alerts"
WATCHLIST_DIR = Path("media") / "watchlist"
PHOTO_SIZE = 1024  # enrolment photos are kept for review and re-embedding, not at full size
EVIDENCE_SIZE = 256


@dataclass(frozen=True)
class EnrolmentPhoto:
    image: np.ndarray  # BGR, as given (stored, downsized)
    embedding: np.ndarray
    embedder: str
    quality: float


@dataclass(frozen=True)
class StoredVector:
    """An embedding and what it belongs to: a watchlist entry's photo, or a face sighting."""

    id: int  # photo id or sighting id: the key in the vector index
    owner_id: int  # entry id for photos, track id (or 0) for sightings
    embedding: np.ndarray


class FaceRecords:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)
        self._alert_files = ThumbnailWriter(store.data_dir, ALERTS_DIR)
        self._photo_files = ThumbnailWriter(store.data_dir, WATCHLIST_DIR)

    # -- watchlist ---------------------------------------------------------------------------

    def add_entry(
        self,
        name: str,
        reason_text: str,
        legal_basis: str,
        enrolled_by: str,
        expires_at: float,
        photos: Sequence[EnrolmentPhoto],
    ) -> int:
        """Enrol a person with their photos in one transaction; returns the entry id."""
        if not name.strip() or not reason_text.strip() or not legal_basis.strip():
            raise UsageError("a watchlist entry needs a name, a reason and a legal basis")
        if not enrolled_by.strip():
            raise UsageError("a watchlist entry needs the user who enrols it")
        if expires_at <= time.time():
            raise UsageError("the expiry date must be in the future")
        if not photos:
            raise UsageError("a watchlist entry needs at least one photo with a usable face")
        now = time.time()
        written: list[str] = []
        try:
            with self._sessions.begin() as session:
                entry = WatchlistEntryRow(
                    name=name.strip(),
                    reason=reason_text.strip(),
                    legal_basis=legal_basis.strip(),
                    enrolled_by=enrolled_by.strip(),
                    created_at=now,
                    expires_at=float(expires_at),
                    removed_at=None,
                )
                session.add(entry)
                session.flush()
                for photo in photos:
                    path = self._write_photo(entry.id, photo.image, now)
                    written.append(path)
                    session.add(
                        WatchlistPhotoRow(
                            entry_id=entry.id,
                            path=path,
                            embedder=photo.embedder,
                            embedding=vector_bytes(photo.embedding),
                            quality=float(photo.quality),
                            created_at=now,
                        )
                    )
                return int(entry.id)
        except SQLAlchemyError as exc:
            for path in written:  # the rows are gone, so the files must go too
                self._photo_files.delete(path)
            raise StoreError(
                f"cannot enrol {name!r} in database {self.store.url}: {reason(exc)}"
            ) from exc

    def _write_photo(self, entry_id: int, image: np.ndarray, now: float) -> str:
        jpeg = encode_thumbnail(image, PHOTO_SIZE)
        path = self._photo_files.write(f"entry-{entry_id}", now, jpeg) if jpeg else None
        if path is None:
            folder = self.store.data_dir / WATCHLIST_DIR
            raise StoreError(f"cannot write the enrolment photo under {folder}")
        return path

    def entries(
        self, include_inactive: bool = False, now: float | None = None
    ) -> list[WatchlistEntryInfo]:
        now = time.time() if now is None else now
        query = select(WatchlistEntryRow).order_by(WatchlistEntryRow.id)
        if not include_inactive:
            query = query.where(
                WatchlistEntryRow.removed_at.is_(None), WatchlistEntryRow.expires_at > now
            )
        with self._sessions() as session:
            rows = list(session.scalars(query))
            counts: dict[int, int] = {}
            for entry_id in session.scalars(select(WatchlistPhotoRow.entry_id)):
                counts[entry_id] = counts.get(entry_id, 0) + 1
        return [
            WatchlistEntryInfo(
                id=r.id,
                name=r.name,
                reason=r.reason,
                legal_basis=r.legal_basis,
                enrolled_by=r.enrolled_by,
                created_at=r.created_at,
                expires_at=r.expires_at,
                removed_at=r.removed_at,
                photos=counts.get(r.id, 0),
            )
            for r in rows
        ]

    def remove_entry(self, entry_id: int) -> bool:
        """Take an entry off the watchlist (kept for the record; it no longer matches)."""
        with self._sessions.begin() as session:
            result = session.execute(
                update(WatchlistEntryRow)
                .where(WatchlistEntryRow.id == entry_id, WatchlistEntryRow.removed_at.is_(None))
                .values(removed_at=time.time())
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def watchlist_vectors(self, embedder: str, now: float | None = None) -> list[StoredVector]:
        """Embeddings of the photos of entries active at `now` (not removed, not expired)."""
        now = time.time() if now is None else now
        query = (
            select(WatchlistPhotoRow.id, WatchlistPhotoRow.entry_id, WatchlistPhotoRow.embedding)
            .join(WatchlistEntryRow, WatchlistEntryRow.id == WatchlistPhotoRow.entry_id)
            .where(
                WatchlistPhotoRow.embedder == embedder,
                WatchlistEntryRow.removed_at.is_(None),
                WatchlistEntryRow.expires_at > now,
            )
        )
        with self._sessions() as session:
            return [StoredVector(i, e, vector_from(v)) for i, e, v in session.execute(query)]

    # -- alerts ------------------------------------------------------------------------------

    def save_alert(self, alert: Alert) -> int:
        """Store an alert now, with its evidence crop; returns the alert id."""
        self.store.flush()  # the camera row and the alert's track context come first
        evidence = None
        if alert.evidence is not None:
            jpeg = encode_thumbnail(alert.evidence, EVIDENCE_SIZE)
            evidence = self._alert_files.write(alert.camera_id, alert.time, jpeg) if jpeg else None
        x, y, w, h = (float(v) for v in alert.face_box)
        row = AlertRow(
            camera_id=alert.camera_id,
            time=float(alert.time),
            run_id=alert.run_id,
            track_local_id=int(alert.track_local_id),
            entry_id=int(alert.entry_id),
            distance=float(alert.distance),
            threshold=float(alert.threshold),
            embedder=alert.embedder,
            box_x=x,
            box_y=y,
            box_w=w,
            box_h=h,
            evidence_path=evidence,
            review="pending",
            day=utc_day(float(alert.time)),
        )
        try:
            with self._sessions.begin() as session:
                # Alerts are rare: check the camera row each time (a placeholder if unknown).
                ensure_cameras(session, {alert.camera_id}, set())
                session.add(row)
                session.flush()
                return int(row.id)
        except SQLAlchemyError as exc:
            if evidence:
                self._alert_files.delete(evidence)
            raise StoreError(
                f"cannot store alert in database {self.store.url}: {reason(exc)}"
            ) from exc

    def alerts(
        self,
        camera_id: str | None = None,
        entry_id: int | None = None,
        since: float | None = None,
        limit: int = 100,
    ) -> list[AlertInfo]:
        query = select(AlertRow, WatchlistEntryRow.name).join(
            WatchlistEntryRow, WatchlistEntryRow.id == AlertRow.entry_id
        )
        if camera_id is not None:
            query = query.where(AlertRow.camera_id == camera_id)
        if entry_id is not None:
            query = query.where(AlertRow.entry_id == entry_id)
        if since is not None:
            query = query.where(AlertRow.time >= since)
        query = query.order_by(AlertRow.time.desc(), AlertRow.id.desc()).limit(limit)
        with self._sessions() as session:
            return [
                AlertInfo(
                    id=a.id,
                    camera_id=a.camera_id,
                    time=a.time,
                    run_id=a.run_id,
                    track_local_id=a.track_local_id,
                    entry_id=a.entry_id,
                    entry_name=name,
                    distance=a.distance,
                    threshold=a.threshold,
                    embedder=a.embedder,
                    face_box=(a.box_x, a.box_y, a.box_w, a.box_h),
                    evidence_path=a.evidence_path,
                    review=a.review,
                    day=a.day,
                )
                for a, name in session.execute(query)
            ]

    # -- face sightings ----------------------------------------------------------------------

    def face_vectors(
        self, embedder: str, after_id: int = 0, limit: int = 50_000
    ) -> list[StoredVector]:
        """Face-sighting embeddings with ids above `after_id`, oldest first (index sync)."""
        self.store.flush()
        query = (
            select(SightingRow.id, SightingRow.track_id, SightingRow.embedding)
            .where(
                SightingRow.embedder == embedder,
                SightingRow.embedding.is_not(None),
                SightingRow.id > after_id,
            )
            .order_by(SightingRow.id)
            .limit(limit)
        )
        with self._sessions() as session:
            return [
                StoredVector(i, t or 0, vector_from(v)) for i, t, v in session.execute(query) if v
            ]

    def face_sighting_ids(self, embedder: str) -> set[int]:
        """Ids of the face sightings that exist now (to drop deleted ones from an index)."""
        query = select(SightingRow.id).where(
            SightingRow.embedder == embedder, SightingRow.embedding.is_not(None)
        )
        with self._sessions() as session:
            return set(session.scalars(query))


def expiry_from_date(text: str) -> float:
    """'2027-01-31' (end of that day, UTC) or an ISO date-time -> Unix seconds."""
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            moment = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC)
        else:
            moment = dt.datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
    except ValueError:
        raise UsageError(f"--expires: {text!r} is not a date (YYYY-MM-DD)") from None
    return moment.timestamp()
