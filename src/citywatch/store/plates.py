"""Licence plates in the store: voted reads per vehicle track, the hotlist, plate alerts.

Reads arrive with their tracks through the store's buffered writer; hotlist changes and
alerts are committed at once (rare, and they must be durable). Searches compare `text_key`,
the plate with look-alike characters folded (letter O and digit 0, I and 1: plates and OCR
confuse them), with SQL LIKE, so a prefix pattern uses the index.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from citywatch.core.errors import StoreError, UsageError
from citywatch.core.records import PlateRecord
from citywatch.plates.patterns import plate_matches
from citywatch.store.batch import ensure_cameras
from citywatch.store.convert import utc_day
from citywatch.store.engine import reason as failure
from citywatch.store.media import ThumbnailWriter, encode_thumbnail
from citywatch.store.repository import Store
from citywatch.store.schema import PlateAlertRow, PlateHotlistRow, PlateReadRow

PLATE_ALERTS_DIR = Path("media") / "plate_alerts"
_FOLD = str.maketrans({"O": "0", "I": "1"})
_PATTERN = re.compile(r"^[A-Z0-9*?]{1,16}$")


def plate_key(text: str) -> str:
    """Upper case, letters and digits only, O and I folded into 0 and 1."""
    return re.sub(r"[^A-Z0-9]", "", text.upper()).translate(_FOLD)


def pattern_key(pattern: str) -> str:
    """A search pattern (`*` any run, `?` one character) folded like `plate_key`.

    Raises UsageError naming the pattern when it holds anything but letters, digits,
    spaces, dashes and the two wildcards.
    """
    cleaned = re.sub(r"[\s\-.]", "", pattern.upper())
    if not _PATTERN.match(cleaned):
        raise UsageError(
            f"plate pattern {pattern!r}: use letters, digits, * (any run) and ? (one character)"
        )
    return cleaned.translate(_FOLD)


def _like(key: str) -> str:
    return key.replace("*", "%").replace("?", "_")


@dataclass(frozen=True, slots=True)
class PlateReadInfo:
    id: int
    track_id: int
    camera_id: str
    time: float
    text: str
    confidence: float
    votes: int
    box: tuple[float, float, float, float]
    vehicle_type: str | None
    vehicle_colour: str | None
    thumbnail_path: str | None


@dataclass(frozen=True, slots=True)
class HotlistEntry:
    id: int
    pattern: str
    reason: str
    legal_basis: str
    added_by: str
    created_at: float
    expires_at: float
    removed_at: float | None

    def active(self, now: float) -> bool:
        return self.removed_at is None and self.expires_at > now

    def matches(self, text: str) -> bool:
        return plate_matches(text, self.pattern)


@dataclass(frozen=True, slots=True)
class PlateAlertInfo:
    id: int
    camera_id: str
    time: float
    track_local_id: int
    hotlist_id: int
    plate: str
    confidence: float
    evidence_path: str | None
    review: str


class PlateRecords:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)
        self._evidence = ThumbnailWriter(store.data_dir, PLATE_ALERTS_DIR)

    # -- hotlist --------------------------------------------------------------------------

    def add_hotlist(
        self, pattern: str, reason: str, legal_basis: str, added_by: str, expires_at: float
    ) -> int:
        key = pattern_key(pattern)
        for what, value in (("reason", reason), ("legal basis", legal_basis), ("by", added_by)):
            if not value.strip():
                raise UsageError(f"plate hotlist: {what} must not be empty")
        now = time.time()
        if expires_at <= now:
            raise UsageError("plate hotlist: the expiry is in the past")
        row = PlateHotlistRow(
            pattern=key,
            reason=reason,
            legal_basis=legal_basis,
            added_by=added_by,
            created_at=now,
            expires_at=expires_at,
        )
        try:
            with self._sessions.begin() as session:
                session.add(row)
                session.flush()
                return int(row.id)
        except SQLAlchemyError as exc:
            message = f"cannot add plate {pattern!r} to the hotlist: {failure(exc)}"
            raise StoreError(message) from exc

    def hotlist(self, include_inactive: bool = False) -> list[HotlistEntry]:
        now = time.time()
        with self._sessions() as session:
            rows = session.scalars(select(PlateHotlistRow).order_by(PlateHotlistRow.id)).all()
        entries = [_entry(r) for r in rows]
        return entries if include_inactive else [e for e in entries if e.active(now)]

    def remove_hotlist(self, entry_id: int) -> bool:
        with self._sessions.begin() as session:
            done = session.execute(
                update(PlateHotlistRow)
                .where(PlateHotlistRow.id == entry_id, PlateHotlistRow.removed_at.is_(None))
                .values(removed_at=time.time())
            )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    # -- alerts ---------------------------------------------------------------------------

    def save_alert(
        self,
        plate: PlateRecord,
        entry: HotlistEntry,
        run_id: str,
        track_local_id: int,
    ) -> int:
        evidence = None
        if plate.thumbnail is not None:
            jpeg = encode_thumbnail(plate.thumbnail, 320)
            if jpeg is not None:
                evidence = self._evidence.write(plate.camera_id, plate.time, jpeg)
        row = PlateAlertRow(
            camera_id=plate.camera_id,
            time=plate.time,
            run_id=run_id,
            track_local_id=track_local_id,
            hotlist_id=entry.id,
            plate=plate.text,
            confidence=plate.confidence,
            evidence_path=evidence,
            review="pending",
            day=utc_day(plate.time),
        )
        try:
            with self._sessions.begin() as session:
                ensure_cameras(session, {plate.camera_id}, set())
                session.add(row)
                session.flush()
                return int(row.id)
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot save the plate alert for {plate.text}: {failure(exc)}"
            ) from exc

    def alerts(self, limit: int = 100) -> list[PlateAlertInfo]:
        query = select(PlateAlertRow).order_by(PlateAlertRow.time.desc()).limit(limit)
        with self._sessions() as session:
            return [
                PlateAlertInfo(
                    r.id,
                    r.camera_id,
                    r.time,
                    r.track_local_id,
                    r.hotlist_id,
                    r.plate,
                    r.confidence,
                    r.evidence_path,
                    r.review,
                )
                for r in session.scalars(query)
            ]

    # -- search ---------------------------------------------------------------------------

    def search(
        self,
        pattern: str,
        camera_id: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[PlateReadInfo]:
        """Plates read that match `pattern` (wildcards, look-alikes folded), newest first."""
        key = pattern_key(pattern)
        query = select(PlateReadRow).where(PlateReadRow.text_key.like(_like(key)))
        if camera_id is not None:
            query = query.where(PlateReadRow.camera_id == camera_id)
        if since is not None:
            query = query.where(PlateReadRow.time >= since)
        if until is not None:
            query = query.where(PlateReadRow.time < until)
        query = query.order_by(PlateReadRow.time.desc(), PlateReadRow.id.desc())
        query = query.limit(limit).offset(offset)
        self.store.flush()
        with self._sessions() as session:
            return [_read_info(r) for r in session.scalars(query)]

    def read(self, read_id: int) -> PlateReadInfo | None:
        """One plate read by its id (None when there is none)."""
        self.store.flush()
        with self._sessions() as session:
            row = session.get(PlateReadRow, read_id)
            return None if row is None else _read_info(row)


def _entry(row: PlateHotlistRow) -> HotlistEntry:
    return HotlistEntry(
        row.id,
        row.pattern,
        row.reason,
        row.legal_basis,
        row.added_by,
        row.created_at,
        row.expires_at,
        row.removed_at,
    )


def _read_info(row: PlateReadRow) -> PlateReadInfo:
    return PlateReadInfo(
        id=row.id,
        track_id=row.track_id,
        camera_id=row.camera_id,
        time=row.time,
        text=row.text,
        confidence=row.confidence,
        votes=row.votes,
        box=(row.box_x, row.box_y, row.box_w, row.box_h),
        vehicle_type=row.vehicle_type,
        vehicle_colour=row.vehicle_colour,
        thumbnail_path=row.thumbnail_path,
    )
