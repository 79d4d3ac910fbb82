"""Cameras: the list (configured and stored), editing (admins), snapshots and the live view.

A camera is listed when the running configuration names it or the store has a row for it
(records from a camera since removed still refer to it). Edits change the configuration this
process holds and the store's row, and, when the server was started from a configuration file,
that file (config/editing.py: only the camera's entry changes, the old text is kept as .bak);
a running pipeline keeps the cameras it started with until it is restarted.

Snapshots and the MJPEG live view serve the latest frames the pipeline feeds to
`ApiServices.frames`, faces blurred unless an investigator asks for `unblurred=true`; `tracks`
gives the tracked objects of the latest frame (ids, classes, boxes) for the live wall to draw.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated

import anyio
from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import ValidationError

from citywatch.api.access import audit, audit_unblurred
from citywatch.api.deps import Admin, Services, Viewer
from citywatch.api.errors import ERROR_RESPONSE
from citywatch.api.frames import LatestFrame, LatestFrames
from citywatch.api.media import PRIVATE
from citywatch.api.roles import Role, User
from citywatch.api.schemas import (
    CameraCreate,
    CameraIn,
    CameraOut,
    LiveTrackOut,
    LiveTracksOut,
    Page,
    PageQuery,
    PointOut,
    box_out,
    first_problem,
)
from citywatch.api.services import ApiServices
from citywatch.config import CameraConfig
from citywatch.config.editing import EDITABLE, remove_camera, save_camera
from citywatch.core.errors import ConfigError
from citywatch.core.redact import mask_url
from citywatch.store import CameraInfo

router = APIRouter(prefix="/api/cameras", tags=["cameras"])

BOUNDARY = "frame"
# One lock for every edit: each reads the camera list, changes it and puts it back.
_edits = threading.Lock()

Unblurred = Annotated[
    bool, Query(description="faces as they are (investigators; a viewer gets 403)")
]


@router.get("", summary="Cameras, configured and stored")
def list_cameras(
    user: Viewer,
    services: Services,
    page: PageQuery,
    configured: Annotated[bool | None, Query(description="only (not) configured ones")] = None,
) -> Page[CameraOut]:
    configs = {c.id: c for c in services.config.cameras}
    rows = {r.id: r for r in services.store.cameras()}
    ids = sorted(set(configs) | set(rows))
    if configured is not None:
        ids = [i for i in ids if (i in configs) == configured]
    listed = [_camera_out(user, services, i, configs.get(i), rows.get(i)) for i in ids]
    return page.slice(listed)


@router.get("/{camera_id}", summary="One camera", responses={404: ERROR_RESPONSE})
def get_camera(camera_id: str, user: Viewer, services: Services) -> CameraOut:
    config, row = _find(services, camera_id)
    return _camera_out(user, services, camera_id, config, row)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add a camera (admins; written to the configuration file the server started from)",
    responses={409: ERROR_RESPONSE, 422: ERROR_RESPONSE},
)
def create_camera(body: CameraCreate, user: Admin, services: Services) -> CameraOut:
    camera = _validated(body.model_dump())
    with _edits:
        if any(c.id == camera.id for c in services.config.cameras):
            raise HTTPException(status.HTTP_409_CONFLICT, f"camera {camera.id!r} already exists")
        _persist(services, lambda path: save_camera(path, camera))
        services.store.upsert_camera(camera)
        _set_cameras(services, [*services.config.cameras, camera])
    detail = {"settings": _settings(camera)}
    audit(services, user, "camera.create", detail=detail, target=f"camera {camera.id}")
    return get_camera(camera.id, user, services)


@router.put(
    "/{camera_id}",
    summary="Change a camera's settings (admins; zones and rules stay as configured)",
    responses={404: ERROR_RESPONSE, 422: ERROR_RESPONSE},
)
def update_camera(camera_id: str, body: CameraIn, user: Admin, services: Services) -> CameraOut:
    with _edits:
        cameras = list(services.config.cameras)
        index = _configured_index(cameras, camera_id)
        values = body.model_dump()
        if values["source"] is None:
            values["source"] = cameras[index].source
        fresh = _validated({"id": camera_id, **values})
        changed = cameras[index].model_copy(update={k: getattr(fresh, k) for k in EDITABLE})
        _persist(services, lambda path: save_camera(path, changed))
        services.store.upsert_camera(changed)
        before = cameras[index]
        cameras[index] = changed
        _set_cameras(services, cameras)
    detail = {"before": _settings(before), "after": _settings(changed)}
    audit(services, user, "camera.update", detail=detail, target=f"camera {camera_id}")
    return get_camera(camera_id, user, services)


@router.delete(
    "/{camera_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a camera from the configuration (admins; its records stay)",
    responses={404: ERROR_RESPONSE, 409: ERROR_RESPONSE},
)
def delete_camera(camera_id: str, user: Admin, services: Services) -> Response:
    with _edits:
        cameras = list(services.config.cameras)
        index = _configured_index(cameras, camera_id)
        for other in cameras:
            if any(n.camera == camera_id for n in other.neighbours):
                raise HTTPException(
                    status.HTTP_409_CONFLICT,
                    f"camera {camera_id!r} is a neighbour of {other.id!r}; remove that first",
                )
        del cameras[index]
        _persist(services, lambda path: remove_camera(path, camera_id))
        _set_cameras(services, cameras)
        services.frames.forget(camera_id)
    audit(services, user, "camera.delete", target=f"camera {camera_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{camera_id}/snapshot",
    summary="The camera's latest frame as JPEG, faces blurred unless asked otherwise",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}}},
        403: ERROR_RESPONSE,
        404: ERROR_RESPONSE,
    },
)
def snapshot(
    camera_id: str, user: Viewer, services: Services, unblurred: Unblurred = False
) -> Response:
    raw = audit_unblurred(services, user, unblurred, f"camera {camera_id} snapshot")
    _find(services, camera_id)
    frame = services.frames.get(camera_id)
    if frame is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"camera {camera_id!r}: no live frame (the pipeline is not running in this server, "
            "or has not read a frame yet)",
        )
    try:
        jpeg = frame.jpeg if raw else services.frames.blurred(frame)
    except ValueError:
        raise HTTPException(
            status.HTTP_500_INTERNAL_SERVER_ERROR, f"camera {camera_id!r}: cannot blur the frame"
        ) from None
    headers = {**PRIVATE, "X-Frame-Time": f"{frame.time:.3f}", "X-Frame-Seq": str(frame.seq)}
    return Response(jpeg, media_type="image/jpeg", headers=headers)


@router.get(
    "/{camera_id}/tracks",
    summary="What is tracked in the camera's latest live frame: ids, classes, boxes",
    responses={404: ERROR_RESPONSE},
)
def live_tracks(camera_id: str, user: Viewer, services: Services) -> LiveTracksOut:
    _find(services, camera_id)
    frame = services.frames.get(camera_id)
    if frame is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"camera {camera_id!r}: no live frame")
    width, height = frame.size if frame.size is not None else (None, None)
    return LiveTracksOut(
        camera=camera_id,
        seq=frame.seq,
        time=frame.time,
        width=width,
        height=height,
        tracks=[
            LiveTrackOut(track_id=t.track_id, label=t.label, box=box_out(t.box))
            for t in frame.tracks
        ],
    )


@router.get(
    "/{camera_id}/live.mjpeg",
    summary="The camera's frames as an MJPEG stream (multipart/x-mixed-replace)",
    response_class=StreamingResponse,
    responses={
        200: {"content": {f"multipart/x-mixed-replace; boundary={BOUNDARY}": {}}},
        403: ERROR_RESPONSE,
        404: ERROR_RESPONSE,
    },
)
async def live(
    camera_id: str,
    request: Request,
    user: Viewer,
    services: Services,
    unblurred: Unblurred = False,
    fps: Annotated[float, Query(gt=0, le=30, description="frames a second at most")] = 5.0,
    max_frames: Annotated[
        int | None, Query(ge=1, description="stop after this many (default: until closed)")
    ] = None,
) -> StreamingResponse:
    raw = await run_in_threadpool(
        audit_unblurred, services, user, unblurred, f"camera {camera_id} live stream"
    )
    _find(services, camera_id)
    parts = _mjpeg(request, services.frames, camera_id, raw, 1.0 / fps, max_frames)
    return StreamingResponse(
        parts,
        media_type=f"multipart/x-mixed-replace; boundary={BOUNDARY}",
        headers=PRIVATE,
    )


async def _mjpeg(
    request: Request,
    frames: LatestFrames,
    camera_id: str,
    raw: bool,
    interval: float,
    max_frames: int | None,
) -> AsyncIterator[bytes]:
    last = -1
    sent = 0
    while max_frames is None or sent < max_frames:
        frame = frames.get(camera_id)
        if frame is not None and frame.seq != last:
            last = frame.seq
            jpeg = await _jpeg_for(frames, frame, raw)
            if jpeg is not None:
                head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                head += f"Content-Length: {len(jpeg)}\r\nX-Frame-Time: {frame.time:.3f}\r\n\r\n"
                yield head.encode() + jpeg + b"\r\n"
                sent += 1
                continue
        if await request.is_disconnected():
            return
        await anyio.sleep(interval)


async def _jpeg_for(frames: LatestFrames, frame: LatestFrame, raw: bool) -> bytes | None:
    if raw:
        return frame.jpeg
    try:
        return await anyio.to_thread.run_sync(frames.blurred, frame)
    except ValueError:
        return None  # an undecodable frame is skipped, never sent unblurred


# -- helpers ----------------------------------------------------------------------------------


def _settings(camera: CameraConfig) -> dict[str, object]:
    """A camera's editable settings for the audit log, the source's password masked."""
    values = camera.model_dump(mode="json", include=set(EDITABLE))
    if isinstance(values.get("source"), str):
        values["source"] = mask_url(values["source"])
    return values


def _find(services: ApiServices, camera_id: str) -> tuple[CameraConfig | None, CameraInfo | None]:
    config = next((c for c in services.config.cameras if c.id == camera_id), None)
    row = next((r for r in services.store.cameras() if r.id == camera_id), None)
    if config is None and row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"camera {camera_id!r} is not known")
    return config, row


def _configured_index(cameras: list[CameraConfig], camera_id: str) -> int:
    for index, camera in enumerate(cameras):
        if camera.id == camera_id:
            return index
    raise HTTPException(
        status.HTTP_404_NOT_FOUND, f"camera {camera_id!r} is not in the configuration"
    )


def _validated(values: dict[str, object]) -> CameraConfig:
    """The settings checked by the configuration's own rules; 422 naming the field."""
    try:
        return CameraConfig.model_validate(values)
    except ValidationError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, first_problem(error)) from None


def _persist(services: ApiServices, edit: Callable[[Path], None]) -> None:
    """Write the edit to the configuration file first: when that fails, nothing changes."""
    if services.config_path is None:
        return
    try:
        edit(services.config_path)
    except ConfigError as error:
        raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, str(error)) from None


def _set_cameras(services: ApiServices, cameras: list[CameraConfig]) -> None:
    services.config = services.config.model_copy(update={"cameras": cameras})


def _camera_out(
    user: User,
    services: ApiServices,
    camera_id: str,
    config: CameraConfig | None,
    row: CameraInfo | None,
) -> CameraOut:
    frame = services.frames.get(camera_id)
    position = None
    if config is not None and config.position is not None:
        position = PointOut(x=config.position.x, y=config.position.y)
    elif row is not None and row.position is not None:
        position = PointOut(x=row.position[0], y=row.position[1])
    source = None
    if user.may(Role.ADMIN):
        source = mask_url(config.source) if config is not None else row.source if row else None
    base = f"/api/cameras/{camera_id}"
    return CameraOut(
        id=camera_id,
        name=config.label if config is not None else row.name if row is not None else camera_id,
        source=source,
        fps=config.fps if config is not None else row.fps if row is not None else None,
        enabled=config.enabled if config is not None else None,
        position=position,
        configured=config is not None,
        stored=row is not None,
        created_at=row.created_at if row is not None else None,
        updated_at=row.updated_at if row is not None else None,
        last_frame_at=frame.time if frame is not None else None,
        snapshot_url=f"{base}/snapshot" if frame is not None else None,
        live_url=f"{base}/live.mjpeg" if config is not None else None,
    )
