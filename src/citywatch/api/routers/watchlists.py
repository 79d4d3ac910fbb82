"""The face watchlist: entries (investigators read), enrolment with photos and removal (admins).

Enrolment follows `citywatch watchlist add`: every photo is checked first (readable, one face,
large enough) and nothing is stored unless all pass; a refused photo is a 422 naming it and
the reason. An entry says why it exists, on what legal basis, who enrolled it and until when;
removing one keeps it on record, no longer matching.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from citywatch.api.access import (
    CASE_HELP,
    PURPOSE_HELP,
    CaseParam,
    PurposeParam,
    audit,
    check_case_access,
)
from citywatch.api.deps import Admin, Investigator, Services
from citywatch.api.errors import ERROR_RESPONSE
from citywatch.api.schemas import Page, PageQuery, RowId, WatchlistEntryOut
from citywatch.api.services import ApiServices
from citywatch.api.uploads import (
    MAX_PHOTOS,
    MAX_UPLOAD_BYTES,
    Upload,
    body_limit,
    decode_image,
    multipart_body,
    read_form,
    validate_form,
)
from citywatch.core.errors import UsageError
from citywatch.privacy.cases import PURPOSE_LENGTH
from citywatch.store.readmodels import WatchlistEntryInfo
from citywatch.store.schema import CASE_REF_LENGTH
from citywatch.store.watchlists import EnrolmentPhoto, FaceRecords, expiry_from_date
from citywatch.watchlist.enrol import EnrolmentError, prepare_image

router = APIRouter(prefix="/api/watchlist", tags=["watchlist"])


class EnrolForm(BaseModel):
    """multipart/form-data: the text fields and one `photos` part a photo (or `photos[]`)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2000)
    legal_basis: str = Field(min_length=1, max_length=2000)
    expires: str = Field(description="YYYY-MM-DD (end of that day, UTC) or an ISO date-time")
    case: str = Field(min_length=1, max_length=CASE_REF_LENGTH, description=CASE_HELP)
    purpose: str = Field(min_length=1, max_length=PURPOSE_LENGTH, description=PURPOSE_HELP)
    photos: list[bytes] = Field(
        min_length=1,
        max_length=MAX_PHOTOS,
        description=f"photos of the face, {MAX_UPLOAD_BYTES // 2**20} MB each at most",
    )


@router.get("", summary="Watchlist entries (investigators)")
def list_entries(
    user: Investigator,
    services: Services,
    page: PageQuery,
    include_inactive: Annotated[
        bool, Query(description="also removed and expired entries")
    ] = False,
) -> Page[WatchlistEntryOut]:
    entries = FaceRecords(services.store).entries(include_inactive=include_inactive)
    now = time.time()
    return page.slice([entry_out(e, now) for e in entries])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Enrol a person with photos (admins; multipart/form-data)",
    openapi_extra=multipart_body(EnrolForm),
    max_body_size=body_limit(MAX_PHOTOS),
    responses={
        403: ERROR_RESPONSE,
        404: ERROR_RESPONSE,
        409: ERROR_RESPONSE,
        413: ERROR_RESPONSE,
        415: ERROR_RESPONSE,
        422: ERROR_RESPONSE,
    },
)
async def enrol(request: Request, user: Admin, services: Services) -> WatchlistEntryOut:
    form = await read_form(request, max_files=MAX_PHOTOS)
    fields = validate_form(EnrolForm, form)
    use = await run_in_threadpool(
        check_case_access, services, user, "watchlist.enrol", fields.case, fields.purpose
    )
    try:
        expires_at = expiry_from_date(fields.expires.strip())
    except UsageError as error:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, str(error).removeprefix("--")
        ) from None
    if expires_at <= time.time():
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "expires: the date must be in the future"
        )
    uploads = [
        dataclasses.replace(u, field=f"photos[{i}]") for i, u in enumerate(form.files["photos"])
    ]
    photos = await run_in_threadpool(_prepare, services, uploads)
    records = FaceRecords(services.store)
    try:
        entry_id = await run_in_threadpool(
            records.add_entry,
            fields.name,
            fields.reason,
            fields.legal_basis,
            user.username,
            expires_at,
            photos,
        )
    except UsageError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    entry = next(e for e in records.entries(include_inactive=True) if e.id == entry_id)
    detail = {"entry_id": entry_id, "name": fields.name, "photos": len(photos)}
    detail |= {"legal_basis": fields.legal_basis, "expires_at": expires_at}
    target = f"watchlist entry {entry_id}"
    await run_in_threadpool(
        audit, services, user, "watchlist.enrol", case=use, detail=detail, target=target
    )
    return entry_out(entry, time.time())


@router.delete(
    "/{entry_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Take an entry off the watchlist (admins; kept on record)",
    responses={403: ERROR_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE},
)
def remove_entry(
    entry_id: RowId, case: CaseParam, purpose: PurposeParam, user: Admin, services: Services
) -> Response:
    use = check_case_access(services, user, "watchlist.remove", case, purpose)
    if not FaceRecords(services.store).remove_entry(entry_id):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"watchlist entry {entry_id} does not exist or is already removed",
        )
    detail = {"entry_id": entry_id}
    audit(
        services,
        user,
        "watchlist.remove",
        case=use,
        detail=detail,
        target=f"watchlist entry {entry_id}",
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _prepare(services: ApiServices, uploads: list[Upload]) -> list[EnrolmentPhoto]:
    """Decode and check every photo before anything is stored; 422 for the first refused."""
    faces = services.faces()
    photos = []
    for upload in uploads:
        image = decode_image(upload, services.data_dir)
        try:
            photos.append(prepare_image(faces, image, upload.label))
        except EnrolmentError as error:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    return photos


def entry_out(entry: WatchlistEntryInfo, now: float) -> WatchlistEntryOut:
    return WatchlistEntryOut(
        id=entry.id,
        name=entry.name,
        reason=entry.reason,
        legal_basis=entry.legal_basis,
        enrolled_by=entry.enrolled_by,
        created_at=entry.created_at,
        expires_at=entry.expires_at,
        removed_at=entry.removed_at,
        photos=entry.photos,
        active=entry.active(now),
    )
