"""Search stored face sightings by photo, grouped into appearances ordered in time.

An appearance is one stay on one camera: face sightings of the same camera whose spans lie
within `gap_s` of each other (a person lost and re-found by the tracker is still one visit).
Ordered by time, appearances across cameras are the person's timeline. Every result is a
candidate with its distance, for a person to judge, not an identification.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from citywatch.search.face_index import FaceSightingIndex
from citywatch.store import SightingInfo, Store


@dataclass(frozen=True)
class Appearance:
    camera_id: str
    first_seen: float
    last_seen: float
    distance: float  # the closest of its sightings
    best: SightingInfo  # that closest sighting (its thumbnail is the evidence)
    sighting_ids: tuple[int, ...]


def search_timeline(
    index: FaceSightingIndex,
    store: Store,
    query: np.ndarray,
    threshold: float,
    max_candidates: int = 1000,
    gap_s: float = 60.0,
    camera_id: str | None = None,
    since: float | None = None,
    until: float | None = None,
) -> list[Appearance]:
    index.sync()
    hits = [(i, d) for i, d in index.search(query, max_candidates) if d <= threshold]
    distance = dict(hits)
    sightings = [
        s
        for s in store.sightings_by_id([i for i, _ in hits])
        if (camera_id is None or s.camera_id == camera_id)
        and (since is None or s.last_seen >= since)
        and (until is None or s.first_seen < until)
    ]
    sightings.sort(key=lambda s: (s.camera_id, s.first_seen))
    groups: list[list[SightingInfo]] = []
    for sighting in sightings:
        last = groups[-1][-1] if groups else None
        same_visit = (
            last is not None
            and last.camera_id == sighting.camera_id
            and sighting.first_seen - max(s.last_seen for s in groups[-1]) <= gap_s
        )
        if same_visit:
            groups[-1].append(sighting)
        else:
            groups.append([sighting])
    appearances = []
    for group in groups:
        best = min(group, key=lambda s: distance[s.id])
        appearances.append(
            Appearance(
                camera_id=group[0].camera_id,
                first_seen=min(s.first_seen for s in group),
                last_seen=max(s.last_seen for s in group),
                distance=distance[best.id],
                best=best,
                sighting_ids=tuple(s.id for s in group),
            )
        )
    return sorted(appearances, key=lambda a: a.first_seen)
