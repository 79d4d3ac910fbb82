"""Evidence exports (investigators): one record and its media as a ZIP a recipient can verify.

`POST /api/exports` with `{"kind": ..., "id": ..., "note": "why"}` answers
`citywatch-export-<kind>-<id>-<UTC time>.zip`, built in memory:

- `record.json`: the record as the API answers it to the exporting user: an event as
  `GET /api/events/{id}`, an alert (kind `face_alert` or `plate_alert`) as
  `GET /api/alerts/{face|plate}/{id}`, an identity as `GET /api/persons/{id}/trajectory`
  gives it, with every step on one page (`limit` is `MAX_TRAJECTORY_STEPS`).
- `media/`: the files the record refers to, as stored: an event's thumbnail and clip, an
  alert's evidence picture, the best picture of each track of a trajectory (what
  `/api/tracks/{id}/thumbnail` serves). They are found with the routers' own lookups and read
  only through `media.resolve_media`, so nothing outside the data directory is ever read; a
  file the record names that is not there (purged, or a path that leaves the data directory)
  is listed under `missing` in the manifest instead of failing the export.
- `manifest.json`: when (UTC), by whom (user, role, how signed in), the request (note
  included), the citywatch version, and for every file of the record its path in the ZIP, the
  stored path it came from, its size and its SHA-256; `redacted` is false.
- `README.txt` and `SHA256SUMS` (record, media, README and manifest): `sha256sum -c
  SHA256SUMS` in the unzipped folder checks that nothing was changed.

Faces in the exported media are NOT redacted yet (issue #8, redaction in exports): exports
are for investigators and hold personal data as stored. The manifest says so
(`"redacted": false`), and so does the README.

Errors: 404 (one line) for a record that does not exist, 422 for a bad body, 413 when the
files would make the ZIP larger than `MAX_EXPORT_BYTES`. Each export is logged (who, what,
the ZIP's SHA-256) on the `citywatch.api` logger; the hash-chained audit log is not built yet.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import zipfile
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import Response
from pydantic import BaseModel

from citywatch import __version__
from citywatch.api.deps import Investigator, Services
from citywatch.api.errors import ERROR_RESPONSE
from citywatch.api.media import PRIVATE, resolve_media
from citywatch.api.roles import User
from citywatch.api.routers import alerts, events, persons
from citywatch.api.schemas import (
    AlertExportIn,
    AlertKindName,
    EventExportIn,
    ExportIn,
    IdentityExportIn,
    Paging,
)
from citywatch.api.services import ApiServices

log = logging.getLogger("citywatch.api")

router = APIRouter(prefix="/api/exports", tags=["exports"])

MAX_EXPORT_BYTES = 500 * 1024 * 1024  # the stored files of one record; the ZIP is held in memory
MAX_TRAJECTORY_STEPS = 10_000
FORMAT = "citywatch-export/1"
ExportRequest = EventExportIn | AlertExportIn | IdentityExportIn
ALERT_KINDS: dict[str, AlertKindName] = {"face_alert": "face", "plate_alert": "plate"}
# Pictures and video are compressed already; text is worth deflating.
STORED_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".mp4"})


@dataclass(frozen=True)
class _Media:
    name: str  # in the ZIP, under media/, without the suffix
    path: str | None  # as stored, relative to the data directory
    what: str  # for people: "event 3 clip"


@router.post(
    "",
    summary="Export a record and its media as a ZIP with SHA-256 sums (investigators)",
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {}}},
        403: ERROR_RESPONSE,
        404: ERROR_RESPONSE,
        413: ERROR_RESPONSE,
    },
)
def create_export(body: ExportIn, user: Investigator, services: Services) -> Response:
    now = dt.datetime.now(dt.UTC)
    record, media = _record(services, user, body)
    archive = _archive(services, user, body, record, media, now)
    digest = hashlib.sha256(archive).hexdigest()
    log.info(
        "export of %s %s by %s (%s): %d bytes, sha256 %s",
        body.kind,
        body.id,
        user.username,
        user.role.label,
        len(archive),
        digest,
    )
    filename = f"citywatch-export-{body.kind}-{body.id}-{now:%Y%m%dT%H%M%SZ}.zip"
    headers = {**PRIVATE, "Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(archive, media_type="application/zip", headers=headers)


# -- the record, through the routers that answer it ----------------------------------------------


def _record(
    services: ApiServices, user: User, body: ExportRequest
) -> tuple[BaseModel, list[_Media]]:
    if isinstance(body, EventExportIn):
        event = events.find_event(services, body.id)
        name = f"event-{event.id}"
        media = [
            _Media(f"{name}-thumbnail", event.thumbnail_path, f"event {event.id} thumbnail"),
            _Media(f"{name}-clip", event.clip_path, f"event {event.id} clip"),
        ]
        return events.event_out(user, event), [m for m in media if m.path]
    if isinstance(body, AlertExportIn):
        kind = ALERT_KINDS[body.kind]
        alert = alerts.find_alert(services, kind, body.id)
        what = f"{kind} alert {alert.id} evidence"
        media = [_Media(f"{kind}-alert-{alert.id}-evidence", alert.evidence_path, what)]
        return alerts.alert_out(user, alert), [m for m in media if m.path]
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
            media.append(_Media(f"track-{step.track_id}-thumbnail", path, what))
        return page, media
    raise AssertionError(f"unknown export body {body!r}")  # the union is closed


# -- the ZIP -------------------------------------------------------------------------------------


def _archive(
    services: ApiServices,
    user: User,
    body: ExportRequest,
    record: BaseModel,
    media: list[_Media],
    now: dt.datetime,
) -> bytes:
    contents: list[tuple[str, bytes]] = [("record.json", _json(record.model_dump(mode="json")))]
    sources: dict[str, str] = {}
    missing: list[dict[str, Any]] = []
    total = len(contents[0][1])
    for item in media:
        try:
            target = resolve_media(services.data_dir, item.path, item.what)
            size = target.stat().st_size
            if total + size > MAX_EXPORT_BYTES:
                raise HTTPException(
                    status.HTTP_413_CONTENT_TOO_LARGE,
                    f"the export would be larger than {MAX_EXPORT_BYTES // 2**20} MB",
                )
            data = target.read_bytes()
        except HTTPException as refused:
            if refused.status_code != status.HTTP_404_NOT_FOUND:
                raise
            missing.append({"what": item.what, "source": item.path, "reason": "no file"})
            continue
        except OSError as error:  # gone or unreadable since it was resolved
            reason = error.strerror or type(error).__name__
            missing.append({"what": item.what, "source": item.path, "reason": reason})
            continue
        name = f"media/{item.name}{target.suffix.lower()}"
        contents.append((name, data))
        sources[name] = item.path or ""
        total += len(data)

    files = [
        {"path": name, "source": sources.get(name), "bytes": len(data), "sha256": _sha256(data)}
        for name, data in contents
    ]
    manifest = {
        "format": FORMAT,
        "exported_at": now.isoformat().replace("+00:00", "Z"),
        "exported_by": {"username": user.username, "role": user.role.label, "via": user.via},
        "request": body.model_dump(mode="json"),
        "citywatch_version": __version__,
        "redacted": False,
        "files": files,
        "missing": missing,
    }
    contents.append(("README.txt", _readme(body, user, now, missing).encode()))
    contents.append(("manifest.json", _json(manifest)))
    sums = "".join(f"{_sha256(data)}  {name}\n" for name, data in contents)
    contents.append(("SHA256SUMS", sums.encode()))

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in contents:
            entry = zipfile.ZipInfo(name, date_time=now.timetuple()[:6])
            stored = any(name.endswith(suffix) for suffix in STORED_SUFFIXES)
            entry.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    return buffer.getvalue()


def _readme(
    body: ExportRequest, user: User, now: dt.datetime, missing: list[dict[str, Any]]
) -> str:
    lines = [
        "citywatch evidence export",
        "",
        f"Record: {body.kind} {body.id} (record.json), exported {now:%Y-%m-%d %H:%M:%S} UTC "
        f"by {user.username} ({user.role.label}), citywatch {__version__}.",
        "manifest.json lists every file with its size and SHA-256.",
        "To verify: unzip, then in the unzipped folder run: sha256sum -c SHA256SUMS",
        "Faces in these files are NOT redacted: this is personal data; handle it as such.",
    ]
    if missing:
        lines.append(f"{len(missing)} stored file(s) not found: see 'missing' in the manifest.")
    return "\n".join(lines) + "\n"


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
