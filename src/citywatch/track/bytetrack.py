"""ByteTrack-style multi-object tracker.

Every detection is kept, not only confident ones: confident detections start and continue
tracks; weak ones (often a person partly hidden) may only continue a track that already exists,
in a second association round. Motion is a Kalman filter per track; a lost track is kept for
`max_lost_s` seconds so a person who was hidden can take their id back.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from citywatch.config.pipeline import TrackerConfig
from citywatch.core.boxes import box_iou
from citywatch.core.detections import Detections
from citywatch.track.kalman import BoxKalman
from citywatch.track.matching import assign


def _expand(xyxy: np.ndarray, fraction: float) -> np.ndarray:
    wh = xyxy[:, 2:] - xyxy[:, :2]
    pad = np.concatenate([wh, wh], axis=1) * fraction / 2
    return xyxy + pad * np.array([-1, -1, 1, 1])


class TrackState(Enum):
    TENTATIVE = "tentative"  # born, not yet matched often enough to be reported
    TRACKED = "tracked"
    LOST = "lost"


@dataclass
class Track:
    track_id: int
    class_id: int
    kalman: BoxKalman
    score: float
    state: TrackState = TrackState.TENTATIVE
    hits: int = 1
    frames_since_seen: int = 0
    data: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def xyxy(self) -> np.ndarray:
        return self.kalman.xyxy


class ByteTracker:
    """`update(detections)` once per analysed frame; returns the confirmed, visible tracks."""

    def __init__(self, config: TrackerConfig = TrackerConfig(), frame_rate: float = 10.0) -> None:
        self.config = config
        self.max_lost_frames = max(1, round(config.max_lost_s * frame_rate))
        self._buffer_per_frame = config.lost_buffer_per_s / frame_rate
        self._ids = itertools.count(1)
        self._tracks: list[Track] = []
        self._ended: list[int] = []

    @property
    def tracks(self) -> list[Track]:
        return list(self._tracks)

    def pop_ended(self) -> list[int]:
        """Ids of reported tracks that ended since the last call (births are visible in update)."""
        ended, self._ended = self._ended, []
        return ended

    def end_all(self) -> list[int]:
        """Finish every track (end of a file, clean stop) and return the reported ones' ids."""
        for track in self._tracks:
            self._retire(track)
        self._tracks = []
        return self.pop_ended()

    def update(self, detections: Detections, dt: float = 1.0) -> Detections:
        cfg = self.config
        for track in self._tracks:
            track.kalman.predict(dt)

        keep = detections.confidence >= cfg.low_threshold
        detections = detections[keep]
        high = np.flatnonzero(detections.confidence >= cfg.high_threshold)
        low = np.flatnonzero(detections.confidence < cfg.high_threshold)

        confirmed = [t for t in self._tracks if t.state is not TrackState.TENTATIVE]
        tentative = [t for t in self._tracks if t.state is TrackState.TENTATIVE]
        matched: dict[int, int] = {}  # id(track) -> detection row

        # Round 1: confident detections against every confirmed track, lost ones included.
        first = assign(self._similarity(confirmed, detections, high), cfg.match_iou)
        for r, c in first.pairs:
            matched[id(confirmed[r])] = int(high[c])
        leftover_high = high[first.unmatched_cols]

        # Round 2: weak detections may only continue tracks that were visible last frame.
        remaining = [
            confirmed[r] for r in first.unmatched_rows if confirmed[r].state is TrackState.TRACKED
        ]
        second = assign(self._similarity(remaining, detections, low), cfg.low_match_iou)
        for r, c in second.pairs:
            matched[id(remaining[r])] = int(low[c])

        # Round 3: tentative tracks against what is left of the confident detections.
        third = assign(self._similarity(tentative, detections, leftover_high), cfg.low_match_iou)
        for r, c in third.pairs:
            matched[id(tentative[r])] = int(leftover_high[c])
        unclaimed = leftover_high[third.unmatched_cols]

        survivors: list[Track] = []
        for track in self._tracks:
            row = matched.get(id(track))
            if row is not None:
                self._continue(track, detections, row)
                survivors.append(track)
            elif track.state is TrackState.TENTATIVE:
                continue  # a tentative track that misses a frame was noise
            else:
                track.state = TrackState.LOST
                track.frames_since_seen += 1
                if track.frames_since_seen > self.max_lost_frames:
                    self._retire(track)
                else:
                    survivors.append(track)

        for row in unclaimed:
            if detections.confidence[row] >= cfg.new_track_threshold:
                survivors.append(self._birth(detections, int(row)))
        self._tracks = survivors
        return self._visible()

    def _similarity(
        self, tracks: list[Track], detections: Detections, rows: np.ndarray
    ) -> np.ndarray:
        if not tracks or not len(rows):
            return np.zeros((len(tracks), len(rows)), dtype=np.float32)
        boxes = np.stack([t.xyxy for t in tracks])
        dets = detections.xyxy[rows]
        iou = box_iou(boxes, dets)
        lost = np.array([t.frames_since_seen for t in tracks])
        if self._buffer_per_frame > 0 and (lost > 0).any():
            # A hidden person's predicted box drifts; widen both boxes in proportion to the time
            # since they were last seen so they can still overlap when the person reappears.
            grow = np.minimum(self._buffer_per_frame * lost, self.config.lost_buffer_max)
            for i in np.flatnonzero(lost > 0):
                iou[i] = box_iou(_expand(boxes[i : i + 1], grow[i]), _expand(dets, grow[i]))[0]
        # A person never turns into a car: different classes cannot match.
        same_class = (
            np.array([t.class_id for t in tracks])[:, None] == detections.class_id[rows][None, :]
        )
        return np.where(same_class, iou, 0.0)

    def _continue(self, track: Track, detections: Detections, row: int) -> None:
        track.kalman.update(detections.xyxy[row])
        track.score = float(detections.confidence[row])
        track.data = {k: v[row] for k, v in detections.data.items()}
        track.hits += 1
        track.frames_since_seen = 0
        if track.state is TrackState.TENTATIVE and track.hits < self.config.min_hits:
            return
        track.state = TrackState.TRACKED

    def _birth(self, detections: Detections, row: int) -> Track:
        track = Track(
            track_id=next(self._ids),
            class_id=int(detections.class_id[row]),
            kalman=BoxKalman(detections.xyxy[row]),
            score=float(detections.confidence[row]),
            data={k: v[row] for k, v in detections.data.items()},
        )
        if self.config.min_hits <= 1:
            track.state = TrackState.TRACKED
        return track

    def _retire(self, track: Track) -> None:
        if track.state is not TrackState.TENTATIVE:
            self._ended.append(track.track_id)

    def _visible(self) -> Detections:
        shown = [t for t in self._tracks if t.state is TrackState.TRACKED]
        if not shown:
            return Detections.empty()
        keys = set(shown[0].data)
        return Detections.create(
            xyxy=np.stack([t.xyxy for t in shown]),
            confidence=np.array([t.score for t in shown]),
            class_id=np.array([t.class_id for t in shown]),
            tracker_id=np.array([t.track_id for t in shown]),
            data={
                k: np.stack([t.data[k] for t in shown])
                for k in keys
                if all(k in t.data for t in shown)
            },
        )
