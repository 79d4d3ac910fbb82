"""Which cameras a person can go between, and in how long: the plausibility half of
cross-camera association (appearance is the other half).

From the cameras' configured neighbours. A link is usable both ways; if both cameras name
each other, the windows are merged. A camera network with no neighbours configured at all
links every pair of cameras within `unlinked_window_s`; once any neighbours are configured,
only configured pairs link, since an operator who drew the map meant it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from citywatch.config.cameras import CameraConfig

# Track ends and starts are late or early by a few analysed frames, and detections flicker
# at the edge of a view: the window is widened by this much on both sides.
TRANSIT_SLACK_S = 2.0


@dataclass(frozen=True)
class Span:
    camera_id: str
    started_at: float
    ended_at: float


class CameraTopology:
    def __init__(
        self,
        cameras: Sequence[CameraConfig],
        unlinked_window_s: float = 120.0,
        same_camera_gap_s: float = 0.0,
    ) -> None:
        self.unlinked_window_s = unlinked_window_s
        self.same_camera_gap_s = same_camera_gap_s
        self._windows: dict[tuple[str, str], tuple[float, float]] = {}
        for camera in cameras:
            for neighbour in camera.neighbours:
                for pair in ((camera.id, neighbour.camera), (neighbour.camera, camera.id)):
                    low, high = neighbour.transit_s
                    if pair in self._windows:
                        old_low, old_high = self._windows[pair]
                        low, high = min(low, old_low), max(high, old_high)
                    self._windows[pair] = (low, high)
        self.configured = bool(self._windows)

    def window(self, a: str, b: str) -> tuple[float, float] | None:
        """Plausible transit between cameras a and b (seconds, slack included), or None."""
        if a == b:
            if self.same_camera_gap_s <= 0:
                return None
            return (self.same_camera_gap_s, self.unlinked_window_s)
        if not self.configured:
            return (-self.unlinked_window_s, self.unlinked_window_s)
        found = self._windows.get((a, b))
        if found is None:
            return None
        return (found[0] - TRANSIT_SLACK_S, found[1] + TRANSIT_SLACK_S)

    def plausible(self, one: Span, other: Span) -> bool:
        """Could one person have made both tracks? The earlier-starting one is left first."""
        first, second = (one, other) if one.started_at <= other.started_at else (other, one)
        window = self.window(first.camera_id, second.camera_id)
        if window is None:
            return False
        gap = second.started_at - first.ended_at
        return window[0] <= gap <= window[1]

    @property
    def horizon_s(self) -> float:
        """How long after a track ended it can still be linked to a new one."""
        highs = [high for _, high in self._windows.values()]
        longest = max(highs, default=0.0) + TRANSIT_SLACK_S
        if not self.configured or self.same_camera_gap_s > 0:
            longest = max(longest, self.unlinked_window_s)
        return longest
