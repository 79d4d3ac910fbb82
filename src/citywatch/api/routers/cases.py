"""Cases (investigations): admins open and close them and assign investigators; everyone
with the investigator role sees the cases they are assigned to (admins see all).

Searches and enrolments name an open case (`case`) and a purpose; see `api/access.py`.
"""

from __future__ import annotations

from typing import Annotated, Literal, cast

from fastapi import APIRouter, HTTPException, Query, status

from citywatch.api.access import audit
from citywatch.api.deps import Admin, Investigator, Services
from citywatch.api.errors import ERROR_RESPONSE
from citywatch.api.schemas import CaseIn, CaseMemberIn, CaseOut, Page, PageQuery
from citywatch.core.errors import UsageError
from citywatch.privacy.cases import CaseNotFoundError, NotAssignedError, cases_for, readable_case
from citywatch.store.cases import CaseExistsError, CaseInfo

router = APIRouter(prefix="/api/cases", tags=["cases"])


@router.get("", summary="Your cases (admins: every case), newest first")
def list_cases(
    user: Investigator,
    services: Services,
    page: PageQuery,
    include_closed: Annotated[bool, Query(description="also closed cases")] = False,
) -> Page[CaseOut]:
    found = cases_for(services.cases(), user, include_closed=include_closed)
    return page.slice([case_out(c) for c in found])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Open a case (admins)",
    responses={409: ERROR_RESPONSE, 422: ERROR_RESPONSE},
)
def create_case(body: CaseIn, user: Admin, services: Services) -> CaseOut:
    records = services.cases()
    try:
        case = records.create(body.ref, body.title, body.description, user.username)
    except CaseExistsError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    except UsageError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    for member in body.members:
        case = _add_member(services, case.ref, member, user.username)
    detail = {"title": case.title, "members": list(case.members)}
    audit(services, user, "case.create", detail=detail, target=f"case {case.ref}")
    return case_out(case)


@router.get(
    "/{ref}",
    summary="One case (investigators: only one they are assigned to)",
    responses={403: ERROR_RESPONSE, 404: ERROR_RESPONSE},
)
def get_case(ref: str, user: Investigator, services: Services) -> CaseOut:
    try:
        return case_out(readable_case(services.cases(), user, ref))
    except CaseNotFoundError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    except NotAssignedError as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(error)) from None


@router.post(
    "/{ref}/members",
    status_code=status.HTTP_201_CREATED,
    summary="Assign a user to a case (admins)",
    responses={404: ERROR_RESPONSE},
)
def add_member(ref: str, body: CaseMemberIn, user: Admin, services: Services) -> CaseOut:
    case = _add_member(services, ref, body.user, user.username)
    audit(services, user, "case.member.add", detail={"user": body.user}, target=f"case {ref}")
    return case_out(case)


@router.delete(
    "/{ref}/members/{username}",
    summary="Take a user off a case (admins)",
    responses={404: ERROR_RESPONSE},
)
def remove_member(ref: str, username: str, user: Admin, services: Services) -> CaseOut:
    try:
        case = services.cases().remove_member(ref, username)
    except UsageError as error:  # no such case or user
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    audit(services, user, "case.member.remove", detail={"user": username}, target=f"case {ref}")
    return case_out(case)


@router.post(
    "/{ref}/close",
    summary="Close a case: no more searches or enrolments in it (admins)",
    responses={404: ERROR_RESPONSE},
)
def close_case(ref: str, user: Admin, services: Services) -> CaseOut:
    case = services.cases().close(ref)
    if case is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"case: no case {ref!r}")
    audit(services, user, "case.close", target=f"case {case.ref}")
    return case_out(case)


def _add_member(services: Services, ref: str, username: str, by: str) -> CaseInfo:
    try:
        return services.cases().add_member(ref, username, by)
    except UsageError as error:  # no such case or user
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None


def case_out(case: CaseInfo) -> CaseOut:
    return CaseOut(
        ref=case.ref,
        title=case.title,
        description=case.description,
        status=cast(Literal["open", "closed"], case.status),
        created_by=case.created_by,
        created_at=case.created_at,
        closed_at=case.closed_at,
        members=list(case.members),
    )
