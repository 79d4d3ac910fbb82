"""Zone rules: intrusion (entering), loitering (staying), crowding (too many at once)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from citywatch.config.rules import CrowdingConfig, IntrusionConfig, LoiteringConfig
from citywatch.core.records import Event
from citywatch.rules.base import Cooldown, EventMaker, Observation, class_ids, rounded
from citywatch.rules.geometry import Region
from citywatch.rules.presence import Change, Membership

# A track the detector missed for a moment still stands in the crowd.
_RECENT_S = 1.0


class ZoneWatch:
    """A zone, the classes a rule looks at, and which of those tracks are inside it."""

    def __init__(self, region: Region, classes: Sequence[str], confirm_frames: int) -> None:
        self.region = region
        self.class_ids = class_ids(classes)
        self.membership = Membership(confirm_frames)

    def rows(self, obs: Observation) -> np.ndarray:
        """This frame's rows of the rule's classes."""
        return np.flatnonzero(np.isin(obs.tracks.class_id, self.class_ids))

    def update(self, obs: Observation) -> tuple[np.ndarray, list[Change]]:
        rows = self.rows(obs)
        inside = self.region.contains(obs.feet[rows])
        changes = self.membership.update(obs.time, obs.tracks.tracker_id[rows], rows, inside)
        return rows, changes

    def forget(self, track_ids: list[int]) -> None:
        self.membership.forget(track_ids)


class Intrusion:
    """An event when an object of the rule's classes enters the zone (confirmed)."""

    def __init__(self, config: IntrusionConfig, region: Region, maker: EventMaker) -> None:
        self.name = config.name
        self.config = config
        self.watch = ZoneWatch(region, config.classes, config.confirm_frames)
        self.cooldown = Cooldown(config.cooldown_s)
        self.maker = maker

    def observe(self, obs: Observation) -> list[Event]:
        _, changes = self.watch.update(obs)
        events = []
        for change in changes:
            if not change.inside or not self.cooldown.ready(change.track_id, obs.time):
                continue
            self.cooldown.mark(change.track_id, obs.time)
            values = {
                "zone": self.config.zone,
                "class": obs.class_name(change.row),
                "entered_at": rounded(change.since, 3),
            }
            events.append(self.maker.for_track(obs, change.row, values))
        return events

    def forget(self, track_ids: list[int], now: float | None) -> list[Event]:
        self.watch.forget(track_ids)
        for track_id in track_ids:
            self.cooldown.forget(track_id)
        return []


class Loitering:
    """An event when one visit to the zone lasts longer than `dwell_s`; one per visit."""

    def __init__(self, config: LoiteringConfig, region: Region, maker: EventMaker) -> None:
        self.name = config.name
        self.config = config
        self.watch = ZoneWatch(region, config.classes, config.confirm_frames)
        self.cooldown = Cooldown(config.cooldown_s)
        self.maker = maker
        self._reported_visit: dict[int, float] = {}  # track -> start of the visit reported

    def observe(self, obs: Observation) -> list[Event]:
        rows, _ = self.watch.update(obs)
        events = []
        for row in rows:
            track_id = obs.track_id(row)
            entered = self.watch.membership.since(track_id)
            if not self.watch.membership.inside(track_id) or entered is None:
                continue
            dwell = obs.time - entered
            if dwell < self.config.dwell_s or self._reported_visit.get(track_id) == entered:
                continue
            if not self.cooldown.ready(track_id, obs.time):
                continue
            self.cooldown.mark(track_id, obs.time)
            self._reported_visit[track_id] = entered
            values = {
                "zone": self.config.zone,
                "class": obs.class_name(row),
                "dwell_s": rounded(dwell, 1),
                "limit_s": self.config.dwell_s,
                "entered_at": rounded(entered, 3),
            }
            events.append(self.maker.for_track(obs, row, values))
        return events

    def forget(self, track_ids: list[int], now: float | None) -> list[Event]:
        self.watch.forget(track_ids)
        for track_id in track_ids:
            self.cooldown.forget(track_id)
            self._reported_visit.pop(track_id, None)
        return []


class Crowding:
    """An event when more than `max_count` objects are in the zone for `min_duration_s`.

    One event per incident: the incident ends when the count is back at the limit or below,
    and a new one is not reported sooner than `cooldown_s` after the last report.
    """

    def __init__(self, config: CrowdingConfig, region: Region, maker: EventMaker) -> None:
        self.name = config.name
        self.config = config
        self.watch = ZoneWatch(region, config.classes, config.confirm_frames)
        self.cooldown = Cooldown(config.cooldown_s)
        self.maker = maker
        self._over_since: float | None = None
        self._reported = False
        self.count = 0

    def observe(self, obs: Observation) -> list[Event]:
        self.watch.update(obs)
        inside = sorted(self.watch.membership.inside_recently(obs.time, _RECENT_S))
        self.count = len(inside)
        if self.count <= self.config.max_count:
            self._over_since, self._reported = None, False
            return []
        if self._over_since is None:
            self._over_since = obs.time
        over_for = obs.time - self._over_since
        if (
            self._reported
            or over_for < self.config.min_duration_s
            or not self.cooldown.ready(self.name, obs.time)
        ):
            return []
        self._reported = True
        self.cooldown.mark(self.name, obs.time)
        values = {
            "zone": self.config.zone,
            "count": self.count,
            "limit": self.config.max_count,
            "over_for_s": rounded(over_for, 1),
            "classes": list(self.config.classes),
            "track_ids": inside,
        }
        return [self.maker.for_scene(obs, values)]

    def forget(self, track_ids: list[int], now: float | None) -> list[Event]:
        self.watch.forget(track_ids)
        return []
