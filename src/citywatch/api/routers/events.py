"""Rule events: the list with filters, one event, its thumbnail and its evidence clip.

What a viewer sees of an event is what the live feed publishes (`bus.payloads`): an offence
(a red-light crossing) loses its plate and media keys, and its thumbnail is refused; other
thumbnails come with faces blurred (the head of an object's crop; the whole of a scene's
picture, where nothing says where people are). Clips are video, which is not blurred on the
fly, so they are for investigators only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import Response

from citywatch.api.access import audit, audit_unblurred, check_role
from citywatch.api.deps import Investigator, Services, Viewer
from citywatch.api.errors import ERROR_RESPONSE
from citywatch.api.media import blurred_image_response, image_size, media_response
from citywatch.api.roles import Role, User
from citywatch.api.schemas import (
    CameraFilter,
    EventOut,
    Page,
    PageQuery,
    RowId,
    SinceFilter,
    UntilFilter,
)
from citywatch.api.services import ApiServices
from citywatch.bus.messages import EventMessage
from citywatch.bus.payloads import event_payload
from citywatch.core.records import Event
from citywatch.store import EventInfo

router = APIRouter(prefix="/api/events", tags=["events"])

IMAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/jpeg": {}}},
    403: ERROR_RESPONSE,
    404: ERROR_RESPONSE,
}


@router.get("", summary="Rule events, newest first")
def list_events(
    user: Viewer,
    services: Services,
    page: PageQuery,
    camera: CameraFilter = None,
    type: Annotated[str | None, Query(description="rule type, e.g. intrusion")] = None,
    rule: Annotated[str | None, Query(description="rule name")] = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
) -> Page[EventOut]:
    rows = services.store.events(
        camera_id=camera,
        type=type,
        rule=rule,
        since=since,
        until=until,
        limit=page.fetch,
        offset=page.offset,
    )
    return page.page([event_out(user, e) for e in rows])


@router.get("/{event_id}", summary="One event", responses={404: ERROR_RESPONSE})
def get_event(event_id: RowId, user: Viewer, services: Services) -> EventOut:
    return event_out(user, find_event(services, event_id))


@router.get(
    "/{event_id}/thumbnail",
    summary="The event's picture (JPEG), faces blurred unless asked otherwise",
    response_class=Response,
    responses=IMAGE,
)
def event_thumbnail(
    event_id: RowId,
    user: Viewer,
    services: Services,
    unblurred: Annotated[bool, Query(description="investigators only")] = False,
) -> Response:
    event = find_event(services, event_id)
    if _offence(event):
        check_role(user, Role.INVESTIGATOR, "an offence's thumbnail")
    what = f"event {event_id} thumbnail"
    if audit_unblurred(services, user, unblurred, what):
        return media_response(services.data_dir, event.thumbnail_path, what)
    if event.track_local_id is None:  # a scene: people anywhere in it
        return blurred_image_response(services.data_dir, event.thumbnail_path, what, None, None)
    width, height = image_size(services.data_dir, event.thumbnail_path, what)
    person = [(0.0, 0.0, float(width), float(height))]  # the crop is the object
    return blurred_image_response(services.data_dir, event.thumbnail_path, what, [], person)


@router.get(
    "/{event_id}/clip",
    summary="The event's evidence clip (MP4; investigators)",
    response_class=Response,
    responses={200: {"content": {"video/mp4": {}}}, 403: ERROR_RESPONSE, 404: ERROR_RESPONSE},
)
def event_clip(event_id: RowId, user: Investigator, services: Services) -> Response:
    event = find_event(services, event_id)
    what = f"event {event_id} clip"
    answer = media_response(services.data_dir, event.clip_path, what)
    audit(services, user, "view.clip", target=what)  # video is never blurred on the fly
    return answer


def find_event(services: ApiServices, event_id: int) -> EventInfo:
    event = services.store.event(event_id)
    if event is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"event {event_id} does not exist")
    return event


def _offence(event: EventInfo) -> bool:
    return bool(event.values.get("offence"))


def event_out(user: User, event: EventInfo) -> EventOut:
    offence = _offence(event)
    investigator = user.may(Role.INVESTIGATOR)
    values = dict(event.values)
    redacted: list[str] | None = None
    if not investigator:
        # The live feed's redaction, so a viewer sees the same in both places.
        record = Event(
            event.camera_id,
            event.time,
            event.type,
            event.rule,
            values,
            event.run_id,
            event.track_local_id,
        )
        payload = event_payload(EventMessage(record, event.time))
        values = payload["values"]
        redacted = payload.get("redacted")
    may_see_media = investigator or not offence
    base = f"/api/events/{event.id}"
    return EventOut(
        id=event.id,
        camera=event.camera_id,
        time=event.time,
        type=event.type,
        rule=event.rule,
        offence=offence,
        values=values,
        redacted=redacted,
        run_id=event.run_id,
        track_local_id=event.track_local_id,
        thumbnail_url=f"{base}/thumbnail" if event.thumbnail_path and may_see_media else None,
        clip_url=f"{base}/clip" if event.clip_path and investigator else None,
    )
