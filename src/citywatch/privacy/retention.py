"""Retention: delete what is older than its camera's retention, keep what a case holds.

    report = purge(store, config)            # or purge(..., dry_run=True) to only count

Each kind of record (config/retention.py) has a cutoff per camera; rows older than it go in
batches of `batch_size`, each batch its own short transaction, so the pipeline's writer waits
for one batch at most. Files (thumbnails, clips, evidence crops) are removed after the batch
that dropped their rows is committed; face vectors leave the on-disk face index right after.

What a hold keeps (store/holds.py names the kinds):
- identity: every track of that person (their appearances), those tracks' sightings;
- track: the track, its sightings, its appearance and plate read;
- sighting, event, plate_read: that row and its files (a plate read also keeps its track,
  which the database would otherwise delete with it);
- face_alert / plate_alert: the alert, its evidence, and the track it was raised on (with that
  track's sightings or plate read).

On PostgreSQL, sightings are partitioned by day: a day past every camera's cutoff with nothing
held in it is dropped whole first (privacy/retention_days.py); the rest goes row by row.

Order matters for the foreign keys: appearances and plate reads are deleted with their track
(ON DELETE CASCADE), so a track still needed by a plate read within its retention is kept;
sightings lose their track id (SET NULL) and follow their own retention. Identities go when
no appearance is left. Reviews of alerts stay (decisions are kept for the record); the audit
log is never purged here.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session, sessionmaker

from citywatch.config.retention import DATA_TYPES, CameraRetention, RetentionConfig
from citywatch.config.root import CitywatchConfig
from citywatch.privacy.media_files import FileTally, remove_files
from citywatch.privacy.retention_days import drop_expired_days
from citywatch.store.chunks import count_in, delete_in, rows_in, select_in, select_in_keys
from citywatch.store.holds import active_holds
from citywatch.store.repository import Store
from citywatch.store.schema import (
    AlertRow,
    CameraRow,
    EventRow,
    IdentityRow,
    PlateAlertRow,
    PlateReadRow,
    SightingRow,
    TrackAppearanceRow,
    TrackRow,
)

log = logging.getLogger("citywatch.privacy")

DAY_S = 86_400.0
# Tables in the order they are purged, each under the retention kind that governs it.
TABLES = ("events", "face_alerts", "plate_alerts", "sightings", "plate_reads", "tracks")
KIND_OF = {
    "events": "events",
    "face_alerts": "alerts",
    "plate_alerts": "alerts",
    "sightings": "sightings",
    "plate_reads": "plate_reads",
    "tracks": "tracks",
}


@dataclass
class TableCounts:
    deleted: int = 0
    held: int = 0  # past the cutoff but kept by a case hold


@dataclass
class PurgeReport:
    dry_run: bool
    started_at: float
    duration_s: float = 0.0
    tables: dict[str, TableCounts] = field(
        default_factory=lambda: {name: TableCounts() for name in TABLES}
    )
    appearances_deleted: int = 0  # re-ID embeddings, deleted with their tracks
    identities_deleted: int = 0
    face_vectors_deleted: int = 0  # face sightings that carried an embedding
    files: FileTally = field(default_factory=FileTally)
    cameras: dict[str, dict[str, Any]] = field(default_factory=dict)
    partitions_dropped: list[str] = field(default_factory=list)  # days of sightings, whole

    @property
    def deleted(self) -> int:
        return sum(c.deleted for c in self.tables.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 3),
            "deleted": {name: c.deleted for name, c in self.tables.items()}
            | {"appearances": self.appearances_deleted, "identities": self.identities_deleted},
            "held": {name: c.held for name, c in self.tables.items()},
            "face_vectors_deleted": self.face_vectors_deleted,
            "sighting_days_dropped": self.partitions_dropped,
            "files_removed": self.files.files,
            "bytes_freed": self.files.bytes,
            "files_missing": self.files.missing,
            "files_failed": self.files.failed,
            "cameras": self.cameras,
            "audit_log": "never purged by retention",
        }

    def summary(self) -> str:
        parts = [f"{name} {c.deleted}" for name, c in self.tables.items() if c.deleted]
        held = sum(c.held for c in self.tables.values())
        verb = "would delete" if self.dry_run else "deleted"
        return (
            f"retention {verb}: {', '.join(parts) or 'nothing'}; "
            f"{self.files.files} files ({self.files.bytes} bytes); {held} held rows kept"
        )


@dataclass(frozen=True)
class Held:
    """Ids kept by active holds, with what each hold pulls along (see the module doc)."""

    tracks: frozenset[int]
    sightings: frozenset[int]
    events: frozenset[int]
    face_alerts: frozenset[int]
    plate_alerts: frozenset[int]
    plate_reads: frozenset[int]
    identities: frozenset[str]

    def ids(self, table: str) -> frozenset[int]:
        found: frozenset[int] = getattr(self, table)
        return found


def held_records(session: Session) -> Held:
    holds = active_holds(session)

    def ints(kind: str) -> set[int]:
        return {int(i) for i in holds.get(kind, ()) if i.lstrip("-").isdigit()}

    identities = set(holds.get("identity", ()))
    tracks = ints("track")
    tracks |= select_in(
        session, TrackAppearanceRow.track_id, TrackAppearanceRow.identity_id, identities
    )
    plate_reads = ints("plate_read")
    tracks |= select_in(session, PlateReadRow.track_id, PlateReadRow.id, plate_reads)
    face_alerts, plate_alerts = ints("face_alert"), ints("plate_alert")
    for table, ids in ((AlertRow, face_alerts), (PlateAlertRow, plate_alerts)):
        keys = _alert_track_keys(session, table, ids)
        tracks |= _tracks_by_key(session, keys)
    plate_reads |= select_in(session, PlateReadRow.id, PlateReadRow.track_id, tracks)
    sightings = ints("sighting") | select_in(session, SightingRow.id, SightingRow.track_id, tracks)
    return Held(
        tracks=frozenset(tracks),
        sightings=frozenset(sightings),
        events=frozenset(ints("event")),
        face_alerts=frozenset(face_alerts),
        plate_alerts=frozenset(plate_alerts),
        plate_reads=frozenset(plate_reads),
        identities=frozenset(identities),
    )


def _alert_track_keys(session: Session, table: Any, ids: set[int]) -> set[tuple[str, str, int]]:
    columns = (table.camera_id, table.run_id, table.track_local_id)
    return {(c, r, int(t)) for c, r, t in rows_in(session, columns, table.id, list(ids))}


def _tracks_by_key(session: Session, keys: set[tuple[str, str, int]]) -> set[int]:
    columns = (TrackRow.camera_id, TrackRow.run_id, TrackRow.local_id)
    return select_in_keys(session, TrackRow.id, columns, keys)


@dataclass(frozen=True)
class _Spec:
    table: Any
    time: Any  # the column compared with the cutoff
    files: tuple[str, ...]  # columns holding paths relative to the data directory


_SPECS = {
    "events": _Spec(EventRow, EventRow.time, ("thumbnail_path", "clip_path")),
    "face_alerts": _Spec(AlertRow, AlertRow.time, ("evidence_path",)),
    "plate_alerts": _Spec(PlateAlertRow, PlateAlertRow.time, ("evidence_path",)),
    "sightings": _Spec(SightingRow, SightingRow.first_seen, ("thumbnail_path",)),
    "plate_reads": _Spec(PlateReadRow, PlateReadRow.time, ("thumbnail_path",)),
    "tracks": _Spec(TrackRow, TrackRow.started_at, ()),
}


class Purger:
    """One purge over a store; `run()` returns its report. Build one per purge."""

    def __init__(
        self,
        store: Store,
        retention: RetentionConfig,
        camera_retention: dict[str, CameraRetention] | None = None,
        *,
        now: float | None = None,
        dry_run: bool = False,
        batch_size: int | None = None,
    ) -> None:
        self.store = store
        self.retention = retention
        self.camera_retention = camera_retention or {}
        self.now = time.time() if now is None else float(now)
        self.dry_run = dry_run
        self.batch_size = batch_size or retention.batch_size
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)
        self.report = PurgeReport(dry_run=dry_run, started_at=time.time())
        self._embedders: set[str] = set()
        self._doomed_tracks: set[int] = set()  # dry run: what the identity count works from

    def cutoff(self, kind: str, camera_id: str) -> float | None:
        days = self.retention.days_for(kind, self.camera_retention.get(camera_id))
        return None if days is None else self.now - days * DAY_S

    def run(self) -> PurgeReport:
        started = time.monotonic()
        self.store.flush()  # rows still buffered by this process are in the database first
        with self._sessions() as session:
            cameras = list(session.scalars(select(CameraRow.id).order_by(CameraRow.id)))
        for camera_id in cameras:
            self.report.cameras[camera_id] = {
                kind: self.retention.days_for(kind, self.camera_retention.get(camera_id))
                for kind in DATA_TYPES
            }
        for name in TABLES:
            # Holds are read again before each table, so one placed during a long purge counts.
            with self._sessions() as session:
                held = held_records(session)
            if name == "sightings":  # PostgreSQL: whole days first, then what is left by row
                drop_expired_days(self, cameras, held)
            for camera_id in cameras:
                cutoff = self.cutoff(KIND_OF[name], camera_id)
                if cutoff is not None:
                    self._purge_table(name, camera_id, cutoff, held)
        self._purge_identities()
        if not self.dry_run:
            self._sync_face_indexes()
        self.report.duration_s = time.monotonic() - started
        log.info("%s", self.report.summary())
        return self.report

    def note_embedder(self, embedder: str | None) -> None:
        """Face vectors of `embedder` were deleted: its index is synced at the end."""
        if embedder is not None:
            self._embedders.add(embedder)

    def _purge_table(self, name: str, camera_id: str, cutoff: float, held: Held) -> None:
        spec = _SPECS[name]
        table = spec.table
        held_ids = held.ids(name)
        conditions: list[ColumnElement[bool]] = [table.camera_id == camera_id, spec.time < cutoff]
        if name == "tracks":
            conditions.append(self._no_plate_read_kept(camera_id))
        columns = [table.id, *(getattr(table, c) for c in spec.files)]
        if name == "sightings":
            if self.report.partitions_dropped:  # (a dry run's are still there: not twice)
                dropped = [dt.date.fromisoformat(d) for d in self.report.partitions_dropped]
                conditions.append(SightingRow.day.not_in(dropped))
            columns.append(SightingRow.embedder)
            columns.append(SightingRow.embedding.is_not(None))
        counts = self.report.tables[name]
        last_id = 0
        while True:
            with self._sessions.begin() as session:
                rows = session.execute(
                    select(*columns)
                    .where(*conditions, table.id > last_id)
                    .order_by(table.id)
                    .limit(self.batch_size)
                ).all()
                if not rows:
                    return
                last_id = int(rows[-1][0])
                doomed = [row for row in rows if int(row[0]) not in held_ids]
                counts.held += len(rows) - len(doomed)
                ids = [int(row[0]) for row in doomed]
                if name == "tracks" and ids:
                    self.report.appearances_deleted += count_in(
                        session, TrackAppearanceRow, TrackAppearanceRow.track_id, ids
                    )
                if name == "sightings":
                    for row in doomed:
                        if row[-1]:
                            self.report.face_vectors_deleted += 1
                            self.note_embedder(row[-2])
                if ids and self.dry_run and name == "tracks":
                    self._doomed_tracks.update(ids)
                if ids and not self.dry_run:
                    delete_in(session, table, table.id, ids)
                counts.deleted += len(ids)
            # After the commit: a failed batch leaves its files in place with their rows.
            paths = [row[1 + i] for row in doomed for i in range(len(spec.files))]
            self.report.files.add(remove_files(self.store.data_dir, paths, self.dry_run))
            self.report.cameras[camera_id].setdefault("deleted", {}).setdefault(name, 0)
            self.report.cameras[camera_id]["deleted"][name] += len(ids)

    def _no_plate_read_kept(self, camera_id: str) -> ColumnElement[bool]:
        """Tracks whose plate read (deleted with them) has not reached its own cutoff stay."""
        cutoff = self.cutoff("plate_reads", camera_id)
        reads = select(PlateReadRow.id).where(PlateReadRow.track_id == TrackRow.id)
        if cutoff is not None:
            reads = reads.where(PlateReadRow.time >= cutoff)
        return ~exists(reads)

    def _purge_identities(self) -> None:
        """Identities left without any appearance (their tracks are gone), unless held.

        Only ones last seen before the site's track cutoff: a person the pipeline is
        associating right now keeps their identity row."""
        days = self.retention.tracks
        known = [d for d in (c.tracks for c in self.camera_retention.values()) if d is not None]
        if days is None and not known:
            return
        cutoff = self.now - min([d for d in (days, *known) if d is not None]) * DAY_S
        if self.dry_run:
            self.report.identities_deleted = self._identities_left_without_tracks(cutoff)
            return
        orphan = ~exists(
            select(TrackAppearanceRow.id).where(TrackAppearanceRow.identity_id == IdentityRow.id)
        )
        while True:
            with self._sessions.begin() as session:
                held = held_records(session).identities
                query = select(IdentityRow.id).where(orphan, IdentityRow.last_seen < cutoff)
                ids = [i for i in session.scalars(query.limit(self.batch_size)) if i not in held]
                if not ids:
                    return
                delete_in(session, IdentityRow, IdentityRow.id, ids, orphan)
                self.report.identities_deleted += len(ids)
                if len(ids) < self.batch_size:
                    return

    def _identities_left_without_tracks(self, cutoff: float) -> int:
        """Dry run: identities all of whose tracks the purge would delete."""
        with self._sessions() as session:
            held = held_records(session).identities
            query = (
                select(IdentityRow.id, TrackAppearanceRow.track_id)
                .outerjoin(TrackAppearanceRow, TrackAppearanceRow.identity_id == IdentityRow.id)
                .where(IdentityRow.last_seen < cutoff)
            )
            left: dict[str, bool] = {}
            for identity, track in session.execute(query):
                gone = track is None or int(track) in self._doomed_tracks
                left[identity] = left.get(identity, True) and gone
        return sum(1 for identity, gone in left.items() if gone and identity not in held)

    def _sync_face_indexes(self) -> None:
        if self._embedders:
            drop_face_vectors(self.store, self._embedders)


def drop_face_vectors(store: Store, embedders: Iterable[str]) -> None:
    """Bring the face indexes of these embedders in step with the database: vectors of
    deleted sightings leave them (a running API's in-memory copy drops them at its next
    sync). Only indexes that exist are touched; none is built here."""
    from citywatch.search.face_index import FaceSightingIndex
    from citywatch.store.watchlists import FaceRecords

    records = FaceRecords(store)
    for embedder in sorted(set(embedders)):
        index = FaceSightingIndex(records, embedder, store.data_dir)
        if index.directory.exists() or index.in_database():
            index.sync()


def purge(
    store: Store,
    config: CitywatchConfig,
    *,
    dry_run: bool = False,
    now: float | None = None,
    batch_size: int | None = None,
) -> PurgeReport:
    """Purge `store` by the configuration's retention and its cameras' overrides."""
    cameras = {camera.id: camera.retention for camera in config.cameras}
    purger = Purger(
        store, config.retention, cameras, now=now, dry_run=dry_run, batch_size=batch_size
    )
    return purger.run()
