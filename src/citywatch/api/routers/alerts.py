"""Alerts: watchlist face matches and hotlisted plates, in one time order, and their evidence.

Every alert is a candidate for a person to review (see `review.py`), shown with its distance
or confidence. A viewer sees the alert wall; the evidence (a face crop, unblurred; a vehicle
with its plate) is for investigators.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import Response

from citywatch.api.deps import Investigator, Services, Viewer
from citywatch.api.errors import ERROR_RESPONSE
from citywatch.api.media import media_response
from citywatch.api.roles import Role, User
from citywatch.api.schemas import (
    AlertKindName,
    AlertOut,
    CameraFilter,
    FaceMatchOut,
    Page,
    PageQuery,
    Paging,
    PlateMatchOut,
    ReviewOut,
    ReviewStateName,
    RowId,
    SinceFilter,
    UntilFilter,
    box_out,
)
from citywatch.api.services import ApiServices
from citywatch.store.alerts import AlertRecords, AlertSummary, ReviewInfo

router = APIRouter(prefix="/api/alerts", tags=["alerts"])


@router.get("", summary="Face and plate alerts, newest first")
def list_alerts(
    user: Viewer,
    services: Services,
    page: PageQuery,
    kind: Annotated[AlertKindName | None, Query(description="face or plate")] = None,
    camera: CameraFilter = None,
    review: Annotated[ReviewStateName | None, Query(description="review state")] = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
) -> Page[AlertOut]:
    return alert_page(user, services, page, kind, camera, since, until, review)


def alert_page(
    user: User,
    services: ApiServices,
    page: Paging,
    kind: AlertKindName | None,
    camera: str | None,
    since: float | None,
    until: float | None,
    review: ReviewStateName | None,
    oldest_first: bool = False,
) -> Page[AlertOut]:
    """One page of face and plate alerts as `user` may see them (the alert wall, the review
    queue)."""
    rows = AlertRecords(services.store).alerts(
        kind=kind,
        camera_id=camera,
        since=since,
        until=until,
        review=review,
        limit=page.fetch,
        offset=page.offset,
        oldest_first=oldest_first,
    )
    return page.page([alert_out(user, a) for a in rows])


@router.get("/{kind}/{alert_id}", summary="One alert", responses={404: ERROR_RESPONSE})
def get_alert(kind: AlertKindName, alert_id: RowId, user: Viewer, services: Services) -> AlertOut:
    return alert_out(user, find_alert(services, kind, alert_id))


@router.get(
    "/{kind}/{alert_id}/evidence",
    summary="The alert's evidence picture (JPEG; investigators: a face crop is unblurred)",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, 403: ERROR_RESPONSE, 404: ERROR_RESPONSE},
)
def alert_evidence(
    kind: AlertKindName, alert_id: RowId, user: Investigator, services: Services
) -> Response:
    alert = find_alert(services, kind, alert_id)
    what = f"{kind} alert {alert_id} evidence"
    return media_response(services.data_dir, alert.evidence_path, what)


def find_alert(services: ApiServices, kind: AlertKindName, alert_id: int) -> AlertSummary:
    alert = AlertRecords(services.store).get(kind, alert_id)
    if alert is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{kind} alert {alert_id} does not exist")
    return alert


def review_out(review: ReviewInfo) -> ReviewOut:
    return ReviewOut(
        kind=review.kind,
        alert_id=review.alert_id,
        decision="rejected" if review.decision == "rejected" else "confirmed",
        note=review.note,
        reviewed_by=review.username,
        reviewed_at=review.decided_at,
    )


def alert_out(user: User, alert: AlertSummary) -> AlertOut:
    face = plate = None
    if alert.face is not None:
        match = alert.face
        face = FaceMatchOut(
            entry_id=match.entry_id,
            entry_name=match.entry_name,
            distance=match.distance,
            threshold=match.threshold,
            embedder=match.embedder,
            box=box_out(match.box),
        )
    if alert.plate is not None:
        read = alert.plate
        plate = PlateMatchOut(
            hotlist_id=read.hotlist_id,
            pattern=read.pattern,
            reason=read.reason,
            plate=read.plate,
            confidence=read.confidence,
        )
    evidence = None
    if alert.evidence_path and user.may(Role.INVESTIGATOR):
        evidence = f"/api/alerts/{alert.kind}/{alert.id}/evidence"
    return AlertOut(
        kind=alert.kind,
        id=alert.id,
        camera=alert.camera_id,
        time=alert.time,
        run_id=alert.run_id,
        track_local_id=alert.track_local_id,
        review=alert.review,
        face=face,
        plate=plate,
        decision=None if alert.decision is None else review_out(alert.decision),
        evidence_url=evidence,
    )
