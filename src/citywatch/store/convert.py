"""Translations between the pipeline's records, the table rows and the read models.

Values are turned into plain Python here (numpy scalars from the pipeline become float/int,
non-finite floats in JSON become null) because the database drivers and JSON encoders accept
nothing else, and a record rejected at commit time would be far from the code that made it.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np

from citywatch.core.classes import ObjectClass
from citywatch.core.records import (
    Event,
    PlateRecord,
    Sighting,
    TrackAppearance,
    TrackPoint,
    TrackRecord,
)
from citywatch.store.readmodels import CameraInfo, EventInfo, SightingInfo, TrackInfo
from citywatch.store.schema import CameraRow, EventRow, SightingRow, TrackRow


def utc_day(time: float) -> dt.date:
    """The UTC calendar day of a Unix time: the unit retention drops."""
    return dt.datetime.fromtimestamp(time, tz=dt.UTC).date()


def plain_json(value: Any, where: str = "value") -> Any:
    """`value` as JSON-ready Python; raises TypeError naming `where` for what JSON cannot hold."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, int):
        return int(value)  # also turns an IntEnum into its number
    if isinstance(value, float):
        # JSON has no NaN or infinity, and PostgreSQL rejects them in a json column.
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.generic):
        return plain_json(value.item(), where)
    if isinstance(value, np.ndarray):
        return plain_json(value.tolist(), where)
    if isinstance(value, dict):
        return {str(k): plain_json(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise TypeError(f"{where}: {type(value).__name__} cannot be stored as JSON")


def track_key(track: TrackRecord) -> tuple[str, str, int]:
    return (track.camera_id, track.run_id, int(track.local_id))


def track_values(track: TrackRecord) -> dict[str, Any]:
    """Column values of a track row (everything but the id)."""
    return {
        "camera_id": track.camera_id,
        "run_id": track.run_id,
        "local_id": int(track.local_id),
        "class_id": int(track.class_id),
        "started_at": float(track.started_at),
        "ended_at": float(track.ended_at),
        "frames": int(track.frames),
        "path": [
            [float(p.time), float(p.x), float(p.y)]
            for p in track.path
            # A point with a NaN is no point; JSON could not hold it anyway.
            if math.isfinite(p.time) and math.isfinite(p.x) and math.isfinite(p.y)
        ],
    }


def sighting_values(
    sighting: Sighting, track_id: int | None, thumbnail: str | None
) -> dict[str, Any]:
    """Column values of a sighting row (everything but the id)."""
    x, y, w, h = (float(v) for v in sighting.best_box)
    return {
        "track_id": track_id,
        "camera_id": sighting.camera_id,
        "kind": sighting.kind,
        "first_seen": float(sighting.first_seen),
        "last_seen": float(sighting.last_seen),
        "best_time": float(sighting.best_time),
        "box_x": x,
        "box_y": y,
        "box_w": w,
        "box_h": h,
        "best_score": float(sighting.best_score),
        "thumbnail_path": thumbnail,
        "day": utc_day(float(sighting.first_seen)),
        "embedder": sighting.embedder if sighting.embedding is not None else None,
        "embedding": vector_bytes(sighting.embedding),
    }


def vector_bytes(vector: Any) -> bytes | None:
    """An embedding as float32 bytes (native order: the database never leaves this host's
    family of machines, and numpy reads it back with frombuffer)."""
    if vector is None:
        return None
    return np.ascontiguousarray(np.asarray(vector, dtype=np.float32).reshape(-1)).tobytes()


def vector_from(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float32)


def appearance_values(
    appearance: TrackAppearance, track_id: int, track: TrackRecord
) -> dict[str, Any]:
    """Column values of a track appearance row (everything but the id)."""
    return {
        "track_id": track_id,
        "camera_id": track.camera_id,
        "started_at": float(track.started_at),
        "identity_id": appearance.identity_id,
        "link_distance": None
        if appearance.link_distance is None
        else float(appearance.link_distance),
        "link_source": appearance.link_source,
        "embedder": appearance.embedder,
        "embedding": vector_bytes(appearance.embedding),
        "crops": int(appearance.crops),
        "attributes": None
        if appearance.attributes is None
        else plain_json(appearance.attributes, "attributes"),
        "gait": vector_bytes(appearance.gait),
        "gait_quality": None if appearance.gait_quality is None else float(appearance.gait_quality),
        "day": utc_day(float(track.started_at)),
    }


def plate_values(plate: PlateRecord, track_id: int, thumbnail: str | None) -> dict[str, Any]:
    """Column values of a plate read row (everything but the id)."""
    from citywatch.store.plates import plate_key

    x, y, w, h = (float(v) for v in plate.box)
    return {
        "track_id": track_id,
        "camera_id": plate.camera_id,
        "time": float(plate.time),
        "text": plate.text,
        "text_key": plate_key(plate.text),
        "confidence": float(plate.confidence),
        "votes": int(plate.votes),
        "box_x": x,
        "box_y": y,
        "box_w": w,
        "box_h": h,
        "vehicle_type": plate.vehicle_type,
        "vehicle_colour": plate.vehicle_colour,
        "thumbnail_path": thumbnail,
        "day": utc_day(float(plate.time)),
    }


def event_values(event: Event, values: dict[str, Any], thumbnail: str | None) -> dict[str, Any]:
    """Column values of an event row (everything but the id); `values` already JSON-ready."""
    return {
        "camera_id": event.camera_id,
        "time": float(event.time),
        "type": event.type,
        "rule": event.rule,
        "values": values,
        "run_id": event.run_id,
        "track_local_id": None if event.track_local_id is None else int(event.track_local_id),
        "thumbnail_path": thumbnail,
        "clip_path": event.clip_path,
        "day": utc_day(float(event.time)),
    }


def camera_info(row: CameraRow) -> CameraInfo:
    position = None
    if row.position_x is not None and row.position_y is not None:
        position = (row.position_x, row.position_y)
    return CameraInfo(
        id=row.id,
        name=row.name,
        source=row.source,
        fps=row.fps,
        position=position,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def track_info(row: TrackRow) -> TrackInfo:
    try:
        class_id: ObjectClass | int = ObjectClass(row.class_id)
    except ValueError:
        class_id = row.class_id  # written by a newer citywatch with more classes
    return TrackInfo(
        id=row.id,
        camera_id=row.camera_id,
        run_id=row.run_id,
        local_id=row.local_id,
        class_id=class_id,
        started_at=row.started_at,
        ended_at=row.ended_at,
        frames=row.frames,
        path=tuple(TrackPoint(float(t), float(x), float(y)) for t, x, y in row.path),
    )


def sighting_info(row: SightingRow) -> SightingInfo:
    return SightingInfo(
        id=row.id,
        track_id=row.track_id,
        camera_id=row.camera_id,
        kind=row.kind,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        best_time=row.best_time,
        box=(row.box_x, row.box_y, row.box_w, row.box_h),
        best_score=row.best_score,
        thumbnail_path=row.thumbnail_path,
        day=row.day,
        embedder=row.embedder,
    )


def event_info(row: EventRow) -> EventInfo:
    return EventInfo(
        id=row.id,
        camera_id=row.camera_id,
        time=row.time,
        type=row.type,
        rule=row.rule,
        values=dict(row.values),
        run_id=row.run_id,
        track_local_id=row.track_local_id,
        thumbnail_path=row.thumbnail_path,
        day=row.day,
        clip_path=row.clip_path,
    )
