"""Public display (kiosk) mode: aggregate counts and pictures with every person blurred.

A screen in a lobby or a control room window shows how many people and vehicles each camera
sees, and each camera's latest picture with faces AND whole persons blurred; nothing else
(no tracks, ids, events, alerts). Any signed-in user may read it; a kiosk signs in with a
viewer's API key (`/static/display.html#key=...`, see js/display.js).

- `GET /api/display/counts`: per enabled camera, people / vehicles / bicycles in view in its
  latest live frame, the same per zone (a zone counts an object whose foot point is inside
  it), and when that frame was taken (null: no live frame yet).
- `GET /api/display/cameras/{id}/snapshot`: the latest frame as JPEG, the pipeline's face
  boxes and whole person boxes blurred; with no boxes known the whole picture is blurred.
  There is no unblurred option. Made once per frame and shared by every kiosk.
"""

from __future__ import annotations

import threading

import numpy as np
from fastapi import APIRouter, HTTPException, status
from fastapi.responses import Response
from pydantic import BaseModel, Field

from citywatch.api.deps import Services, Viewer
from citywatch.api.errors import ERROR_RESPONSE
from citywatch.api.frames import LatestFrame
from citywatch.api.media import PRIVATE
from citywatch.api.redaction import FACE_MARGIN, blur_all, blur_faces, encode_jpeg
from citywatch.api.services import ApiServices
from citywatch.config.cameras import CameraConfig

router = APIRouter(prefix="/api/display", tags=["display"])

BODY_MARGIN = 0.05  # of a person box's size, on each side
LABELS = {"person": "people", "vehicle": "vehicles", "bicycle": "bicycles"}


class Counts(BaseModel):
    people: int = 0
    vehicles: int = 0
    bicycles: int = 0


class CameraCounts(Counts):
    id: str
    name: str
    updated_at: float | None = Field(description="Unix time of the counted frame; null: none")
    zones: dict[str, Counts] = {}


class DisplayCounts(BaseModel):
    cameras: list[CameraCounts]
    totals: Counts


@router.get("/counts", summary="People and vehicles in view now, per camera and zone")
def counts(user: Viewer, services: Services) -> DisplayCounts:
    cameras = []
    for camera in services.config.cameras:
        if camera.enabled:
            cameras.append(_camera_counts(camera, services.frames.get(camera.id)))
    totals = Counts(
        people=sum(c.people for c in cameras),
        vehicles=sum(c.vehicles for c in cameras),
        bicycles=sum(c.bicycles for c in cameras),
    )
    return DisplayCounts(cameras=cameras, totals=totals)


@router.get(
    "/cameras/{camera_id}/snapshot",
    summary="The camera's latest frame as JPEG, faces and whole persons blurred (always)",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, 404: ERROR_RESPONSE},
)
def snapshot(camera_id: str, user: Viewer, services: Services) -> Response:
    _camera(services, camera_id)
    frame = services.frames.get(camera_id)
    if frame is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"camera {camera_id!r}: no live frame")
    try:
        jpeg = _blurred(frame)
    except ValueError:
        raise HTTPException(
            status.HTTP_500_INTERNAL_SERVER_ERROR, f"camera {camera_id!r}: cannot blur the frame"
        ) from None
    headers = {**PRIVATE, "X-Frame-Time": f"{frame.time:.3f}"}
    return Response(jpeg, media_type="image/jpeg", headers=headers)


# -- helpers -----------------------------------------------------------------------------------


def _camera(services: ApiServices, camera_id: str) -> CameraConfig:
    camera = next((c for c in services.config.cameras if c.id == camera_id and c.enabled), None)
    if camera is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"camera {camera_id!r} is not displayed")
    return camera


def _camera_counts(camera: CameraConfig, frame: LatestFrame | None) -> CameraCounts:
    out = CameraCounts(id=camera.id, name=camera.label, updated_at=None)
    if frame is None:
        return out
    import cv2

    out.updated_at = frame.time
    polygons = {z.name: np.asarray(z.polygon, np.float32).reshape(-1, 1, 2) for z in camera.zones}
    zones = {name: Counts() for name in polygons}
    for track in frame.tracks:
        field = LABELS.get(track.label)
        if field is None:
            continue
        setattr(out, field, getattr(out, field) + 1)
        x, y, w, h = track.box
        foot = (float(x + w / 2), float(y + h))
        for name, polygon in polygons.items():
            if cv2.pointPolygonTest(polygon, foot, False) >= 0:
                setattr(zones[name], field, getattr(zones[name], field) + 1)
    out.zones = zones
    return out


# camera -> (the frame, its blurred JPEG): one blur per frame, whichever kiosks ask.
_cache: dict[str, tuple[LatestFrame, bytes]] = {}
_cache_lock = threading.Lock()


def _blurred(frame: LatestFrame) -> bytes:
    with _cache_lock:
        cached = _cache.get(frame.camera_id)
    if cached is not None and cached[0] is frame:
        return cached[1]
    jpeg = blur_people(frame)
    with _cache_lock:
        _cache[frame.camera_id] = (frame, jpeg)
    return jpeg


def blur_people(frame: LatestFrame) -> bytes:
    """The frame with face boxes and whole person boxes blurred; the whole picture when the
    pipeline did not say where people are (fail closed)."""
    import cv2

    image = cv2.imdecode(np.frombuffer(frame.jpeg, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError("cannot decode the JPEG to blur it")
    if frame.persons is None:
        return encode_jpeg(blur_all(image))
    out = blur_faces(image, frame.persons, BODY_MARGIN)
    if frame.faces:
        out = blur_faces(out, frame.faces, FACE_MARGIN)
    return encode_jpeg(out)
