"""Gait per person track on one camera: silhouettes while it lives, a signature when it ends.

Each analysed frame goes to the silhouette source (a background model must see them all);
every tracked person whose box passes the rules adds a normalised silhouette to its track's
ring, which keeps the latest `ring_frames` only, so a person loitering for an hour costs the
same memory as one walking through (64x44 bytes a silhouette: ~270 kB a track by default).
When the tracker ends a track its ring becomes a `GaitSignature`, if it holds enough whole
gait cycles.
"""

from __future__ import annotations

import collections
import logging
from dataclasses import dataclass, field

import numpy as np

from citywatch.config.gait import GaitConfig
from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections
from citywatch.core.frame import Frame
from citywatch.gait.signature import GaitSample, GaitSignature, build_signature
from citywatch.gait.silhouettes import Reject, SilhouetteSource, create_source, extract

log = logging.getLogger("citywatch.gait")

_INTERVALS_KEPT = 64  # recent frame intervals, for the analysed frame rate


@dataclass
class _TrackGait:
    samples: collections.deque[GaitSample]
    rejected: collections.Counter[str] = field(default_factory=collections.Counter)


class GaitStage:
    def __init__(
        self, config: GaitConfig, camera_id: str, source: SilhouetteSource | None = None
    ) -> None:
        self.config = config
        self.camera_id = camera_id
        self.source = source if source is not None else create_source(config)
        self._tracks: dict[int, _TrackGait] = {}
        self._intervals: collections.deque[float] = collections.deque(maxlen=_INTERVALS_KEPT)
        self._last_ts: float | None = None
        self.rejected: collections.Counter[str] = collections.Counter()  # all tracks, by reason
        self.accepted = 0

    def __len__(self) -> int:
        return len(self._tracks)

    def buffered(self, track_id: int) -> int:
        """Silhouettes held for a live track (never more than ring_frames)."""
        state = self._tracks.get(track_id)
        return len(state.samples) if state is not None else 0

    @property
    def frame_interval(self) -> float | None:
        """Median seconds between analysed frames (None before two frames)."""
        return float(np.median(self._intervals)) if self._intervals else None

    def process(self, frame: Frame, tracks: Detections) -> None:
        if self._last_ts is not None and frame.ts > self._last_ts:
            self._intervals.append(frame.ts - self._last_ts)
        self._last_ts = frame.ts
        people = np.flatnonzero((tracks.class_id == ObjectClass.PERSON) & (tracks.tracker_id >= 0))
        verdicts = extract(self.source, frame.image, tracks.xyxy, self.config, rows=people)
        for row, verdict in zip(people, verdicts, strict=True):
            track_id = int(tracks.tracker_id[row])
            state = self._tracks.get(track_id)
            if state is None:
                ring = collections.deque[GaitSample](maxlen=self.config.ring_frames)
                state = self._tracks[track_id] = _TrackGait(ring)
            if isinstance(verdict, Reject):
                state.rejected[verdict] += 1
                self.rejected[verdict] += 1
                continue
            x1, y1, x2, y2 = (float(v) for v in tracks.xyxy[row])
            state.samples.append(GaitSample(frame.ts, (x1, y1, x2, y2), verdict))
            self.accepted += 1

    def finish(self, ended_track_ids: list[int]) -> dict[int, GaitSignature]:
        """Signatures of the tracks that ended; tracks with too few whole cycles get none."""
        out: dict[int, GaitSignature] = {}
        interval = self.frame_interval
        for track_id in ended_track_ids:
            state = self._tracks.pop(track_id, None)
            if state is None or interval is None:
                continue
            signature = build_signature(list(state.samples), interval, self.config)
            if signature is None:
                log.debug(
                    "camera %s track %d: no gait signature (%d silhouettes, rejected %s)",
                    self.camera_id,
                    track_id,
                    len(state.samples),
                    dict(state.rejected),
                )
                continue
            out[track_id] = signature
        return out

    def finish_all(self) -> dict[int, GaitSignature]:
        return self.finish(list(self._tracks))
