"""What the pipeline hands to storage: finished tracks, sightings and rule events.

Times are Unix seconds (`Frame.wall_time`); boxes are pixel `(x, y, w, h)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from citywatch.core.classes import ObjectClass

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class LiveTrack:
    """One tracked object in a live frame (what the live wall draws), in that frame's pixels."""

    track_id: int
    label: str  # object class: person, vehicle, bicycle
    box: Box  # x, y, w, h


@dataclass(frozen=True)
class TrackPoint:
    time: float
    x: float  # foot point, pixels
    y: float


@dataclass(frozen=True)
class TrackRecord:
    """One tracked object on one camera, from birth to death (or to the stop of the run).

    `run_id` tells runs of the same camera apart, since tracker ids restart with each run.
    """

    camera_id: str
    run_id: str
    local_id: int
    class_id: ObjectClass
    started_at: float
    ended_at: float
    frames: int
    path: tuple[TrackPoint, ...] = ()


@dataclass(frozen=True)
class Sighting:
    """Where and when something was seen, with its best picture.

    `kind` is "object" for the tracked body or vehicle; later stages add "face" and "plate".
    `thumbnail` is a BGR crop the store writes to its media folder (the record keeps the path).
    """

    camera_id: str
    kind: str
    first_seen: float
    last_seen: float
    best_time: float
    best_box: Box
    best_score: float
    thumbnail: np.ndarray | None = field(default=None, repr=False, compare=False)
    # Face sightings carry their embedding (L2-normalised float32) and the model that made it,
    # so a photo search can find them later.
    embedding: np.ndarray | None = field(default=None, repr=False, compare=False)
    embedder: str | None = None


@dataclass(frozen=True)
class Alert:
    """A tracked face matched a watchlist entry: a candidate for a person to review.

    `distance` is the embedder's cosine distance to the entry's closest photo; `threshold` the
    one in force when it fired. `evidence` is the face crop (BGR) the store keeps as a file.
    """

    camera_id: str
    time: float  # wall time of the frame that matched
    run_id: str
    track_local_id: int
    entry_id: int
    entry_name: str
    distance: float
    threshold: float
    embedder: str
    face_box: Box
    frame_index: int = -1  # the matching frame, counted from 0 in the source
    evidence: np.ndarray | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Event:
    """A rule firing: the rule's name, its type and the values that made it fire."""

    camera_id: str
    time: float
    type: str
    rule: str
    values: dict[str, Any] = field(default_factory=dict)
    run_id: str | None = None
    track_local_id: int | None = None
    thumbnail: np.ndarray | None = field(default=None, repr=False, compare=False)
    clip_path: str | None = None  # evidence clip, relative to the data directory


@dataclass(frozen=True)
class TrackAppearance:
    """What a person track looked like, and which person across cameras it was taken to be.

    `embedding` is the re-ID model's L2-normalised mean over the track's best crops;
    `identity_id` names the person across cameras (a new one when nothing matched),
    `linked_to` the earlier track it was matched with and `link_distance` how close that was.
    `attributes` are search filters only (clothing colour, bag, ...; `citywatch.attributes`).
    """

    embedder: str
    embedding: np.ndarray = field(repr=False, compare=False)
    identity_id: str
    crops: int
    link_distance: float | None = None
    linked_to: tuple[str, str, int] | None = None  # (camera_id, run_id, local_id)
    link_source: str = "appearance"  # "appearance", "appearance+gait", "new", "operator"
    attributes: dict[str, Any] | None = None
    gait: np.ndarray | None = field(default=None, repr=False, compare=False)
    gait_quality: float | None = None


@dataclass(frozen=True)
class PlateRecord:
    """A vehicle track's licence plate, voted over the frames it was read in.

    `text` is normalised (upper case, no spaces or dashes); `box` the plate in the frame of
    its best read; `thumbnail` that frame's crop of the vehicle, kept as evidence.
    """

    camera_id: str
    time: float
    text: str
    confidence: float
    votes: int
    box: Box
    vehicle_type: str | None = None
    vehicle_colour: str | None = None
    thumbnail: np.ndarray | None = field(default=None, repr=False, compare=False)
