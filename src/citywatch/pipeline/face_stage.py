"""Faces of tracked people: best shots per track, live watchlist matching, face sightings.

Faces are looked for in the head regions of tracked people (enlarged, so 20-40 px CCTV faces
are found). Each track keeps its best few faces by quality; every embedded face is matched
against the watchlist at once, and a match raises one alert per track and entry, not one per
frame. When a track ends its best face becomes a "face" sighting, with its embedding, for
search by photo later. Tracks with good faces already are looked at less often.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections
from citywatch.core.frame import Frame
from citywatch.core.records import Alert, Sighting
from citywatch.faces.pipeline import FacePipeline
from citywatch.faces.types import FaceObservation
from citywatch.pipeline.trackbook import crop
from citywatch.watchlist.matcher import WatchlistMatcher

log = logging.getLogger("citywatch.pipeline")


class AlertSink(Protocol):
    def alert(self, alert: Alert) -> None: ...


@dataclass
class _Shot:
    observation: FaceObservation
    time: float
    crop: np.ndarray


@dataclass
class _FaceGroup:
    """The best shots of one face within a track."""

    shots: list[_Shot] = field(default_factory=list)  # best first
    first_seen: float = 0.0
    last_seen: float = 0.0

    def offer(self, shot: _Shot, keep: int) -> None:
        if not self.shots:
            self.first_seen = shot.time
        self.last_seen = shot.time
        self.shots.append(shot)
        self.shots.sort(key=lambda s: -s.observation.quality.score)
        del self.shots[keep:]

    def distance(self, embedding: np.ndarray) -> float:
        best = self.shots[0].observation.embedding
        return 1.0 - float(np.dot(best, embedding)) if best is not None else 2.0


@dataclass
class _TrackFaces:
    """A track's faces, grouped by who they look like.

    Usually one group. A second forms when a face is unlike every group so far: the tracker
    swapped people (a crowd, a camera cut), and each person's face is kept and stored, rather
    than the better-lit one standing for both.
    """

    groups: list[_FaceGroup] = field(default_factory=list)
    alerted: set[int] = field(default_factory=set)  # watchlist entries already alerted

    def offer(self, shot: _Shot, keep: int, same_person: float, max_groups: int = 4) -> None:
        embedding = shot.observation.embedding
        assert embedding is not None
        nearest = min(self.groups, key=lambda g: g.distance(embedding), default=None)
        if nearest is None or (
            nearest.distance(embedding) > same_person and len(self.groups) < max_groups
        ):
            nearest = _FaceGroup()
            self.groups.append(nearest)
        nearest.offer(shot, keep)

    def satisfied(self, keep: int, good: float) -> bool:
        return any(
            len(g.shots) >= keep and g.shots[-1].observation.quality.score >= good
            for g in self.groups
        )


class FaceStage:
    def __init__(
        self,
        faces: FacePipeline,
        camera_id: str,
        run_id: str,
        matcher: WatchlistMatcher | None = None,
        sink: AlertSink | None = None,
        best_shots: int = 3,
        max_people_per_frame: int = 6,
        min_person_px: float = 48.0,
        good_quality: float = 0.8,
        satisfied_every: int = 5,
    ) -> None:
        self.faces = faces
        self.camera_id = camera_id
        self.run_id = run_id
        self.matcher = matcher
        self.sink = sink
        self.best_shots = best_shots
        self.max_people = max_people_per_frame
        self.min_person_px = min_person_px
        self.good_quality = good_quality
        self.satisfied_every = satisfied_every
        self._tracks: dict[int, _TrackFaces] = {}
        self._frame = 0

    def process(self, frame: Frame, tracks: Detections) -> None:
        self._frame += 1
        people = tracks[tracks.class_id == ObjectClass.PERSON]
        heights = people.xyxy[:, 3] - people.xyxy[:, 1]
        wanted = []
        for row in np.argsort(-heights):  # largest first: nearest people have the best faces
            if heights[row] < self.min_person_px:
                break
            state = self._tracks.get(int(people.tracker_id[row]))
            resting = state is not None and state.satisfied(self.best_shots, self.good_quality)
            if resting and self._frame % self.satisfied_every:
                continue
            wanted.append(int(row))
            if len(wanted) >= self.max_people:
                break
        if not wanted:
            return
        for observation in self.faces.analyse(frame.image, regions=people[wanted], embed="passing"):
            if observation.track_id < 0 or observation.embedding is None:
                continue
            self._take(frame, observation)

    def _take(self, frame: Frame, observation: FaceObservation) -> None:
        state = self._tracks.setdefault(observation.track_id, _TrackFaces())
        shot = _Shot(observation, frame.wall_time, crop(frame.image, observation.box, margin=0.2))
        state.offer(shot, self.best_shots, same_person=self.faces.threshold)
        if self.matcher is None or self.sink is None or observation.embedding is None:
            return
        match = self.matcher.match(observation.embedding)
        if match is None or match.entry_id in state.alerted:
            return
        state.alerted.add(match.entry_id)
        x1, y1, x2, y2 = (float(v) for v in observation.box)
        self.sink.alert(
            Alert(
                camera_id=self.camera_id,
                time=frame.wall_time,
                run_id=self.run_id,
                track_local_id=observation.track_id,
                entry_id=match.entry_id,
                entry_name=match.entry_name,
                distance=match.distance,
                threshold=self.matcher.threshold,
                embedder=self.faces.embedder.name,
                face_box=(x1, y1, x2 - x1, y2 - y1),
                frame_index=frame.index,
                evidence=shot.crop,
            )
        )

    def finish(self, track_ids: list[int]) -> dict[int, list[Sighting]]:
        """Face sightings of the tracks that ended: each face group's best shot, embedded."""
        out: dict[int, list[Sighting]] = {}
        for track_id in track_ids:
            state = self._tracks.pop(track_id, None)
            if state is None:
                continue
            out[track_id] = [self._sighting(group) for group in state.groups if group.shots]
        return out

    def _sighting(self, group: _FaceGroup) -> Sighting:
        best = group.shots[0]
        x1, y1, x2, y2 = (float(v) for v in best.observation.box)
        return Sighting(
            camera_id=self.camera_id,
            kind="face",
            first_seen=group.first_seen,
            last_seen=group.last_seen,
            best_time=best.time,
            best_box=(x1, y1, x2 - x1, y2 - y1),
            best_score=best.observation.quality.score,
            thumbnail=best.crop,
            embedding=best.observation.embedding,
            embedder=self.faces.embedder.name,
        )
