"""What the store's queries return: small frozen values, detached from any database session.

Times are Unix seconds; boxes are pixel `(x, y, w, h)`; `thumbnail_path` is relative to the
data directory (None when thumbnails are off, the crop was unusable or the write failed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from citywatch.core.classes import ObjectClass
from citywatch.core.records import Box, TrackPoint


@dataclass(frozen=True, slots=True)
class CameraInfo:
    id: str
    name: str
    source: str  # any password in it masked
    fps: float
    position: tuple[float, float] | None
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class TrackInfo:
    id: int
    camera_id: str
    run_id: str
    local_id: int
    class_id: ObjectClass | int  # a plain int only for a class this version does not know
    started_at: float
    ended_at: float
    frames: int
    path: tuple[TrackPoint, ...]


@dataclass(frozen=True, slots=True)
class SightingInfo:
    id: int
    track_id: int | None
    camera_id: str
    kind: str
    first_seen: float
    last_seen: float
    best_time: float
    box: Box
    best_score: float
    thumbnail_path: str | None
    day: dt.date
    embedder: str | None = None  # face sightings: the model of their stored embedding


@dataclass(frozen=True, slots=True)
class EventInfo:
    id: int
    camera_id: str
    time: float
    type: str
    rule: str
    values: dict[str, Any]
    run_id: str | None
    track_local_id: int | None
    thumbnail_path: str | None
    day: dt.date
    clip_path: str | None = None


@dataclass(frozen=True, slots=True)
class StoreCounts:
    cameras: int
    tracks: int
    sightings: int
    events: int


@dataclass(frozen=True, slots=True)
class WatchlistEntryInfo:
    id: int
    name: str
    reason: str
    legal_basis: str
    enrolled_by: str
    created_at: float
    expires_at: float
    removed_at: float | None
    photos: int

    def active(self, now: float) -> bool:
        return self.removed_at is None and self.expires_at > now


@dataclass(frozen=True, slots=True)
class AlertInfo:
    id: int
    camera_id: str
    time: float
    run_id: str
    track_local_id: int
    entry_id: int
    entry_name: str
    distance: float
    threshold: float
    embedder: str
    face_box: Box
    evidence_path: str | None
    review: str
    day: dt.date


@dataclass(frozen=True, slots=True)
class AppearanceInfo:
    """A stored person track with its appearance: what search by example and trajectories read.

    `thumbnail_path` and `box` are the track's best body view ("object" sighting).
    """

    track_id: int
    camera_id: str
    run_id: str
    local_id: int
    started_at: float
    ended_at: float
    identity_id: str | None
    link_distance: float | None
    link_source: str
    embedder: str
    embedding: Any  # np.ndarray, L2-normalised float32
    attributes: dict[str, Any] | None
    box: Box | None
    best_time: float | None
    thumbnail_path: str | None
