"""Who may work in which case: searches and enrolments are made within an open case, with a
purpose; an investigator only in the cases they are assigned to, an admin in any.

The refusals are exceptions the API turns into 404 (unknown case), 409 (closed) and 403 (not
assigned), and the command line into one line of text.
"""

from __future__ import annotations

from citywatch.api.roles import Role, User
from citywatch.core.errors import UsageError
from citywatch.store.cases import CaseInfo, CaseRecords, check_ref

PURPOSE_LENGTH = 2000


class CaseAccessError(UsageError):
    """A search or enrolment that may not be made in the case it names."""


class CaseNotFoundError(CaseAccessError):
    pass


class CaseClosedError(CaseAccessError):
    pass


class NotAssignedError(CaseAccessError):
    pass


def check_purpose(purpose: str | None) -> str:
    """The purpose, stripped; refused when empty (the audit log must say why)."""
    text = (purpose or "").strip()
    if not text:
        raise UsageError("purpose: say why this is needed (non-empty text)")
    if len(text) > PURPOSE_LENGTH:
        raise UsageError(f"purpose: at most {PURPOSE_LENGTH} characters")
    if "\x00" in text:  # PostgreSQL's text cannot hold it
        raise UsageError("purpose: must not contain NUL characters")
    return text


def may_read(records: CaseRecords, user: User, case: CaseInfo) -> bool:
    return user.may(Role.ADMIN) or records.is_member(case.id, user.id)


def readable_case(records: CaseRecords, user: User, case_ref: str) -> CaseInfo:
    """The case, open or closed, when `user` may see it."""
    case = records.case(case_ref)
    if case is None:
        raise CaseNotFoundError(f"case: no case {case_ref!r}")
    if not may_read(records, user, case):
        raise NotAssignedError(f"not assigned to case {case.ref}")
    return case


def check_case(records: CaseRecords, user: User, case_ref: str | None) -> CaseInfo:
    """The open case `user` may search or enrol in; raises when it is unknown, closed, or
    one they are not assigned to."""
    ref = (case_ref or "").strip()
    if not ref:
        raise UsageError("case: name the case this is for (its reference)")
    case = readable_case(records, user, check_ref(ref))
    if not case.open:
        raise CaseClosedError(f"case {case.ref} is closed")
    return case


def cases_for(records: CaseRecords, user: User, include_closed: bool = True) -> list[CaseInfo]:
    """The cases `user` may see: all for admins, assigned ones for everyone else."""
    member = None if user.may(Role.ADMIN) else user.id
    return records.cases(member_id=member, include_closed=include_closed)
