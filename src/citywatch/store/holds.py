"""Case holds: a case keeps a record (and what hangs off it) out of retention's reach.

A hold names a kind of record and its id. What a hold keeps, beyond the record itself, is
worked out by the purge (`privacy/retention.py`): an identity keeps its tracks and their
sightings, a track its sightings, an alert its evidence and the track it was raised on.
Holds are released, never deleted, so the record of what was kept and why stays.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from citywatch.core.errors import StoreError, UsageError
from citywatch.store.engine import reason
from citywatch.store.repository import Store
from citywatch.store.schema import (
    AlertRow,
    CaseRow,
    EventRow,
    HoldRow,
    IdentityRow,
    PlateAlertRow,
    PlateReadRow,
    SightingRow,
    TrackRow,
)

# The kinds a hold may name, and the table whose row it keeps.
HOLD_KINDS: dict[str, type] = {
    "identity": IdentityRow,
    "track": TrackRow,
    "sighting": SightingRow,
    "event": EventRow,
    "plate_read": PlateReadRow,
    "face_alert": AlertRow,
    "plate_alert": PlateAlertRow,
}


class HoldNotFoundError(UsageError):
    """No such hold (or it was released already)."""


@dataclass(frozen=True)
class HoldInfo:
    id: int
    case_ref: str
    kind: str
    record_id: str
    reason: str
    created_by: str
    created_at: float
    released_at: float | None

    @property
    def active(self) -> bool:
        return self.released_at is None


class HoldRecords:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)

    def add(self, case_ref: str, kind: str, record_id: str, reason_text: str, by: str) -> int:
        """Hold a record for an open case; returns the hold id (the existing one if the case
        already holds it). Raises UsageError for an unknown kind, record or case."""
        if kind not in HOLD_KINDS:
            raise UsageError(f"unknown hold kind {kind!r} (one of {', '.join(HOLD_KINDS)})")
        if not reason_text.strip():
            raise UsageError("a hold needs a reason")
        if not by.strip():
            raise UsageError("a hold needs the user who places it")
        record_id = str(record_id).strip()
        self.store.flush()  # a record the pipeline just finished can be held at once
        try:
            with self._sessions.begin() as session:
                case = session.scalars(select(CaseRow).where(CaseRow.ref == case_ref)).first()
                if case is None:
                    raise UsageError(f"no case {case_ref!r}")
                if case.status != "open":
                    raise UsageError(f"case {case_ref!r} is {case.status}; holds need an open case")
                if not _record_exists(session, kind, record_id):
                    raise UsageError(f"no {kind} {record_id!r} to hold")
                existing = session.scalars(
                    select(HoldRow).where(
                        HoldRow.case_id == case.id,
                        HoldRow.kind == kind,
                        HoldRow.record_id == record_id,
                    )
                ).first()
                if existing is not None:
                    if existing.released_at is not None:  # held again: the hold stands again
                        existing.released_at = None
                        existing.reason = reason_text.strip()
                    return int(existing.id)
                row = HoldRow(
                    case_id=case.id,
                    kind=kind,
                    record_id=record_id,
                    reason=reason_text.strip(),
                    created_by=by.strip(),
                    created_at=time.time(),
                    released_at=None,
                )
                session.add(row)
                session.flush()
                return int(row.id)
        except IntegrityError as exc:  # the same hold placed twice at once
            raise UsageError(f"case {case_ref!r} already holds {kind} {record_id}") from exc
        except SQLAlchemyError as exc:
            where = f"database {self.store.url}"
            raise StoreError(f"cannot add hold in {where}: {reason(exc)}") from exc

    def release(self, hold_id: int) -> HoldInfo:
        """End a hold; the record then follows retention again."""
        with self._sessions.begin() as session:
            result = session.execute(
                update(HoldRow)
                .where(HoldRow.id == hold_id, HoldRow.released_at.is_(None))
                .values(released_at=time.time())
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                raise HoldNotFoundError(f"no active hold {hold_id}")
        found = self.holds(hold_id=hold_id, include_released=True)
        return found[0]

    def holds(
        self,
        case_ref: str | None = None,
        kind: str | None = None,
        record_id: str | None = None,
        hold_id: int | None = None,
        include_released: bool = False,
    ) -> list[HoldInfo]:
        """Holds, oldest first, filtered by case, by record, or by id."""
        query = select(HoldRow, CaseRow.ref).join(CaseRow, CaseRow.id == HoldRow.case_id)
        if case_ref is not None:
            query = query.where(CaseRow.ref == case_ref)
        if kind is not None:
            query = query.where(HoldRow.kind == kind)
        if record_id is not None:
            query = query.where(HoldRow.record_id == str(record_id))
        if hold_id is not None:
            query = query.where(HoldRow.id == hold_id)
        if not include_released:
            query = query.where(HoldRow.released_at.is_(None))
        try:
            with self._sessions() as session:
                return [_info(row, ref) for row, ref in session.execute(query.order_by(HoldRow.id))]
        except SQLAlchemyError as exc:
            where = f"database {self.store.url}"
            raise StoreError(f"cannot read holds in {where}: {reason(exc)}") from exc


def active_holds(session: Session) -> dict[str, set[str]]:
    """Record ids under an active hold, by kind (held by any case, open or closed: closing a
    case does not release its holds; releasing them does)."""
    held: dict[str, set[str]] = {kind: set() for kind in HOLD_KINDS}
    query = select(HoldRow.kind, HoldRow.record_id).where(HoldRow.released_at.is_(None))
    for kind, record_id in session.execute(query):
        held.setdefault(kind, set()).add(record_id)
    return held


def release_for_records(
    session: Session, kind: str, record_ids: Iterable[str | int], now: float
) -> int:
    """Mark the holds on records that are gone (an erasure that overrode them) released."""
    ids = [str(i) for i in record_ids]
    released = 0
    for start in range(0, len(ids), 500):
        result = session.execute(
            update(HoldRow)
            .where(
                HoldRow.kind == kind,
                HoldRow.record_id.in_(ids[start : start + 500]),
                HoldRow.released_at.is_(None),
            )
            .values(released_at=now)
        )
        released += int(result.rowcount)  # type: ignore[attr-defined]
    return released


def _record_exists(session: Session, kind: str, record_id: str) -> bool:
    table = HOLD_KINDS[kind]
    if kind == "identity":
        key: str | int = record_id
    else:
        try:
            key = int(record_id)
        except ValueError:
            raise UsageError(f"a {kind} id is a number, not {record_id!r}") from None
    return session.get(table, key) is not None


def _info(row: HoldRow, case_ref: str) -> HoldInfo:
    return HoldInfo(
        id=row.id,
        case_ref=case_ref,
        kind=row.kind,
        record_id=row.record_id,
        reason=row.reason,
        created_by=row.created_by,
        created_at=row.created_at,
        released_at=row.released_at,
    )
