"""Licence plates (investigators): stored reads with filters, their pictures, and the hotlist
(admins change it).

Plates are personal data: reads and the hotlist are for investigators; a plate alert on the
alert wall (`/api/alerts`) is what a viewer sees of them.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status

from citywatch.api.access import CaseParam, PurposeParam, audit, check_case_access
from citywatch.api.deps import Admin, Investigator, Services
from citywatch.api.errors import ERROR_RESPONSE
from citywatch.api.media import media_response
from citywatch.api.schemas import (
    CameraFilter,
    HotlistChangeIn,
    HotlistEntryOut,
    Page,
    PageQuery,
    PlateReadOut,
    RowId,
    SinceFilter,
    UntilFilter,
    box_out,
)
from citywatch.core.errors import UsageError
from citywatch.store.plates import HotlistEntry, PlateReadInfo, PlateRecords
from citywatch.store.watchlists import expiry_from_date

router = APIRouter(prefix="/api/plates", tags=["plates"])


@router.get(
    "", summary="Plates read, newest first (investigators)", responses={422: ERROR_RESPONSE}
)
def list_plates(
    user: Investigator,
    services: Services,
    page: PageQuery,
    pattern: Annotated[
        str, Query(min_length=1, max_length=32, description="* any run, ? one character")
    ] = "*",
    camera: CameraFilter = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
) -> Page[PlateReadOut]:
    try:
        reads = PlateRecords(services.store).search(
            pattern, camera, since, until, limit=page.fetch, offset=page.offset
        )
    except UsageError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    return page.page([plate_read_out(r) for r in reads])


@router.get(
    "/hotlist",
    summary="The plate hotlist (investigators)",
)
def list_hotlist(
    user: Investigator,
    services: Services,
    page: PageQuery,
    include_inactive: Annotated[
        bool, Query(description="also removed and expired entries")
    ] = False,
) -> Page[HotlistEntryOut]:
    entries = PlateRecords(services.store).hotlist(include_inactive=include_inactive)
    now = time.time()
    return page.slice([hotlist_out(e, now) for e in entries])


@router.post(
    "/hotlist",
    status_code=status.HTTP_201_CREATED,
    summary="Add a plate or pattern to the hotlist (admins; within an open case)",
    responses={403: ERROR_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE, 422: ERROR_RESPONSE},
)
def add_hotlist(body: HotlistChangeIn, user: Admin, services: Services) -> HotlistEntryOut:
    use = check_case_access(services, user, "hotlist.add", body.case, body.purpose)
    try:
        expires_at = expiry_from_date(body.expires.strip())
    except UsageError as error:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, str(error).removeprefix("--")
        ) from None
    records = PlateRecords(services.store)
    try:
        entry_id = records.add_hotlist(
            body.pattern, body.reason, body.legal_basis, user.username, expires_at
        )
    except UsageError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    entry = next(e for e in records.hotlist(include_inactive=True) if e.id == entry_id)
    detail = {"entry_id": entry_id, "pattern": body.pattern, "legal_basis": body.legal_basis}
    detail["expires_at"] = expires_at
    audit(
        services, user, "hotlist.add", case=use, detail=detail, target=f"hotlist entry {entry_id}"
    )
    return hotlist_out(entry, time.time())


@router.delete(
    "/hotlist/{entry_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Take an entry off the hotlist (admins; kept on record; within an open case)",
    responses={403: ERROR_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE},
)
def remove_hotlist(
    entry_id: RowId, case: CaseParam, purpose: PurposeParam, user: Admin, services: Services
) -> Response:
    use = check_case_access(services, user, "hotlist.remove", case, purpose)
    if not PlateRecords(services.store).remove_hotlist(entry_id):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"hotlist entry {entry_id} does not exist or is already removed",
        )
    target = f"hotlist entry {entry_id}"
    audit(services, user, "hotlist.remove", case=use, detail={"entry_id": entry_id}, target=target)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{read_id}/thumbnail",
    summary="The vehicle picture of a plate read (JPEG; investigators)",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, 404: ERROR_RESPONSE},
)
def plate_thumbnail(read_id: RowId, user: Investigator, services: Services) -> Response:
    read = PlateRecords(services.store).read(read_id)
    if read is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"plate read {read_id} does not exist")
    return media_response(services.data_dir, read.thumbnail_path, f"plate read {read_id} picture")


def plate_read_out(read: PlateReadInfo) -> PlateReadOut:
    return PlateReadOut(
        id=read.id,
        track_id=read.track_id,
        camera=read.camera_id,
        time=read.time,
        text=read.text,
        confidence=round(read.confidence, 4),
        votes=read.votes,
        box=box_out(read.box),
        vehicle_type=read.vehicle_type,
        vehicle_colour=read.vehicle_colour,
        thumbnail_url=f"/api/plates/{read.id}/thumbnail" if read.thumbnail_path else None,
    )


def hotlist_out(entry: HotlistEntry, now: float) -> HotlistEntryOut:
    return HotlistEntryOut(
        id=entry.id,
        pattern=entry.pattern,
        reason=entry.reason,
        legal_basis=entry.legal_basis,
        added_by=entry.added_by,
        created_at=entry.created_at,
        expires_at=entry.expires_at,
        removed_at=entry.removed_at,
        active=entry.active(now),
    )
