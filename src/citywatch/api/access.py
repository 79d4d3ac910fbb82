"""Checks inside a route, where what is needed depends on what is asked (an unblurred
picture, an offence's evidence, the case a search is made in), not on the route alone; and
the audit entry a route writes for what it did.

    case = check_case_access(services, user, "search.face", case_ref, purpose)
    ... search ...
    audit(services, user, "search.face", case=case, detail={"query": ..., "sightings": ids})
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import HTTPException, Query, status

from citywatch.api.roles import Role, User
from citywatch.api.services import ApiServices
from citywatch.core.errors import UsageError
from citywatch.privacy.cases import (
    PURPOSE_LENGTH,
    CaseClosedError,
    CaseNotFoundError,
    NotAssignedError,
    check_case,
    check_purpose,
)
from citywatch.store.schema import CASE_REF_LENGTH

CASE_HELP = "the reference of the open case this is for"
PURPOSE_HELP = "why this is needed (written to the audit log)"
# For GET routes: the case and the purpose as query parameters (422 naming one left out).
CaseParam = Annotated[str, Query(min_length=1, max_length=CASE_REF_LENGTH, description=CASE_HELP)]
PurposeParam = Annotated[
    str, Query(min_length=1, max_length=PURPOSE_LENGTH, description=PURPOSE_HELP)
]


@dataclass(frozen=True)
class CaseUse:
    """The open case a search or enrolment is made in, and why: what the audit entry names."""

    ref: str
    purpose: str


def check_role(user: User, role: Role, what: str) -> None:
    """403, in the words of `deps.require`, naming what needed the role."""
    if not user.may(role):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"{what} needs the {role.label} role (you are {user.role.label})",
        )


def check_unblurred(user: User, unblurred: bool) -> bool:
    """Whether to serve faces as they are: only when asked, and only to an investigator."""
    if unblurred:
        check_role(user, Role.INVESTIGATOR, "an unblurred picture")
    return unblurred


def audit_unblurred(services: ApiServices, user: User, unblurred: bool, target: str) -> bool:
    """`check_unblurred`, and an audit entry for every unblurred picture served."""
    if check_unblurred(user, unblurred):
        audit(services, user, "view.unblurred", target=target)
    return unblurred


def check_case_access(
    services: ApiServices, user: User, action: str, case_ref: str | None, purpose: str | None
) -> CaseUse:
    """The open case `user` may work in: 422 without a purpose, 404 unknown, 409 closed, 403
    not assigned. Refusals are audited too: trying is itself worth knowing."""
    try:
        text = check_purpose(purpose)
    except UsageError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    try:
        case = check_case(services.cases(), user, case_ref)
    except (CaseNotFoundError, CaseClosedError, NotAssignedError) as error:
        code = _REFUSAL_STATUS[type(error)]
        audit(services, user, action, "refused", CaseUse(case_ref or "", text), {"why": str(error)})
        raise HTTPException(code, str(error)) from None
    except UsageError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    return CaseUse(case.ref, text)


_REFUSAL_STATUS = {
    CaseNotFoundError: status.HTTP_404_NOT_FOUND,
    CaseClosedError: status.HTTP_409_CONFLICT,
    NotAssignedError: status.HTTP_403_FORBIDDEN,
}


def audit(
    services: ApiServices,
    user: User | None,
    action: str,
    outcome: str = "ok",
    case: CaseUse | None = None,
    detail: dict[str, Any] | None = None,
    target: str | None = None,
    actor: str | None = None,
) -> None:
    """One audit entry for what `user` (or `actor`, for a failed sign-in) did."""
    services.audit().record(
        actor if actor is not None else (user.username if user else "unknown"),
        user.role.label if user else None,
        action,
        outcome,
        case.ref if case else None,
        case.purpose if case else None,
        target,
        detail,
    )
