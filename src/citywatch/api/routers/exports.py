"""Evidence exports (investigators): one record and its media as a ZIP a recipient can verify.

`POST /api/exports` with `{"kind": ..., "id": ..., "case": ..., "purpose": ..., "note": ...}`
(an open case the user may work in, and why, as for a search) answers
`citywatch-export-<kind>-<id>-<UTC time>.zip`, built in memory:

- `record.json`: the record as the API answers it to the exporting user: an event as
  `GET /api/events/{id}`, an alert (kind `face_alert` or `plate_alert`) as
  `GET /api/alerts/{face|plate}/{id}`, an identity as `GET /api/persons/{id}/trajectory`
  gives it, with every step on one page (`limit` is `MAX_TRAJECTORY_STEPS`).
- `media/`: the files the record refers to (redacted copies, see below): an event's
  thumbnail and clip, an alert's evidence picture, the best picture of each track of a
  trajectory (what `/api/tracks/{id}/thumbnail` serves). They are found with the routers'
  own lookups and read only through `media.resolve_media`, so nothing outside the data
  directory is ever read; a file the record names that is not there (purged, or a path that
  leaves the data directory) is listed under `missing` in the manifest instead of failing
  the export.
- `manifest.json`: when (UTC), by whom (user, role, how signed in), the request (note
  included), the citywatch version, whether the media are redacted and how, and for every file
  of the record its path in the ZIP, the stored path it came from, its size and SHA-256, the
  stored file's SHA-256 (`source_sha256`) and what redaction did to it (`redaction`).
- `README.txt` and `SHA256SUMS` (record, media, README and manifest): `sha256sum -c
  SHA256SUMS` in the unzipped folder checks that nothing was changed.

Redaction (issue #8, DESIGN "Accountability"): faces of people not under search are blurred in
the exported media by default (`citywatch.privacy.redaction`): every face except the
subject's, which is a face alert's watchlist entry (its enrolment photos) or an identity (its
stored face sightings); an event or a plate alert has no subject, so every face is blurred.
`"bodies": true` also blurs the whole body of every person who is not the subject. Each media
entry of the manifest says what was done (`frames`, `faces_blurred`, `faces_kept`,
`bodies_blurred`); a file that cannot be decoded to redact it is withheld (listed under
`withheld`), never passed on as stored. `"redact": false` gives the files as stored: admins
only, and only with a reason (`note`), which the manifest and README repeat. The stored files
are never changed: redaction works on copies in memory.

Errors: 404 (one line) for a record that does not exist, 422 for a bad body (or an unredacted
export without a reason), 403 for an unredacted export asked by a non-admin, 413 when the
files would make the ZIP larger than `MAX_EXPORT_BYTES`, 503 when the face models that
redaction needs cannot be loaded; case refusals as for searches (`access.check_case_access`).
Each export goes into the audit log (who, the case and purpose, what, redacted or not, the
files, the ZIP's SHA-256) and the `citywatch.api` logger.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import Response
from pydantic import BaseModel, Field

from citywatch.api.access import audit, check_case_access
from citywatch.api.deps import Investigator, Services
from citywatch.api.errors import ERROR_RESPONSE
from citywatch.api.export_archive import ExportMedia, ExportRecord, build_archive
from citywatch.api.media import PRIVATE
from citywatch.api.roles import Role, User
from citywatch.api.routers import alerts, events, persons
from citywatch.api.schemas import (
    AlertExportIn,
    AlertKindName,
    EventExportIn,
    IdentityExportIn,
    Paging,
)
from citywatch.api.services import ApiServices
from citywatch.core.errors import CitywatchError
from citywatch.privacy.redaction import (
    Redaction,
    Redactor,
    entry_subject,
    tracks_subject,
)

if TYPE_CHECKING:
    from citywatch.detect.base import Detector

log = logging.getLogger("citywatch.api")

router = APIRouter(prefix="/api/exports", tags=["exports"])

MAX_TRAJECTORY_STEPS = 10_000
ALERT_KINDS: dict[str, AlertKindName] = {"face_alert": "face", "plate_alert": "plate"}


class RedactionOptions(BaseModel):
    redact: bool = Field(
        default=True,
        description="blur faces of people not under search (false: as stored; admins only, "
        "with a reason in `note`)",
    )
    bodies: bool = Field(default=False, description="also blur the bodies of those people")


class CaseOptions(BaseModel):
    """An export is made within an open case, for a stated purpose, like a search."""

    case: str = Field(min_length=1, max_length=64, description="the open case (reference)")
    purpose: str = Field(min_length=1, max_length=2000, description="why this export is needed")


class EventExportRequest(EventExportIn, RedactionOptions, CaseOptions):
    pass


class AlertExportRequest(AlertExportIn, RedactionOptions, CaseOptions):
    pass


class IdentityExportRequest(IdentityExportIn, RedactionOptions, CaseOptions):
    pass


ExportRequest = EventExportRequest | AlertExportRequest | IdentityExportRequest
ExportRequestIn = Annotated[ExportRequest, Field(discriminator="kind")]


@router.post(
    "",
    summary="Export a record and its media (faces redacted) as a ZIP with SHA-256 sums",
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {}}},
        403: ERROR_RESPONSE,
        404: ERROR_RESPONSE,
        413: ERROR_RESPONSE,
        503: ERROR_RESPONSE,
    },
)
def create_export(body: ExportRequestIn, user: Investigator, services: Services) -> Response:
    now = dt.datetime.now(dt.UTC)
    if not body.redact:
        if not user.may(Role.ADMIN):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"an unredacted export needs the admin role (you are {user.role.label})",
            )
        if not (body.note or "").strip():
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                "an unredacted export needs a reason: give it as `note`",
            )
    action = f"export.{body.kind}"
    use = check_case_access(services, user, action, body.case, body.purpose)
    found = _record(services, user, body)
    redactor = _redactor(services, body, found) if body.redact else None
    archive = build_archive(services, user, body, found, redactor, now)
    digest = hashlib.sha256(archive).hexdigest()
    audit(
        services,
        user,
        action,
        case=use,
        target=f"{body.kind} {body.id}",
        detail={
            "redacted": body.redact,
            "bodies": body.bodies,
            "note": body.note,
            "files": [m.name for m in found.media],
            "bytes": len(archive),
            "sha256": digest,
        },
    )
    log.info(
        "export of %s %s by %s (%s), %s: %d bytes, sha256 %s",
        body.kind,
        body.id,
        user.username,
        user.role.label,
        redactor.method if redactor is not None else f"UNREDACTED ({body.note!r})",
        len(archive),
        digest,
    )
    filename = f"citywatch-export-{body.kind}-{body.id}-{now:%Y%m%dT%H%M%SZ}.zip"
    headers = {**PRIVATE, "Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(archive, media_type="application/zip", headers=headers)


# -- the record, through the routers that answer it ----------------------------------------------


def _record(services: ApiServices, user: User, body: ExportRequest) -> ExportRecord:
    if isinstance(body, EventExportIn):
        event = events.find_event(services, body.id)
        name = f"event-{event.id}"
        media = [
            ExportMedia(f"{name}-thumbnail", event.thumbnail_path, f"event {event.id} thumbnail"),
            ExportMedia(f"{name}-clip", event.clip_path, f"event {event.id} clip"),
        ]
        return ExportRecord(events.event_out(user, event), [m for m in media if m.path])
    if isinstance(body, AlertExportIn):
        kind = ALERT_KINDS[body.kind]
        alert = alerts.find_alert(services, kind, body.id)
        what = f"{kind} alert {alert.id} evidence"
        media = [ExportMedia(f"{kind}-alert-{alert.id}-evidence", alert.evidence_path, what)]
        found = ExportRecord(alerts.alert_out(user, alert), [m for m in media if m.path])
        if alert.face is not None:
            match = alert.face
            found.subject_wanted = f"watchlist entry {match.entry_id} ({match.entry_name})"
            if body.redact:
                found.subject = entry_subject(
                    services.store, match.entry_id, _embedder(services), found.subject_wanted
                )
        return found
    if isinstance(body, IdentityExportIn):
        page = persons.trajectory(body.id, user, services, Paging(MAX_TRAJECTORY_STEPS, 0))
        if page.next_offset is not None:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE,
                f"identity {body.id!r} has more than {MAX_TRAJECTORY_STEPS} tracks to export",
            )
        media = []
        for step in page.items:
            if step.thumbnail_url is None:
                continue
            # What /api/tracks/{id}/thumbnail serves (search.track_thumbnail).
            sightings = services.store.track_sightings(step.track_id, kind="object")
            path = next((s.thumbnail_path for s in sightings if s.thumbnail_path), None)
            what = f"track {step.track_id} thumbnail"
            media.append(ExportMedia(f"track-{step.track_id}-thumbnail", path, what))
        found = ExportRecord(page, media, subject_wanted=f"identity {body.id}")
        if body.redact:
            tracks = [step.track_id for step in page.items]
            found.subject = tracks_subject(
                services.store, tracks, _embedder(services), found.subject_wanted or ""
            )
        return found
    raise AssertionError(f"unknown export body {body!r}")  # the union is closed


# -- redaction ---------------------------------------------------------------------------------


def _embedder(services: ApiServices) -> str:
    return str(_face_pipeline(services).embedder.name)


def _face_pipeline(services: ApiServices) -> Any:
    try:
        return services.faces()
    except CitywatchError as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"cannot redact the export: the face models cannot be loaded ({error})",
        ) from None


def _person_detector(services: ApiServices) -> Detector:
    try:
        return services.person_detector()  # loaded once per server, like the face pipeline
    except CitywatchError as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"cannot blur bodies: the person detector cannot be loaded ({error})",
        ) from None


def _redactor(services: ApiServices, body: ExportRequest, found: ExportRecord) -> Redactor:
    faces = _face_pipeline(services)
    persons = _person_detector(services) if body.bodies else None
    if found.subject_wanted is not None and found.subject is None:
        found.notes.append(
            f"no stored face of {found.subject_wanted} for {faces.embedder.name}: "
            "every face is blurred"
        )
    return Redactor(faces, found.subject, persons, bodies=body.bodies)


def _redaction_entry(redactor: Redactor, done: Redaction) -> dict[str, Any]:
    return {
        "method": redactor.method,
        "frames": done.frames,
        "faces_blurred": done.faces_blurred,
        "faces_kept": done.faces_kept,
        "bodies_blurred": done.bodies_blurred,
    }
