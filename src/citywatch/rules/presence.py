"""Which tracks are in a zone and which side of a line they are on, steadied against jitter.

A foot point near a zone's edge or a line wanders by a few pixels as boxes are redrawn. Without
a guard, one person standing on a line would cross it every other frame. Both trackers here
change their answer only after `confirm_frames` frames in a row agree (and, for lines, only
for points at least `margin_px` away from it), and date the change to the first of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from citywatch.rules.geometry import LineGeometry


@dataclass(frozen=True)
class Change:
    track_id: int
    row: int  # row of the track in this frame's tracks
    inside: bool
    since: float  # time of the first frame of the run that confirmed the change


@dataclass
class _Presence:
    inside: bool = False
    since: float | None = None  # when the current spell (inside or outside) began
    streak: int = 0  # frames in a row that disagree with `inside`
    streak_since: float = 0.0
    last_seen: float = 0.0


class Membership:
    """Per track: inside the zone or not, with hysteresis. New tracks start outside."""

    def __init__(self, confirm_frames: int) -> None:
        self.confirm_frames = confirm_frames
        self._tracks: dict[int, _Presence] = {}

    def update(
        self, now: float, track_ids: np.ndarray, rows: np.ndarray, inside: np.ndarray
    ) -> list[Change]:
        """Feed this frame's answers (`inside[i]` for `track_ids[i]` at `rows[i]`); returns
        the confirmed changes."""
        changes: list[Change] = []
        for track_id, row, now_inside in zip(track_ids, rows, inside, strict=True):
            state = self._tracks.setdefault(int(track_id), _Presence(since=now))
            state.last_seen = now
            if bool(now_inside) == state.inside:
                state.streak = 0
                continue
            if state.streak == 0:
                state.streak_since = now
            state.streak += 1
            if state.streak >= self.confirm_frames:
                state.inside, state.since, state.streak = bool(now_inside), state.streak_since, 0
                changes.append(Change(int(track_id), int(row), state.inside, state.since))
        return changes

    def inside(self, track_id: int) -> bool:
        state = self._tracks.get(track_id)
        return state is not None and state.inside

    def since(self, track_id: int) -> float | None:
        """When the track's current spell (inside, or outside) began."""
        state = self._tracks.get(track_id)
        return None if state is None else state.since

    def inside_recently(self, now: float, within_s: float) -> list[int]:
        """Tracks inside and seen in the last `within_s` (a missed detection keeps its place)."""
        return [
            track_id
            for track_id, state in self._tracks.items()
            if state.inside and now - state.last_seen <= within_s
        ]

    def forget(self, track_ids: list[int]) -> None:
        for track_id in track_ids:
            self._tracks.pop(track_id, None)


@dataclass(frozen=True)
class Crossing:
    track_id: int
    row: int
    direction: str  # "a_to_b" or "b_to_a"
    time: float  # first frame seen on the new side


@dataclass
class _Side:
    side: int = 0  # -1 side a, +1 side b, 0 not yet known
    last_point: tuple[float, float] | None = None  # latest point on `side`, past the margin
    streak: int = 0  # frames in a row on the other side
    first_point: tuple[float, float] | None = None  # first of those
    first_time: float = 0.0


class LineSides:
    """Per track: the side of a line it is settled on; reports confirmed crossings.

    Points within `margin_px` of the line say nothing (they neither confirm nor undo a move). A
    move to the other side counts as a crossing only when the path from the last point on the
    old side to the first on the new side passes through the drawn segment (give or take the
    margin), so walking round the end of a line is not crossing it.
    """

    def __init__(self, line: LineGeometry, margin_px: float, confirm_frames: int) -> None:
        self.line = line
        self.margin_px = margin_px
        self.confirm_frames = confirm_frames
        self._tracks: dict[int, _Side] = {}

    def update(
        self, now: float, track_ids: np.ndarray, rows: np.ndarray, feet: np.ndarray
    ) -> list[Crossing]:
        crossings: list[Crossing] = []
        distances = self.line.signed_distance(feet)
        for track_id, row, point, distance in zip(track_ids, rows, feet, distances, strict=True):
            state = self._tracks.setdefault(int(track_id), _Side())
            side = -1 if distance <= -self.margin_px else 1 if distance >= self.margin_px else 0
            xy = (float(point[0]), float(point[1]))
            if side == 0:
                continue
            if state.side == 0 or side == state.side:
                state.side, state.last_point, state.streak = side, xy, 0
                continue
            if state.streak == 0:
                state.first_point, state.first_time = xy, now
            state.streak += 1
            if state.streak < self.confirm_frames:
                continue
            start, end = state.last_point, state.first_point
            assert start is not None and end is not None
            if self.line.crosses(start, end, slack=self.margin_px):
                direction = "a_to_b" if side > 0 else "b_to_a"
                crossings.append(Crossing(int(track_id), int(row), direction, state.first_time))
            state.side, state.last_point, state.streak = side, xy, 0
        return crossings

    def side(self, track_id: int) -> int:
        state = self._tracks.get(track_id)
        return 0 if state is None else state.side

    def forget(self, track_ids: list[int]) -> None:
        for track_id in track_ids:
            self._tracks.pop(track_id, None)
