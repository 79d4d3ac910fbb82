"""Erasure of one person's data on request (GDPR Art. 17), with a report of what went.

    result = erase(store, ErasureRequest(requested_by="dpo", legal_basis="Art. 17 request 12",
                                         identity_id="ab12...", sighting_ids=(4, 9)))

The person is named by any mix of: a re-ID identity (all its tracks), face sightings an
operator picked from a face search (and the tracks they belong to), a watchlist entry. What
goes: the identity, its tracks with their paths, appearances (re-ID embeddings, attributes,
gait) and plate reads, all sightings of those tracks with their thumbnails and face vectors,
events and face alerts raised on those tracks with their files, and the watchlist entry with
its photos and every alert on it, and the reviews of the alerts that go.

Records under an active case hold stay unless `override_holds` gives a reason; they are listed
as kept. An identity still named by a kept track stays too; identities of erased tracks that
still have other tracks are listed as `linked_identities` (re-ID may have joined this person to
someone else, so they are not erased without being asked for). The rows go in one transaction
with the `erasures` row that records the request; the files and the face index follow, and the
report is completed with them. The audit log is not touched (it holds ids, not the data).
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from citywatch.core.errors import UsageError
from citywatch.privacy.media_files import remove_files
from citywatch.privacy.retention import held_records
from citywatch.store.chunks import count_in, delete_in, rows_in, select_in, select_in_keys
from citywatch.store.holds import release_for_records
from citywatch.store.repository import Store
from citywatch.store.schema import (
    AlertRow,
    ErasureRow,
    EventRow,
    IdentityRow,
    PlateReadRow,
    ReviewRow,
    SightingRow,
    TrackAppearanceRow,
    TrackRow,
    WatchlistEntryRow,
    WatchlistPhotoRow,
)

log = logging.getLogger("citywatch.privacy")


@dataclass(frozen=True)
class ErasureRequest:
    requested_by: str
    legal_basis: str
    identity_id: str | None = None
    sighting_ids: tuple[int, ...] = ()
    watchlist_entry_id: int | None = None
    override_holds: str | None = None  # the reason held records are erased all the same

    def subject(self) -> str:
        parts = []
        if self.identity_id:
            parts.append(f"identity {self.identity_id}")
        if self.sighting_ids:
            parts.append("sightings " + ",".join(str(i) for i in self.sighting_ids))
        if self.watchlist_entry_id is not None:
            parts.append(f"watchlist entry {self.watchlist_entry_id}")
        return "; ".join(parts)


@dataclass
class ErasureResult:
    erasure_id: int
    report: dict[str, Any]


@dataclass
class _Found:
    identities: set[str] = field(default_factory=set)
    tracks: set[int] = field(default_factory=set)
    sightings: set[int] = field(default_factory=set)
    events: set[int] = field(default_factory=set)
    face_alerts: set[int] = field(default_factory=set)
    entries: set[int] = field(default_factory=set)
    photos: set[int] = field(default_factory=set)


def erase(store: Store, request: ErasureRequest, now: float | None = None) -> ErasureResult:
    """Erase the person `request` names; returns the erasure's id and its report."""
    _check(request)
    now = time.time() if now is None else float(now)
    store.flush()  # what this process's pipeline finished is in the database first
    sessions = sessionmaker(store.engine, expire_on_commit=False)
    with sessions.begin() as session:
        found = _find(session, request)
        kept = _kept(session, found, request.override_holds is not None)
        files, embedders, report = _delete(session, found, kept, request, now)
        row = ErasureRow(
            subject=request.subject(),
            requested_by=request.requested_by.strip(),
            requested_at=now,
            legal_basis=request.legal_basis.strip(),
            report=json.dumps(report, sort_keys=True),
        )
        session.add(row)
        session.flush()
        erasure_id = int(row.id)
    # The rows are gone for good; now their files and vectors.
    tally = remove_files(store.data_dir, files, dry_run=False)
    report["files_removed"] = tally.files
    report["bytes_freed"] = tally.bytes
    report["files_missing"] = tally.missing
    report["files_failed"] = tally.failed
    report["face_indexes_rebuilt"] = rebuild_face_indexes(store, embedders)
    with sessions.begin() as session:
        session.execute(
            update(ErasureRow)
            .where(ErasureRow.id == erasure_id)
            .values(report=json.dumps(report, sort_keys=True))
        )
    log.info("erasure %d (%s): %s", erasure_id, request.subject(), report["counts"])
    return ErasureResult(erasure_id, report)


def erasures(store: Store, limit: int = 100) -> list[dict[str, Any]]:
    """The erasures carried out, newest first, with their reports."""
    query = select(ErasureRow).order_by(ErasureRow.id.desc()).limit(limit)
    with sessionmaker(store.engine)() as session:
        return [_erasure_dict(r) for r in session.scalars(query)]


def erasure(store: Store, erasure_id: int) -> dict[str, Any] | None:
    with sessionmaker(store.engine)() as session:
        row = session.get(ErasureRow, erasure_id)
        return None if row is None else _erasure_dict(row)


def _erasure_dict(row: ErasureRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "subject": row.subject,
        "requested_by": row.requested_by,
        "requested_at": row.requested_at,
        "legal_basis": row.legal_basis,
        "report": json.loads(row.report),
    }


def _check(request: ErasureRequest) -> None:
    if not request.subject():
        raise UsageError("an erasure needs an identity, face sightings or a watchlist entry")
    if not request.requested_by.strip():
        raise UsageError("an erasure needs the user who requests it")
    if not request.legal_basis.strip():
        raise UsageError("an erasure needs its legal basis (the request it answers)")
    if request.override_holds is not None and not request.override_holds.strip():
        raise UsageError("overriding case holds needs a reason")


def _find(session: Session, request: ErasureRequest) -> _Found:
    found = _Found()
    if request.identity_id:
        if session.get(IdentityRow, request.identity_id) is None:
            raise UsageError(f"no identity {request.identity_id!r}")
        found.identities.add(request.identity_id)
        found.tracks |= select_in(
            session,
            TrackAppearanceRow.track_id,
            TrackAppearanceRow.identity_id,
            [request.identity_id],
        )
    if request.sighting_ids:
        wanted = {int(i) for i in request.sighting_ids}
        present = select_in(session, SightingRow.id, SightingRow.id, wanted)
        if missing := sorted(wanted - present):
            raise UsageError(f"no sighting {', '.join(str(i) for i in missing)}")
        found.sightings |= present
        found.tracks |= select_in(session, SightingRow.track_id, SightingRow.id, present)
    if request.watchlist_entry_id is not None:
        entry = int(request.watchlist_entry_id)
        if session.get(WatchlistEntryRow, entry) is None:
            raise UsageError(f"no watchlist entry {entry}")
        found.entries.add(entry)
        found.photos |= select_in(
            session, WatchlistPhotoRow.id, WatchlistPhotoRow.entry_id, [entry]
        )
        found.face_alerts |= select_in(session, AlertRow.id, AlertRow.entry_id, [entry])
    found.sightings |= select_in(session, SightingRow.id, SightingRow.track_id, found.tracks)
    keys = _track_keys(session, found.tracks)
    found.events |= _by_track_key(session, EventRow, keys)
    found.face_alerts |= _by_track_key(session, AlertRow, keys)
    return found


@dataclass
class _Kept:
    tracks: set[int] = field(default_factory=set)
    sightings: set[int] = field(default_factory=set)
    events: set[int] = field(default_factory=set)
    face_alerts: set[int] = field(default_factory=set)
    identities: set[str] = field(default_factory=set)


def _kept(session: Session, found: _Found, override: bool) -> _Kept:
    if override:
        return _Kept()
    held = held_records(session)
    return _Kept(
        tracks=found.tracks & held.tracks,
        sightings=found.sightings & held.sightings,
        events=found.events & held.events,
        face_alerts=found.face_alerts & held.face_alerts,
        identities=found.identities & held.identities,
    )


def _delete(
    session: Session, found: _Found, kept: _Kept, request: ErasureRequest, now: float
) -> tuple[list[str | None], set[str], dict[str, Any]]:
    tracks = sorted(found.tracks - kept.tracks)
    sightings = sorted(found.sightings - kept.sightings)
    events = sorted(found.events - kept.events)
    alerts = sorted(found.face_alerts - kept.face_alerts)
    files: list[str | None] = []
    embedders: set[str] = set()

    # Files and facts first, while the rows are there.
    for path, embedder in rows_in(
        session, (SightingRow.thumbnail_path, SightingRow.embedder), SightingRow.id, sightings
    ):
        files.append(path)
        if embedder:
            embedders.add(embedder)
    for thumb, clip in rows_in(
        session, (EventRow.thumbnail_path, EventRow.clip_path), EventRow.id, events
    ):
        files += [thumb, clip]
    files += [p for (p,) in rows_in(session, (AlertRow.evidence_path,), AlertRow.id, alerts)]
    files += [
        p
        for (p,) in rows_in(session, (PlateReadRow.thumbnail_path,), PlateReadRow.track_id, tracks)
    ]
    linked = select_in(session, TrackAppearanceRow.identity_id, TrackAppearanceRow.track_id, tracks)
    appearances = count_in(session, TrackAppearanceRow, TrackAppearanceRow.track_id, tracks)
    plate_reads = count_in(session, PlateReadRow, PlateReadRow.track_id, tracks)
    reviews = count_in(session, ReviewRow, ReviewRow.alert_id, alerts, ReviewRow.kind == "face")
    face_vectors = count_in(
        session, SightingRow, SightingRow.id, sightings, SightingRow.embedding.is_not(None)
    )

    delete_in(session, ReviewRow, ReviewRow.alert_id, alerts, ReviewRow.kind == "face")
    delete_in(session, AlertRow, AlertRow.id, alerts)
    delete_in(session, EventRow, EventRow.id, events)
    delete_in(session, SightingRow, SightingRow.id, sightings)
    delete_in(session, TrackRow, TrackRow.id, tracks)  # appearances, plate reads: cascade

    # Identities: the one asked for, and any of the erased tracks' left with no track.
    gone_identities: list[str] = []
    linked_kept: list[str] = []
    for identity in sorted((found.identities | linked) - kept.identities):
        remaining = count_in(
            session, TrackAppearanceRow, TrackAppearanceRow.identity_id, [identity]
        )
        if remaining == 0:
            session.execute(delete(IdentityRow).where(IdentityRow.id == identity))
            gone_identities.append(identity)
        elif identity in found.identities:
            kept.identities.add(identity)  # a held track still names it
        else:
            linked_kept.append(identity)

    # The watchlist entry: gone with its photos and alerts, unless a held alert needs it.
    entries_gone: list[int] = []
    entries_kept: list[int] = []
    photos = sorted(found.photos)
    files += [
        p for (p,) in rows_in(session, (WatchlistPhotoRow.path,), WatchlistPhotoRow.id, photos)
    ]
    delete_in(session, WatchlistPhotoRow, WatchlistPhotoRow.id, photos)
    for entry in sorted(found.entries):
        still = count_in(session, AlertRow, AlertRow.entry_id, [entry])
        if still:  # held alerts point at it: keep the row, stripped of photos, not matching
            session.execute(
                update(WatchlistEntryRow)
                .where(WatchlistEntryRow.id == entry, WatchlistEntryRow.removed_at.is_(None))
                .values(removed_at=now)
            )
            entries_kept.append(entry)
        else:
            session.execute(delete(WatchlistEntryRow).where(WatchlistEntryRow.id == entry))
            entries_gone.append(entry)

    released = 0
    if request.override_holds is not None:
        released_kinds: list[tuple[str, list[Any]]] = [
            ("identity", gone_identities),
            ("track", tracks),
            ("sighting", sightings),
            ("event", events),
            ("face_alert", alerts),
        ]
        for kind, ids in released_kinds:
            released += release_for_records(session, kind, ids, now)

    deleted: dict[str, list[Any]] = {
        "identities": gone_identities,
        "tracks": tracks,
        "sightings": sightings,
        "events": events,
        "face_alerts": alerts,
        "watchlist_entries": entries_gone,
        "watchlist_photos": photos,
    }
    report: dict[str, Any] = {
        "subject": request.subject(),
        "override_holds": request.override_holds,
        "deleted": deleted,
        "counts": {name: len(ids) for name, ids in deleted.items()}
        | {"appearances": appearances, "plate_reads": plate_reads, "reviews": reviews},
        "kept_held": {
            "identities": sorted(kept.identities),
            "tracks": sorted(kept.tracks),
            "sightings": sorted(kept.sightings),
            "events": sorted(kept.events),
            "face_alerts": sorted(kept.face_alerts),
            "watchlist_entries": entries_kept,
        },
        "holds_released": released,
        "linked_identities": linked_kept,
        "face_vectors_deleted": face_vectors,
    }
    return files, embedders, report


def rebuild_face_indexes(store: Store, embedders: set[str]) -> list[str]:
    """Rebuild the on-disk face indexes of these embedders from the database.

    A rebuild, not a removal: an approximate index (HNSW) may only mark a removed vector and
    keep its bytes in the file, and erased means gone. A running API's in-memory copy drops
    the erased ids at its next sync. An index kept in PostgreSQL (pgvector) deletes the rows
    at its sync instead (PostgreSQL reclaims the space at its next vacuum)."""
    from citywatch.search.face_index import FaceSightingIndex
    from citywatch.store.watchlists import FaceRecords

    records = FaceRecords(store)
    rebuilt = []
    for embedder in sorted(embedders):
        index = FaceSightingIndex(records, embedder, store.data_dir)
        if index.in_database():
            index.sync()
            rebuilt.append(embedder)
            continue
        state = index.directory.with_name(index.directory.name + ".sync.json")
        if not index.directory.exists() and not state.exists():
            continue
        state.unlink(missing_ok=True)
        shutil.rmtree(index.directory, ignore_errors=True)
        index.sync()
        rebuilt.append(embedder)
    return rebuilt


def _track_keys(session: Session, tracks: set[int]) -> set[tuple[str, str, int]]:
    rows = rows_in(
        session,
        (TrackRow.camera_id, TrackRow.run_id, TrackRow.local_id),
        TrackRow.id,
        sorted(tracks),
    )
    return {(c, r, int(t)) for c, r, t in rows}


def _by_track_key(session: Session, table: Any, keys: set[tuple[str, str, int]]) -> set[int]:
    columns = (table.camera_id, table.run_id, table.track_local_id)
    return select_in_keys(session, table.id, columns, keys)
