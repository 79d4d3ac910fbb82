"""How fast and which way each track moves, fitted over about a second of foot points.

A box's bottom edge jumps by a few pixels from frame to frame as the detector redraws it; the
speed between two frames is mostly that noise. A straight-line fit of position against time
over a window (least squares, per axis) averages it away and still follows a change of pace
within the window.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Velocity:
    image: np.ndarray  # pixels per second (vx, vy)
    ground: np.ndarray | None  # metres per second, when the camera has a homography
    span_s: float  # time between the first and last point fitted
    points: int

    @property
    def image_speed(self) -> float:
        return float(np.hypot(*self.image))

    @property
    def ground_speed(self) -> float | None:
        return None if self.ground is None else float(np.hypot(*self.ground))


class MotionBook:
    """Recent foot points per track (image and ground), kept for `keep_s` seconds."""

    def __init__(self, keep_s: float = 3.0) -> None:
        self.keep_s = keep_s
        self._paths: dict[int, deque[tuple[float, float, float, float, float]]] = {}

    def observe(
        self, now: float, track_ids: np.ndarray, feet: np.ndarray, ground: np.ndarray | None
    ) -> None:
        for row, track_id in enumerate(track_ids):
            path = self._paths.setdefault(int(track_id), deque())
            gx, gy = (np.nan, np.nan) if ground is None else ground[row]
            path.append((now, float(feet[row, 0]), float(feet[row, 1]), float(gx), float(gy)))
            while path and path[0][0] < now - self.keep_s:
                path.popleft()

    def velocity(self, track_id: int, now: float, window_s: float) -> Velocity | None:
        """The fitted velocity over the last `window_s`, or None while the track has too short
        a history there (fewer than 3 points, or less than half the window covered)."""
        path = self._paths.get(track_id)
        if not path:
            return None
        points = np.array([p for p in path if p[0] >= now - window_s - 1e-9], np.float64)
        if len(points) < 3:
            return None
        span = float(points[-1, 0] - points[0, 0])
        if span < window_s / 2:
            return None
        t = points[:, 0] - points[:, 0].mean()
        denominator = float(np.dot(t, t))
        slopes = (t @ (points[:, 1:] - points[:, 1:].mean(axis=0))) / denominator
        ground = None if np.isnan(slopes[2]) else slopes[2:4].copy()
        return Velocity(slopes[0:2].copy(), ground, span, len(points))

    def forget(self, track_ids: list[int]) -> None:
        for track_id in track_ids:
            self._paths.pop(track_id, None)
