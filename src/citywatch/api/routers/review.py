"""The review queue: pending alerts, oldest first, and a person's decision on each.

A match is a candidate, never automatic truth: an investigator confirms or rejects it, a
rejection with a note saying why. The decision is stored once with who made it and when; a
second decision on the same alert is refused (409) rather than overwriting the record.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from citywatch.api.access import audit
from citywatch.api.deps import Investigator, Services
from citywatch.api.errors import ERROR_RESPONSE
from citywatch.api.routers.alerts import alert_page, review_out
from citywatch.api.schemas import (
    AlertKindName,
    AlertOut,
    CameraFilter,
    Page,
    PageQuery,
    ReviewIn,
    ReviewOut,
    RowId,
    SinceFilter,
    UntilFilter,
)
from citywatch.store.alerts import AlertNotFoundError, AlertRecords, AlreadyReviewedError

router = APIRouter(prefix="/api/review", tags=["review"])


@router.get("", summary="Alerts waiting for a decision, oldest first")
def review_queue(
    user: Investigator,
    services: Services,
    page: PageQuery,
    kind: Annotated[AlertKindName | None, Query(description="face or plate")] = None,
    camera: CameraFilter = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
) -> Page[AlertOut]:
    return alert_page(user, services, page, kind, camera, since, until, "pending", True)


@router.post(
    "/{kind}/{alert_id}",
    status_code=status.HTTP_201_CREATED,
    summary="Confirm or reject an alert (a rejection needs a note)",
    responses={404: ERROR_RESPONSE, 409: ERROR_RESPONSE, 422: ERROR_RESPONSE},
)
def decide(
    kind: AlertKindName, alert_id: RowId, body: ReviewIn, user: Investigator, services: Services
) -> ReviewOut:
    if body.decision == "reject" and not body.note.strip():
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "note: a rejection needs a note saying why"
        )
    try:
        review = AlertRecords(services.store).decide(
            kind, alert_id, body.decision, body.note, user.username, user_id=user.id
        )
    except AlertNotFoundError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    except AlreadyReviewedError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    detail = {"kind": kind, "alert_id": alert_id, "decision": body.decision, "note": body.note}
    audit(services, user, "review.decide", detail=detail, target=f"{kind} alert {alert_id}")
    return review_out(review)
