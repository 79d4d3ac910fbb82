"""What a camera remembers about each live track until it ends: span, path, best picture.

When the tracker ends a track, the book turns it into a `TrackRecord` plus its "object"
`Sighting` (best-scoring view, cropped) for storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections
from citywatch.core.frame import Frame
from citywatch.core.records import Sighting, TrackPoint, TrackRecord

_CROP_MARGIN = 0.1  # of the box size on each side, so a thumbnail shows a little context


@dataclass
class _LiveTrack:
    class_id: int
    first_seen: float
    last_seen: float
    frames: int = 0
    path: list[TrackPoint] = field(default_factory=list)
    best_rank: float = -1.0
    best_time: float = 0.0
    best_box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    best_score: float = 0.0
    best_crop: np.ndarray | None = None


def crop(image: np.ndarray, xyxy: np.ndarray, margin: float = _CROP_MARGIN) -> np.ndarray:
    height, width = image.shape[:2]
    x1, y1, x2, y2 = (float(v) for v in xyxy)
    mx, my = (x2 - x1) * margin, (y2 - y1) * margin
    left, top = max(0, int(x1 - mx)), max(0, int(y1 - my))
    right, bottom = min(width, int(np.ceil(x2 + mx))), min(height, int(np.ceil(y2 + my)))
    return image[top:bottom, left:right].copy()


class TrackBook:
    def __init__(
        self, camera_id: str, run_id: str, path_interval_s: float = 0.5, thumbnails: bool = True
    ) -> None:
        self.camera_id = camera_id
        self.run_id = run_id
        self.path_interval_s = path_interval_s
        self.thumbnails = thumbnails
        self._live: dict[int, _LiveTrack] = {}

    def __len__(self) -> int:
        return len(self._live)

    def observe(self, frame: Frame, tracks: Detections) -> None:
        now = frame.wall_time
        feet = tracks.bottom_center
        for row in range(len(tracks)):
            track_id = int(tracks.tracker_id[row])
            live = self._live.get(track_id)
            if live is None:
                live = self._live[track_id] = _LiveTrack(int(tracks.class_id[row]), now, now)
            live.last_seen = now
            live.frames += 1
            if not live.path or now - live.path[-1].time >= self.path_interval_s:
                live.path.append(TrackPoint(now, float(feet[row, 0]), float(feet[row, 1])))
            box = tracks.xyxy[row]
            score = float(tracks.confidence[row])
            # Prefer confident and large views: a bigger picture of the same person is worth more.
            rank = score * float(np.sqrt(max(tracks.area[row], 1.0)))
            if rank > live.best_rank:
                live.best_rank, live.best_time, live.best_score = rank, now, score
                live.best_box = (
                    float(box[0]),
                    float(box[1]),
                    float(box[2] - box[0]),
                    float(box[3] - box[1]),
                )
                if self.thumbnails:
                    live.best_crop = crop(frame.image, box)

    def finish(self, track_ids: list[int]) -> list[tuple[TrackRecord, list[Sighting]]]:
        """Records for the tracks that ended; tracks the book never saw shown are skipped."""
        done = []
        for track_id in track_ids:
            live = self._live.pop(track_id, None)
            if live is None:
                continue
            record = TrackRecord(
                camera_id=self.camera_id,
                run_id=self.run_id,
                local_id=track_id,
                class_id=ObjectClass(live.class_id),
                started_at=live.first_seen,
                ended_at=live.last_seen,
                frames=live.frames,
                path=tuple(live.path),
            )
            sighting = Sighting(
                camera_id=self.camera_id,
                kind="object",
                first_seen=live.first_seen,
                last_seen=live.last_seen,
                best_time=live.best_time,
                best_box=live.best_box,
                best_score=live.best_score,
                thumbnail=live.best_crop,
            )
            done.append((record, [sighting]))
        return done

    def finish_all(self) -> list[tuple[TrackRecord, list[Sighting]]]:
        return self.finish(list(self._live))
