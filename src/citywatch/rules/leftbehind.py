"""Left-behind objects: something new and still that no track covers, after someone was there.

Kept simple enough to explain in one breath. A grey-level background of the scene is learned
on a small copy of each frame. A pixel is new when it differs from the background by more
than `difference`. The background follows pixels that are not new within a couple of seconds
(light drifts) but new pixels only very slowly, and never where a track stands, so a bag put
down stays new long enough to be timed, and a person standing still never becomes background
(nor does one standing in the first frame: the background there is learned when they move).
New pixels under or against any track's box are ignored (people and cars are the trackers'
business); what remains, grouped into regions of at least `min_area_px`, is a candidate. A
candidate first seen within `owner_window_s` of an object of the rule's classes being beside
it (within half that object's height), that stays in place for `min_static_s`, is reported
once; while someone passes in front of it, it keeps its outline and its time.

Known limits: an object taken away leaves a "new" patch of floor that looks just the same,
and a person the tracker loses while standing still can look like an object; the owner
condition and the time limit keep both rare, not impossible.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

from citywatch.config.rules import LeftBehindConfig
from citywatch.core.records import Event
from citywatch.pipeline.trackbook import crop
from citywatch.rules.base import EventMaker, Observation, class_ids, class_name, rounded
from citywatch.rules.geometry import Region

_WORK_WIDTH = 320  # pixels across the small copy the background is learned on
_FOLLOW_S = 2.0  # time constant of the background where nothing new is
_MISSING_S = 1.0  # a candidate not seen for this long is gone
_MATCH_OVERLAP = 0.5  # of the smaller box: a part of the object, seen past a passer-by, matches
_BOX_PAD = 0.1  # of a track's box size, masked round it as well


@dataclass(frozen=True)
class _Region:
    box: np.ndarray  # x1, y1, x2, y2 in camera pixels
    area: float  # camera pixels
    partial: bool  # a track's box cuts into it


@dataclass
class _Candidate:
    box: np.ndarray  # x1, y1, x2, y2 in camera pixels
    area: float  # camera pixels
    first_seen: float
    last_seen: float
    owner: tuple[int, int] | None  # (track id, class id) of the object that was beside it
    reported: bool = False


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over the smaller of two boxes."""
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return float(inter / smaller) if smaller > 0 else 0.0


def _gap(a: np.ndarray, b: np.ndarray) -> float:
    """Distance between two boxes in pixels (0 when they touch or overlap)."""
    dx = max(b[0] - a[2], a[0] - b[2], 0.0)
    dy = max(b[1] - a[3], a[1] - b[3], 0.0)
    return float(math.hypot(dx, dy))


class LeftBehind:
    def __init__(self, config: LeftBehindConfig, region: Region | None, maker: EventMaker) -> None:
        self.name = config.name
        self.config = config
        self.region = region
        self.owner_classes = class_ids(config.classes)
        self.maker = maker
        self._background: np.ndarray | None = None
        self._known: np.ndarray | None = None  # pixels the background has seen uncovered
        self._zone_mask: np.ndarray | None = None
        self._scale = 1.0
        self._last_time = 0.0
        self._owners: deque[tuple[float, int, int, np.ndarray]] = deque()
        self._candidates: list[_Candidate] = []
        self._reported: list[tuple[np.ndarray, float]] = []

    def _small_grey(self, image: np.ndarray) -> np.ndarray:
        small = cv2.resize(
            image, None, fx=self._scale, fy=self._scale, interpolation=cv2.INTER_AREA
        )
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        return cv2.GaussianBlur(grey, (5, 5), 0).astype(np.float32)

    def _start(self, obs: Observation) -> None:
        self._scale = min(1.0, _WORK_WIDTH / obs.frame.width)
        self._background = self._small_grey(obs.frame.image)
        # Where a track stands in the first frame the background is not known yet: learning
        # it there would leave a ghost of that person behind when they walk off.
        self._known = self._track_mask(obs, self._background.shape) == 0
        if self.region is not None:
            height, width = self._background.shape
            self._zone_mask = self.region.mask(height, width, self._scale)

    def _track_mask(self, obs: Observation, shape: tuple[int, ...]) -> np.ndarray:
        """255 where some track's box (padded) is, on the small copy."""
        mask = np.zeros(shape[:2], np.uint8)
        for x1, y1, x2, y2 in obs.tracks.xyxy:
            pad_x, pad_y = (x2 - x1) * _BOX_PAD, (y2 - y1) * _BOX_PAD
            corners = np.array([x1 - pad_x, y1 - pad_y, x2 + pad_x, y2 + pad_y]) * self._scale
            left, top = int(max(corners[0], 0)), int(max(corners[1], 0))
            mask[top : int(math.ceil(corners[3])), left : int(math.ceil(corners[2]))] = 255
        return mask

    def _regions(self, new: np.ndarray, covered: np.ndarray) -> list[_Region]:
        """Each large enough new region, and whether a track's box cuts into it (then only a
        part of it is seen)."""
        new = cv2.morphologyEx(new, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        new = cv2.morphologyEx(new, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
        near_track = cv2.dilate(covered, np.ones((5, 5), np.uint8))
        count, labels, stats, _ = cv2.connectedComponentsWithStats(new, connectivity=8)
        out = []
        for label in range(1, count):
            left, top, width, height, area = stats[label]
            real_area = float(area) / self._scale**2
            if real_area < self.config.min_area_px:
                continue
            box = np.array([left, top, left + width, top + height], np.float64) / self._scale
            window = (slice(top, top + height), slice(left, left + width))
            partial = bool(np.any(near_track[window][labels[window] == label]))
            out.append(_Region(box, real_area, partial))
        return out

    def _owner_near(self, box: np.ndarray, now: float) -> tuple[int, int] | None:
        """The latest object of the owner classes beside `box` within the owner window."""
        for seen, track_id, class_id, owner_box in reversed(self._owners):
            if now - seen > self.config.owner_window_s:
                break
            if _gap(box, owner_box) <= 0.5 * (owner_box[3] - owner_box[1]):
                return track_id, class_id
        return None

    def observe(self, obs: Observation) -> list[Event]:
        if self._background is None:
            self._start(obs)
            self._last_time = obs.time
            return []
        background, known = self._background, self._known
        assert known is not None
        now, dt = obs.time, max(obs.time - self._last_time, 0.0)
        self._last_time = now
        grey = self._small_grey(obs.frame.image)
        covered = self._track_mask(obs, grey.shape)
        first_look = ~known & (covered == 0)
        background[first_look] = grey[first_look]
        known |= first_look
        new = (np.abs(grey - background) > self.config.difference) & known
        follow = 1.0 - math.exp(-dt / _FOLLOW_S)
        absorb = 1.0 - math.exp(-dt / (4.0 * self.config.min_static_s))
        rate = np.where(new, absorb, follow).astype(np.float32)
        rate[covered > 0] = 0.0
        background += rate * (grey - background)

        for row in np.flatnonzero(np.isin(obs.tracks.class_id, self.owner_classes)):
            box = obs.tracks.xyxy[row].astype(np.float64)
            self._owners.append((now, obs.track_id(row), int(obs.tracks.class_id[row]), box))
        while self._owners and now - self._owners[0][0] > self.config.owner_window_s:
            self._owners.popleft()

        mask = np.where(new & (covered == 0), 255, 0).astype(np.uint8)
        if self._zone_mask is not None:
            mask &= self._zone_mask
        self._match(self._regions(mask, covered), now)
        return self._report(obs)

    def _match(self, regions: list[_Region], now: float) -> None:
        for region in regions:
            best = max(self._candidates, key=lambda c: _overlap(c.box, region.box), default=None)
            if best is not None and _overlap(best.box, region.box) >= _MATCH_OVERLAP:
                best.last_seen = now
                if not region.partial:  # keep the whole outline while someone stands in front
                    best.box, best.area = region.box, region.area
            elif not region.partial:
                owner = self._owner_near(region.box, now)
                self._candidates.append(_Candidate(region.box, region.area, now, now, owner))
        self._candidates = [c for c in self._candidates if now - c.last_seen <= _MISSING_S]
        self._reported = [
            (box, at) for box, at in self._reported if now - at < self.config.cooldown_s
        ]

    def _report(self, obs: Observation) -> list[Event]:
        events = []
        for candidate in self._candidates:
            still_for = candidate.last_seen - candidate.first_seen
            if (
                candidate.reported
                or candidate.owner is None
                or candidate.last_seen != obs.time
                or still_for < self.config.min_static_s
            ):
                continue
            candidate.reported = True
            if any(_overlap(candidate.box, box) >= _MATCH_OVERLAP for box, _ in self._reported):
                continue  # the same object, reported within the cool-down
            self._reported.append((candidate.box, obs.time))
            x1, y1, x2, y2 = candidate.box
            owner_id, owner_class = candidate.owner
            values: dict[str, object] = {
                "static_s": rounded(still_for, 1),
                "limit_s": self.config.min_static_s,
                "box": [rounded(x1, 1), rounded(y1, 1), rounded(x2 - x1, 1), rounded(y2 - y1, 1)],
                "area_px": int(candidate.area),
                "appeared_at": rounded(candidate.first_seen, 3),
                "owner_track": owner_id,
                "owner_class": class_name(owner_class),
            }
            if self.config.zone is not None:
                values["zone"] = self.config.zone
            picture = crop(obs.frame.image, candidate.box, margin=0.5)
            events.append(self.maker.for_scene(obs, values, thumbnail=picture))
        return events

    def forget(self, track_ids: list[int], now: float | None) -> list[Event]:
        return []  # owners are remembered by time, not by track
