"""Appearance of tracked people: best body crops per track, one embedding and identity per track.

While a person is tracked, the stage keeps the track's few best body views: large, confident,
not cut by the frame edge and not overlapped by another person (an occluded crop embeds the
occluder). When the track ends they are embedded once, averaged into the track's appearance,
read for attributes, and the track is associated with an identity across cameras. The cost is
paid once per track, not per frame (`ms_per_track`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections
from citywatch.core.frame import Frame
from citywatch.core.records import Sighting, TrackAppearance, TrackRecord
from citywatch.pipeline.trackbook import crop
from citywatch.reid.association import AppearanceSummary, Associator
from citywatch.reid.base import PersonEmbedder
from citywatch.reid.topology import Span

log = logging.getLogger("citywatch.pipeline")

_OCCLUDED_IOA = 0.3  # share of a box covered by another person's box that spoils its crop
_EDGE_PX = 2.0  # a box this close to the frame edge is cut off


class AttributeReader(Protocol):
    def read(self, body_crops: list[np.ndarray], face_crops: list[np.ndarray]) -> object: ...


class GaitSource(Protocol):
    def process(self, frame: Frame, tracks: Detections) -> None: ...
    def finish(self, ended_track_ids: list[int]) -> Mapping[int, object]: ...


@dataclass
class _Crops:
    ranked: list[tuple[float, np.ndarray]] = field(default_factory=list)  # best first

    def offer(self, rank: float, image: np.ndarray, keep: int) -> None:
        if len(self.ranked) >= keep and rank <= self.ranked[-1][0]:
            return
        self.ranked.append((rank, image))
        self.ranked.sort(key=lambda item: -item[0])
        del self.ranked[keep:]


class ReidStage:
    def __init__(
        self,
        embedder: PersonEmbedder,
        associator: Associator,
        camera_id: str,
        run_id: str,
        best_crops: int = 4,
        min_height_px: float = 48.0,
        min_frames: int = 5,
        attributes: AttributeReader | None = None,
        gait: GaitSource | None = None,
    ) -> None:
        self.embedder = embedder
        self.associator = associator
        self.camera_id = camera_id
        self.run_id = run_id
        self.best_crops = best_crops
        self.min_height_px = min_height_px
        self.min_frames = min_frames
        self.attributes = attributes
        self.gait = gait
        self._tracks: dict[int, _Crops] = {}
        self._gait: dict[int, object] = {}
        self.tracks_embedded = 0
        self.busy_s = 0.0

    @property
    def ms_per_track(self) -> float:
        return 1000 * self.busy_s / max(self.tracks_embedded, 1)

    def process(self, frame: Frame, tracks: Detections) -> None:
        if self.gait is not None:  # every frame, all tracks: others' boxes mark occlusion
            self.gait.process(frame, tracks)
        people = tracks[tracks.class_id == int(ObjectClass.PERSON)]
        if not len(people):
            return
        height, width = frame.image.shape[:2]
        covered = _covered_share(people.xyxy)
        for row in range(len(people)):
            x1, y1, x2, y2 = (float(v) for v in people.xyxy[row])
            box_height = y2 - y1
            if box_height < self.min_height_px or covered[row] > _OCCLUDED_IOA:
                continue
            if x1 < _EDGE_PX or y1 < _EDGE_PX or x2 > width - _EDGE_PX or y2 > height - _EDGE_PX:
                continue
            rank = float(people.confidence[row]) * np.sqrt(box_height * (x2 - x1))
            track_id = int(people.tracker_id[row])
            crops = self._tracks.setdefault(track_id, _Crops())
            if len(crops.ranked) < self.best_crops or rank > crops.ranked[-1][0]:
                crops.offer(rank, crop(frame.image, people.xyxy[row], margin=0.0), self.best_crops)

    def finish(self, ended: list[int]) -> None:
        """Called with every ended track id: gait signatures are collected for `appearance`."""
        if self.gait is not None:
            self._gait.update(self.gait.finish(ended))

    def appearance(self, record: TrackRecord, sightings: list[Sighting]) -> TrackAppearance | None:
        """The ended track's appearance and identity; None for tracks too short or unseen."""
        crops = self._tracks.pop(record.local_id, None)
        gait = self._gait.pop(record.local_id, None)
        if crops is None or not crops.ranked or record.frames < self.min_frames:
            return None
        started = time.perf_counter()
        images = [image for _, image in crops.ranked]
        vectors = self.embedder.embed(images)
        mean = vectors.mean(axis=0)
        embedding = (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)
        gait_vector = getattr(gait, "vector", None)
        link = self.associator.assign(
            AppearanceSummary(
                key=(record.camera_id, record.run_id, record.local_id),
                span=Span(record.camera_id, record.started_at, record.ended_at),
                embedding=embedding,
                gait=gait_vector,
            )
        )
        attributes = None
        if self.attributes is not None:
            faces = [s.thumbnail for s in sightings if s.kind == "face" and s.thumbnail is not None]
            read = self.attributes.read(images, faces)
            to_json = getattr(read, "to_json", None)
            attributes = to_json() if callable(to_json) else None
        self.busy_s += time.perf_counter() - started
        self.tracks_embedded += 1
        return TrackAppearance(
            embedder=self.embedder.name,
            embedding=embedding,
            identity_id=link.identity_id,
            crops=len(images),
            link_distance=link.distance,
            linked_to=link.linked_to,
            link_source=link.source,
            attributes=attributes,
            gait=gait_vector,
            gait_quality=getattr(gait, "quality", None),
        )

    def discard(self, ended: list[int]) -> None:
        """Forget tracks that ended without a record (never confirmed by the tracker)."""
        for track_id in ended:
            self._tracks.pop(track_id, None)
            self._gait.pop(track_id, None)


def _covered_share(xyxy: np.ndarray) -> np.ndarray:
    """For each box, the largest share of its area that one other box covers."""
    n = len(xyxy)
    if n < 2:
        return np.zeros(n, dtype=np.float32)
    x1 = np.maximum(xyxy[:, None, 0], xyxy[None, :, 0])
    y1 = np.maximum(xyxy[:, None, 1], xyxy[None, :, 1])
    x2 = np.minimum(xyxy[:, None, 2], xyxy[None, :, 2])
    y2 = np.minimum(xyxy[:, None, 3], xyxy[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = np.maximum((xyxy[:, 2] - xyxy[:, 0]) * (xyxy[:, 3] - xyxy[:, 1]), 1e-6)
    share = inter / area[:, None]
    np.fill_diagonal(share, 0.0)
    return share.max(axis=1)
