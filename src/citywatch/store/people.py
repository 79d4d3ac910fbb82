"""Person appearances and identities: the re-ID side of the store.

Appearances arrive with their tracks through the store's buffered writer; reads here flush it
first, so a search sees everything the pipeline finished. Operator corrections (moving a track
to another identity, splitting it off) are committed at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from citywatch.core.errors import StoreError, UsageError
from citywatch.store.convert import vector_from
from citywatch.store.engine import reason
from citywatch.store.readmodels import AppearanceInfo
from citywatch.store.repository import Store
from citywatch.store.schema import IdentityRow, SightingRow, TrackAppearanceRow, TrackRow

_AppearanceSelect = Select[TrackAppearanceRow, TrackRow, SightingRow]


def new_identity_id() -> str:
    return uuid.uuid4().hex


class PersonRecords:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)

    def appearances(
        self,
        embedder: str | None = None,
        camera_id: str | None = None,
        since: float | None = None,
        until: float | None = None,
        identity_id: str | None = None,
        limit: int | None = None,
    ) -> list[AppearanceInfo]:
        """Person tracks with an appearance that started in [since, until), oldest first."""
        query = _appearance_query()
        if embedder is not None:
            query = query.where(TrackAppearanceRow.embedder == embedder)
        if camera_id is not None:
            query = query.where(TrackAppearanceRow.camera_id == camera_id)
        if since is not None:
            query = query.where(TrackAppearanceRow.started_at >= since)
        if until is not None:
            query = query.where(TrackAppearanceRow.started_at < until)
        if identity_id is not None:
            query = query.where(TrackAppearanceRow.identity_id == identity_id)
        query = query.order_by(TrackAppearanceRow.started_at, TrackAppearanceRow.id)
        if limit is not None:
            query = query.limit(limit)
        return self._read(query)

    def trajectory(self, identity_id: str) -> list[AppearanceInfo]:
        """One person's tracks across cameras, in time order."""
        return self.appearances(identity_id=identity_id)

    def identities(self, limit: int = 100, offset: int = 0) -> list[tuple[str, float, float, int]]:
        """(identity id, first seen, last seen, cameras) newest first."""
        from sqlalchemy import func

        cameras = func.count(TrackAppearanceRow.camera_id.distinct())
        query = (
            select(IdentityRow.id, IdentityRow.first_seen, IdentityRow.last_seen, cameras)
            .join(TrackAppearanceRow, TrackAppearanceRow.identity_id == IdentityRow.id)
            .group_by(IdentityRow.id, IdentityRow.first_seen, IdentityRow.last_seen)
            .order_by(IdentityRow.first_seen.desc())
            .limit(limit)
            .offset(offset)
        )
        self.store.flush()
        with self._sessions() as session:
            return [(i, f, last, int(c)) for i, f, last, c in session.execute(query)]

    def move_track(self, track_id: int, identity_id: str | None) -> str:
        """An operator's correction: put a track under `identity_id`, or under a new identity
        of its own when None (splitting a wrong link). Returns the identity it now has."""
        self.store.flush()
        target = identity_id or new_identity_id()
        try:
            with self._sessions.begin() as session:
                row = session.execute(
                    select(TrackAppearanceRow.id, TrackRow.started_at, TrackRow.ended_at)
                    .join(TrackRow, TrackRow.id == TrackAppearanceRow.track_id)
                    .where(TrackAppearanceRow.track_id == track_id)
                ).one_or_none()
                if row is None:
                    raise UsageError(f"track {track_id} has no stored appearance")
                identity = session.get(IdentityRow, target)
                if identity is None:
                    if identity_id is not None:
                        raise UsageError(f"identity {identity_id!r} does not exist")
                    session.add(IdentityRow(id=target, first_seen=row[1], last_seen=row[2]))
                else:
                    identity.first_seen = min(identity.first_seen, row[1])
                    identity.last_seen = max(identity.last_seen, row[2])
                session.execute(
                    update(TrackAppearanceRow)
                    .where(TrackAppearanceRow.track_id == track_id)
                    .values(identity_id=target, link_source="operator", link_distance=None)
                )
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot move track {track_id}: {reason(exc)}") from exc
        return target

    def _read(self, query: _AppearanceSelect) -> list[AppearanceInfo]:
        self.store.flush()
        try:
            with self._sessions() as session:
                return [_info(row) for row in session.execute(query)]
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read appearances: {reason(exc)}") from exc


def _appearance_query() -> _AppearanceSelect:
    return (
        select(TrackAppearanceRow, TrackRow, SightingRow)
        .join(TrackRow, TrackRow.id == TrackAppearanceRow.track_id)
        .outerjoin(
            SightingRow,
            and_(SightingRow.track_id == TrackRow.id, SightingRow.kind == "object"),
        )
    )


def _info(row: Sequence[Any]) -> AppearanceInfo:
    appearance, track, sighting = row
    return AppearanceInfo(
        track_id=track.id,
        camera_id=track.camera_id,
        run_id=track.run_id,
        local_id=track.local_id,
        started_at=track.started_at,
        ended_at=track.ended_at,
        identity_id=appearance.identity_id,
        link_distance=appearance.link_distance,
        link_source=appearance.link_source,
        embedder=appearance.embedder,
        embedding=vector_from(appearance.embedding),
        attributes=appearance.attributes,
        box=None
        if sighting is None
        else (sighting.box_x, sighting.box_y, sighting.box_w, sighting.box_h),
        best_time=None if sighting is None else sighting.best_time,
        thumbnail_path=None if sighting is None else sighting.thumbnail_path,
    )
