"""Cases (investigations) and who is assigned to them: the `cases` and `case_members` tables.

A case is closed, never deleted: the audit log names it. Every change is committed at once.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from citywatch.core.errors import StoreError, UsageError
from citywatch.store.engine import reason
from citywatch.store.repository import Store
from citywatch.store.schema import CASE_REF_LENGTH, CaseMemberRow, CaseRow, UserRow

T = TypeVar("T")

# No '/': a reference is a path segment of the API (/api/cases/{ref}).
CASE_REF_PATTERN = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{CASE_REF_LENGTH - 1}}}")
TITLE_LENGTH = 200
DESCRIPTION_LENGTH = 10_000


@dataclass(frozen=True)
class CaseInfo:
    id: int
    ref: str
    title: str
    description: str
    status: str  # "open" or "closed"
    created_by: str
    created_at: float
    closed_at: float | None
    members: tuple[str, ...]  # usernames

    @property
    def open(self) -> bool:
        return self.status == "open"


class CaseExistsError(UsageError):
    """Another case has that reference already."""


def check_ref(ref: str) -> str:
    value = ref.strip()
    if not CASE_REF_PATTERN.fullmatch(value):
        raise UsageError(
            f"case: {ref!r} is not a valid case reference; use 1-{CASE_REF_LENGTH} letters, "
            "digits, '.', '_' or '-'"
        )
    return value


class CaseRecords:
    """Cases and their members on a `Store`'s database. Safe to share between threads."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)

    def create(self, ref: str, title: str, description: str, created_by: str) -> CaseInfo:
        ref = check_ref(ref)
        title = title.strip()
        if not title or len(title) > TITLE_LENGTH:
            raise UsageError(f"title: a case needs a title of 1-{TITLE_LENGTH} characters")
        if len(description) > DESCRIPTION_LENGTH:
            raise UsageError(f"description: at most {DESCRIPTION_LENGTH} characters")
        row = CaseRow(
            ref=ref,
            title=title,
            description=description,
            status="open",
            created_by=created_by,
            created_at=time.time(),
            closed_at=None,
        )
        try:
            with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            raise CaseExistsError(f"case: {ref!r} exists already") from None
        except SQLAlchemyError as exc:
            raise self._error(f"create case {ref!r}", exc) from exc
        return _case_info(row, ())

    def _error(self, what: str, exc: SQLAlchemyError) -> StoreError:
        return StoreError(f"cannot {what} in database {self.store.url}: {reason(exc)}")

    def case(self, ref: str) -> CaseInfo | None:
        def read(session: Session) -> CaseInfo | None:
            row = session.scalars(select(CaseRow).where(CaseRow.ref == ref.strip())).first()
            return None if row is None else _case_info(row, _members(session, row.id))

        return self._run(read, "read a case")

    def cases(self, member_id: int | None = None, include_closed: bool = True) -> list[CaseInfo]:
        """Every case, or those `member_id` is assigned to; newest first."""
        query = select(CaseRow).order_by(CaseRow.id.desc())
        if member_id is not None:
            query = query.join(CaseMemberRow, CaseMemberRow.case_id == CaseRow.id).where(
                CaseMemberRow.user_id == member_id
            )
        if not include_closed:
            query = query.where(CaseRow.status == "open")

        def read(session: Session) -> list[CaseInfo]:
            return [_case_info(r, _members(session, r.id)) for r in session.scalars(query)]

        return self._run(read, "list cases")

    def is_member(self, case_id: int, user_id: int) -> bool:
        query = select(CaseMemberRow.user_id).where(
            CaseMemberRow.case_id == case_id, CaseMemberRow.user_id == user_id
        )
        return self._run(lambda s: s.execute(query).first() is not None, "read case members")

    def close(self, ref: str) -> CaseInfo | None:
        """Close an open case (closing a closed one changes nothing); None when unknown."""

        def change(session: Session) -> CaseInfo | None:
            row = session.scalars(
                select(CaseRow).where(CaseRow.ref == ref.strip()).with_for_update()
            ).first()
            if row is None:
                return None
            if row.status == "open":
                row.status = "closed"
                row.closed_at = time.time()
            return _case_info(row, _members(session, row.id))

        return self._run(change, f"close case {ref!r}", write=True)

    def add_member(self, ref: str, username: str, added_by: str) -> CaseInfo:
        def change(session: Session) -> CaseInfo:
            row, user_id = _case_and_user(session, ref, username)
            exists = session.get(CaseMemberRow, (row.id, user_id))
            if exists is None:
                session.add(
                    CaseMemberRow(
                        case_id=row.id, user_id=user_id, added_by=added_by, added_at=time.time()
                    )
                )
                session.flush()
            return _case_info(row, _members(session, row.id))

        return self._run(change, f"add a member to case {ref!r}", write=True)

    def remove_member(self, ref: str, username: str) -> CaseInfo:
        def change(session: Session) -> CaseInfo:
            row, user_id = _case_and_user(session, ref, username)
            session.execute(
                delete(CaseMemberRow).where(
                    CaseMemberRow.case_id == row.id, CaseMemberRow.user_id == user_id
                )
            )
            return _case_info(row, _members(session, row.id))

        return self._run(change, f"remove a member from case {ref!r}", write=True)

    def _run(self, work: Callable[[Session], T], what: str, write: bool = False) -> T:
        try:
            if write:
                with self._sessions.begin() as session:
                    return work(session)
            with self._sessions() as session:
                return work(session)
        except SQLAlchemyError as exc:
            raise self._error(what, exc) from exc


class UnknownCaseError(UsageError):
    """No case has that reference."""


class UnknownUserError(UsageError):
    """No user has that name."""


def _case_and_user(session: Session, ref: str, username: str) -> tuple[CaseRow, int]:
    row = session.scalars(select(CaseRow).where(CaseRow.ref == ref.strip())).first()
    if row is None:
        raise UnknownCaseError(f"case: no case {ref!r}")
    user_id = session.scalars(
        select(UserRow.id).where(UserRow.username == username.strip().lower())
    ).first()
    if user_id is None:
        raise UnknownUserError(f"user: no user {username!r}")
    return row, int(user_id)


def _members(session: Session, case_id: int) -> tuple[str, ...]:
    query: Any = (
        select(UserRow.username)
        .join(CaseMemberRow, CaseMemberRow.user_id == UserRow.id)
        .where(CaseMemberRow.case_id == case_id)
        .order_by(UserRow.username)
    )
    return tuple(session.scalars(query))


def _case_info(row: CaseRow, members: tuple[str, ...]) -> CaseInfo:
    return CaseInfo(
        id=int(row.id),
        ref=row.ref,
        title=row.title,
        description=row.description,
        status=row.status,
        created_by=row.created_by,
        created_at=row.created_at,
        closed_at=row.closed_at,
        members=members,
    )
