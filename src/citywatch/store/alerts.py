"""Face and plate alerts read together, and the decisions people make on them.

An alert is a candidate until a person confirms or rejects it. The operator's screens list both
kinds in one time order (the newest first on the alert wall, the oldest first in the review
queue), so the two tables are paged together with one UNION query rather than merged in Python,
where a deep page would need every earlier row of both. A decision is stored once, with its
note, who made it and when (`reviews`), and mirrored in the alert's `review` column.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, cast

from sqlalchemy import Select, literal, select, union_all, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from citywatch.core.errors import CitywatchError, StoreError, UsageError
from citywatch.core.records import Box
from citywatch.store.engine import reason
from citywatch.store.repository import Store
from citywatch.store.schema import (
    AlertRow,
    PlateAlertRow,
    PlateHotlistRow,
    ReviewRow,
    WatchlistEntryRow,
)

AlertKind = Literal["face", "plate"]
ALERT_KINDS: tuple[AlertKind, ...] = ("face", "plate")
ReviewState = Literal["pending", "confirmed", "rejected"]
REVIEW_STATES: tuple[ReviewState, ...] = ("pending", "confirmed", "rejected")
Decision = Literal["confirm", "reject"]
DECIDED: dict[str, ReviewState] = {"confirm": "confirmed", "reject": "rejected"}


class AlertNotFoundError(UsageError):
    """No alert of that kind has that id."""


class AlreadyReviewedError(CitywatchError):
    """The alert was decided before; a decision is not overwritten (it is the record)."""


@dataclass(frozen=True, slots=True)
class ReviewInfo:
    kind: AlertKind
    alert_id: int
    decision: ReviewState  # "confirmed" or "rejected"
    note: str
    user_id: int | None
    username: str
    decided_at: float


@dataclass(frozen=True, slots=True)
class FaceMatch:
    entry_id: int
    entry_name: str
    distance: float
    threshold: float
    embedder: str
    box: Box


@dataclass(frozen=True, slots=True)
class PlateMatch:
    hotlist_id: int
    pattern: str
    reason: str
    plate: str
    confidence: float


@dataclass(frozen=True, slots=True)
class AlertSummary:
    """A face alert (`face` set) or a plate alert (`plate` set)."""

    kind: AlertKind
    id: int
    camera_id: str
    time: float
    run_id: str
    track_local_id: int
    review: ReviewState
    evidence_path: str | None
    face: FaceMatch | None = None
    plate: PlateMatch | None = None
    decision: ReviewInfo | None = None


class AlertRecords:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)

    def alerts(
        self,
        kind: AlertKind | None = None,
        camera_id: str | None = None,
        since: float | None = None,
        until: float | None = None,
        review: ReviewState | None = None,
        limit: int = 100,
        offset: int = 0,
        oldest_first: bool = False,
    ) -> list[AlertSummary]:
        """Alerts of both kinds (or `kind`) in [since, until), newest first unless asked."""
        if limit < 1 or offset < 0:
            raise ValueError(f"limit must be >= 1 and offset >= 0 (got {limit}, {offset})")
        parts: list[Select[str, int, float]] = []
        for name, table in (("face", AlertRow), ("plate", PlateAlertRow)):
            if kind is not None and kind != name:
                continue
            query = select(
                literal(name).label("kind"), table.id.label("id"), table.time.label("time")
            )
            if camera_id is not None:
                query = query.where(table.camera_id == camera_id)
            if since is not None:
                query = query.where(table.time >= since)
            if until is not None:
                query = query.where(table.time < until)
            if review is not None:
                query = query.where(table.review == review)
            parts.append(query)
        keys = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
        columns = (keys.c.time, keys.c.kind, keys.c.id)
        order = columns if oldest_first else tuple(c.desc() for c in columns)
        page = select(keys.c.kind, keys.c.id).order_by(*order).limit(limit).offset(offset)
        try:
            with self._sessions() as session:
                wanted = [(str(k), int(i)) for k, i in session.execute(page)]
                found = self._load(session, wanted)
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot read alerts in database {self.store.url}: {reason(exc)}"
            ) from exc
        return [found[key] for key in wanted if key in found]

    def get(self, kind: AlertKind, alert_id: int) -> AlertSummary | None:
        try:
            with self._sessions() as session:
                return self._load(session, [(kind, int(alert_id))]).get((kind, int(alert_id)))
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot read alerts in database {self.store.url}: {reason(exc)}"
            ) from exc

    def decide(
        self,
        kind: AlertKind,
        alert_id: int,
        decision: Decision,
        note: str,
        username: str,
        user_id: int | None = None,
    ) -> ReviewInfo:
        """Record a person's decision. AlertNotFoundError for an unknown alert,
        AlreadyReviewedError when it was decided before (by anyone, at any time)."""
        if decision not in DECIDED:
            raise UsageError(f"decision: {decision!r} is not confirm or reject")
        if decision == "reject" and not note.strip():
            raise UsageError("note: a rejection needs a note saying why")
        state = DECIDED[decision]
        table: type[AlertRow] | type[PlateAlertRow] = AlertRow if kind == "face" else PlateAlertRow
        row = ReviewRow(
            kind=kind,
            alert_id=int(alert_id),
            decision=state,
            note=note.strip(),
            user_id=user_id,
            username=username,
            decided_at=time.time(),
        )
        try:
            with self._sessions.begin() as session:
                current = session.scalar(select(table.review).where(table.id == alert_id))
                if current is None:
                    raise AlertNotFoundError(f"{kind} alert {alert_id} does not exist")
                changed = session.execute(
                    update(table)
                    .where(table.id == alert_id, table.review == "pending")
                    .values(review=state)
                )
                if not changed.rowcount:  # type: ignore[attr-defined]
                    raise self._already(session, kind, alert_id, current)
                session.add(row)
                session.flush()
        except IntegrityError:
            # Two decisions at once: the other one was committed first.
            with self._sessions() as session:
                raise self._already(session, kind, alert_id, "decided") from None
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot store the decision on {kind} alert {alert_id}: {reason(exc)}"
            ) from exc
        return _review(row)

    def _already(
        self, session: Session, kind: str, alert_id: int, state: str
    ) -> AlreadyReviewedError:
        earlier = session.scalar(
            select(ReviewRow).where(ReviewRow.kind == kind, ReviewRow.alert_id == alert_id)
        )
        if earlier is None:
            return AlreadyReviewedError(f"{kind} alert {alert_id} is already {state}")
        when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(earlier.decided_at))
        return AlreadyReviewedError(
            f"{kind} alert {alert_id} was already {earlier.decision} by {earlier.username} "
            f"at {when}"
        )

    def _load(
        self, session: Session, keys: Sequence[tuple[str, int]]
    ) -> dict[tuple[str, int], AlertSummary]:
        face_ids = [i for k, i in keys if k == "face"]
        plate_ids = [i for k, i in keys if k == "plate"]
        reviews: dict[tuple[str, int], ReviewInfo] = {}
        for kind, ids in (("face", face_ids), ("plate", plate_ids)):
            if ids:
                decided = select(ReviewRow).where(
                    ReviewRow.kind == kind, ReviewRow.alert_id.in_(ids)
                )
                reviews.update({(kind, r.alert_id): _review(r) for r in session.scalars(decided)})
        found: dict[tuple[str, int], AlertSummary] = {}
        if face_ids:
            faces = (
                select(AlertRow, WatchlistEntryRow.name)
                .join(WatchlistEntryRow, WatchlistEntryRow.id == AlertRow.entry_id)
                .where(AlertRow.id.in_(face_ids))
            )
            for a, name in session.execute(faces):
                found[("face", a.id)] = AlertSummary(
                    kind="face",
                    id=a.id,
                    camera_id=a.camera_id,
                    time=a.time,
                    run_id=a.run_id,
                    track_local_id=a.track_local_id,
                    review=cast(ReviewState, a.review),
                    evidence_path=a.evidence_path,
                    face=FaceMatch(
                        entry_id=a.entry_id,
                        entry_name=name,
                        distance=a.distance,
                        threshold=a.threshold,
                        embedder=a.embedder,
                        box=(a.box_x, a.box_y, a.box_w, a.box_h),
                    ),
                    decision=reviews.get(("face", a.id)),
                )
        if plate_ids:
            plates = (
                select(PlateAlertRow, PlateHotlistRow.pattern, PlateHotlistRow.reason)
                .join(PlateHotlistRow, PlateHotlistRow.id == PlateAlertRow.hotlist_id)
                .where(PlateAlertRow.id.in_(plate_ids))
            )
            for p, pattern, why in session.execute(plates):
                found[("plate", p.id)] = AlertSummary(
                    kind="plate",
                    id=p.id,
                    camera_id=p.camera_id,
                    time=p.time,
                    run_id=p.run_id,
                    track_local_id=p.track_local_id,
                    review=cast(ReviewState, p.review),
                    evidence_path=p.evidence_path,
                    plate=PlateMatch(
                        hotlist_id=p.hotlist_id,
                        pattern=pattern,
                        reason=why,
                        plate=p.plate,
                        confidence=p.confidence,
                    ),
                    decision=reviews.get(("plate", p.id)),
                )
        return found


def _review(row: ReviewRow) -> ReviewInfo:
    return ReviewInfo(
        kind=cast(AlertKind, row.kind),
        alert_id=row.alert_id,
        decision=cast(ReviewState, row.decision),
        note=row.note,
        user_id=row.user_id,
        username=row.username,
        decided_at=row.decided_at,
    )
