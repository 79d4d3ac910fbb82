"""The audit log's rows: appended one at a time, in one chain, and read back in order.

Appends are serialised so that two writers never link to the same previous entry (which would
fork the chain): on PostgreSQL by a transaction-level advisory lock, on SQLite by a process
lock and `BEGIN IMMEDIATE` (the database's single writer lock, which also holds off other
processes). The hash itself is computed by the caller's `seal`, inside that critical section,
once the row's id is known.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from citywatch.core.errors import StoreError
from citywatch.store.engine import reason
from citywatch.store.repository import Store
from citywatch.store.schema import AuditRow

GENESIS_HASH = "0" * 64
# Any fixed 64-bit number: the advisory lock's name for "appending to the audit log".
POSTGRES_AUDIT_LOCK = 0x6369_7479_6175_6474  # "cityaudt"
READ_BATCH = 1000
MAX_OFFSET = 2**62

# SQLite's BEGIN IMMEDIATE serialises processes; this serialises the threads of one process
# before they reach it, so they queue here instead of spinning on busy_timeout.
_SQLITE_APPEND_LOCK = threading.Lock()


@dataclass(frozen=True)
class AuditEntry:
    id: int
    time: float
    actor: str
    actor_role: str | None
    action: str
    outcome: str
    case_ref: str | None
    purpose: str | None
    target: str | None
    detail: str  # canonical JSON
    prev_hash: str
    hash: str

    def sealed_fields(self) -> dict[str, Any]:
        """What the hash covers: every column but the hash itself."""
        return {
            "id": self.id,
            "time": self.time,
            "actor": self.actor,
            "actor_role": self.actor_role,
            "action": self.action,
            "outcome": self.outcome,
            "case_ref": self.case_ref,
            "purpose": self.purpose,
            "target": self.target,
            "detail": self.detail,
            "prev_hash": self.prev_hash,
        }


# Given an entry whose `hash` is not yet set, the hash it must carry.
Seal = Callable[[AuditEntry], str]


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None  # exact, or a prefix ending in "." ("search." for every search)
    actor: str | None = None
    case_ref: str | None = None


class AuditRecords:
    """The `audit_log` table. Safe to share between threads."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)
        self._dialect = store.engine.dialect.name
        self._postgres = self._dialect == "postgresql"

    def append(self, fields: dict[str, Any], seal: Seal) -> AuditEntry:
        """Append one entry linked to the last one, committed when this returns."""
        lock = _NullLock() if self._postgres else _SQLITE_APPEND_LOCK
        try:
            with lock, self._sessions.begin() as session:
                self._serialise(session)
                last = session.scalars(select(AuditRow.hash).order_by(AuditRow.id.desc()).limit(1))
                prev_hash = last.first() or GENESIS_HASH
                row = AuditRow(**fields, prev_hash=prev_hash, hash="")
                session.add(row)
                session.flush()  # the id is part of what is sealed
                entry = _entry(row)
                row.hash = seal(entry)
                entry = _entry(row)
        except SQLAlchemyError as exc:
            raise self._error("append to the audit log", exc) from exc
        return entry

    def entries(
        self, where: AuditFilter | None = None, limit: int = 100, offset: int = 0
    ) -> list[AuditEntry]:
        """Newest first, as an admin pages through them."""
        query = (
            select(AuditRow)
            .where(*_filters(where or AuditFilter()))
            .order_by(AuditRow.id.desc())
            .limit(limit)
            .offset(min(max(offset, 0), MAX_OFFSET))
        )
        return self._read(lambda s: [_entry(r) for r in s.scalars(query)])

    def count(self, where: AuditFilter | None = None) -> int:
        query = select(func.count()).select_from(AuditRow).where(*_filters(where or AuditFilter()))
        return self._read(lambda s: int(s.scalar(query) or 0))

    def chain(self) -> Iterator[AuditEntry]:
        """Every entry in id order, read in batches (the log can outgrow memory)."""
        after = -1
        while True:
            query = (
                select(AuditRow).where(AuditRow.id > after).order_by(AuditRow.id).limit(READ_BATCH)
            )
            batch: list[AuditEntry] = self._read(_batch_reader(query))
            yield from batch
            if len(batch) < READ_BATCH:
                return
            after = batch[-1].id

    def _serialise(self, session: Session) -> None:
        if self._postgres:
            # Released at commit or rollback; other appenders wait here.
            session.execute(select(func.pg_advisory_xact_lock(POSTGRES_AUDIT_LOCK)))
        elif self._dialect == "sqlite":
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")

    def _read(self, read: Callable[[Session], Any]) -> Any:
        try:
            with self._sessions() as session:
                return read(session)
        except SQLAlchemyError as exc:
            raise self._error("read the audit log", exc) from exc

    def _error(self, what: str, exc: SQLAlchemyError) -> StoreError:
        return StoreError(f"cannot {what} in database {self.store.url}: {reason(exc)}")


def _batch_reader(query: Any) -> Callable[[Session], list[AuditEntry]]:
    return lambda session: [_entry(r) for r in session.scalars(query)]


class _NullLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


def _filters(where: AuditFilter) -> list[Any]:
    filters: list[Any] = []
    if where.action:
        if where.action.endswith("."):
            filters.append(AuditRow.action.startswith(where.action, autoescape=True))
        else:
            filters.append(AuditRow.action == where.action)
    if where.actor:
        filters.append(AuditRow.actor == where.actor)
    if where.case_ref:
        filters.append(AuditRow.case_ref == where.case_ref)
    return filters


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=int(row.id),
        time=float(row.time),
        actor=row.actor,
        actor_role=row.actor_role,
        action=row.action,
        outcome=row.outcome,
        case_ref=row.case_ref,
        purpose=row.purpose,
        target=row.target,
        detail=row.detail,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )
