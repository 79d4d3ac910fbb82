"""Writing person appearances and the identities they belong to, within a track batch.

An identity's row is made the first time a track names it and its time span widened by later
tracks; a track saved again (a retried save) has its appearance replaced, like its sightings.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from citywatch.core.records import TrackAppearance, TrackRecord
from citywatch.store import convert
from citywatch.store.schema import IdentityRow, TrackAppearanceRow

_CHUNK = 500


def add_appearances(
    session: Session, items: Sequence[tuple[int, TrackRecord, TrackAppearance | None]]
) -> None:
    """`items`: (track row id, track, appearance or None) for every track of the batch."""
    track_ids = [track_id for track_id, _, _ in items]
    for start in range(0, len(track_ids), _CHUNK):
        chunk = track_ids[start : start + _CHUNK]
        session.execute(delete(TrackAppearanceRow).where(TrackAppearanceRow.track_id.in_(chunk)))
    present = [(i, t, a) for i, t, a in items if a is not None]
    if not present:
        return
    spans: dict[str, tuple[float, float]] = {}
    for _, track, appearance in present:
        low, high = spans.get(appearance.identity_id, (track.started_at, track.ended_at))
        spans[appearance.identity_id] = (
            min(low, track.started_at),
            max(high, track.ended_at),
        )
    _upsert_identities(session, spans)
    session.execute(
        insert(TrackAppearanceRow),
        [convert.appearance_values(a, track_id, track) for track_id, track, a in present],
    )


def _upsert_identities(session: Session, spans: dict[str, tuple[float, float]]) -> None:
    ids = list(spans)
    known: dict[str, tuple[float, float]] = {}
    for start in range(0, len(ids), _CHUNK):
        query = select(IdentityRow.id, IdentityRow.first_seen, IdentityRow.last_seen).where(
            IdentityRow.id.in_(ids[start : start + _CHUNK])
        )
        known.update({row.id: (row.first_seen, row.last_seen) for row in session.execute(query)})
    new = [
        {"id": i, "first_seen": low, "last_seen": high, "label": None}
        for i, (low, high) in spans.items()
        if i not in known
    ]
    if new:
        session.execute(insert(IdentityRow), new)
    widened = [
        {"id": i, "first_seen": min(low, old[0]), "last_seen": max(high, old[1])}
        for i, (low, high) in spans.items()
        if (old := known.get(i)) is not None and (low < old[0] or high > old[1])
    ]
    if widened:
        session.execute(update(IdentityRow), widened)
