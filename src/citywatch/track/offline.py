"""Whole-file tracking results, and what can be done with them once the file has ended.

Live cameras report a track as it happens; `citywatch track` on a file may look back: a person
the detector missed for a few frames (hidden behind someone) is filled in between the frames
where the track saw them, on a straight line. This is the standard offline step of ByteTrack's
own benchmark submissions and is reported beside the causal figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from citywatch.core.detections import Detections


@dataclass(frozen=True)
class TrackedBox:
    frame: int  # 1-based frame number, as MOT files count
    track_id: int
    xyxy: np.ndarray
    score: float
    class_id: int
    interpolated: bool = False


class TrackLog:
    """Every reported box of every track, in the order frames were processed."""

    def __init__(self) -> None:
        self.boxes: list[TrackedBox] = []

    def add(self, frame: int, tracks: Detections) -> None:
        for row in range(len(tracks)):
            self.boxes.append(
                TrackedBox(
                    frame,
                    int(tracks.tracker_id[row]),
                    tracks.xyxy[row].copy(),
                    float(tracks.confidence[row]),
                    int(tracks.class_id[row]),
                )
            )

    def by_track(self) -> dict[int, list[TrackedBox]]:
        tracks: dict[int, list[TrackedBox]] = {}
        for box in self.boxes:
            tracks.setdefault(box.track_id, []).append(box)
        return tracks

    def interpolated(self, max_gap: int) -> list[TrackedBox]:
        """All boxes plus straight-line fills for gaps of at most `max_gap` missing frames."""
        out = list(self.boxes)
        if max_gap <= 0:
            return sorted(out, key=lambda b: (b.frame, b.track_id))
        for boxes in self.by_track().values():
            boxes = sorted(boxes, key=lambda b: b.frame)
            for before, after in zip(boxes, boxes[1:], strict=False):
                missing = after.frame - before.frame - 1
                if not 0 < missing <= max_gap:
                    continue
                for step in range(1, missing + 1):
                    weight = step / (missing + 1)
                    out.append(
                        TrackedBox(
                            before.frame + step,
                            before.track_id,
                            (1 - weight) * before.xyxy + weight * after.xyxy,
                            min(before.score, after.score),
                            before.class_id,
                            interpolated=True,
                        )
                    )
        return sorted(out, key=lambda b: (b.frame, b.track_id))
