"""A two-camera evaluation of cross-camera association built from one annotated clip.

The shared data has no two cameras that see the same people, so the second view is made:
the same footage mirrored, darkened and shifted in time (`write_offset_view`). Each person
then appears on both "cameras", `offset_s` apart, at mirrored positions with different
exposure, among everyone else in the scene. The ground truth follows: a stored track is
given the identity of the annotated person whose foot point its path follows
(`label_tracks`), and the association is scored by how many cross-camera links join
tracks of the same annotated person (`score_links`).

What this does not test: a change of viewpoint or of person scale between cameras.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from citywatch.eval.motfile import MotRows
from citywatch.store.readmodels import AppearanceInfo, TrackInfo


@dataclass(frozen=True)
class ViewSpec:
    """Which source frames a made-up camera shows, and how they are changed."""

    start_frame: int  # first source frame (0-based) it shows
    frames: int
    mirror: bool = False
    gain: float = 1.0  # brightness multiplier
    fps: float = 10.0


def write_offset_view(source: Path, out: Path, view: ViewSpec) -> Path:
    """Re-encode `view.frames` frames of `source` from `view.start_frame`, changed as asked."""
    import av

    out.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with av.open(str(source)) as reader, av.open(str(out), "w") as writer:
        stream = writer.add_stream("libx264", rate=int(round(view.fps)))
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "20", "preset": "veryfast"}
        for index, frame in enumerate(reader.decode(video=0)):
            if index < view.start_frame:
                continue
            if written >= view.frames:
                break
            image = frame.to_ndarray(format="bgr24")
            if view.mirror:
                image = np.ascontiguousarray(image[:, ::-1])
            if view.gain != 1.0:
                image = np.clip(image.astype(np.float32) * view.gain, 0, 255).astype(np.uint8)
            if written == 0:
                stream.width, stream.height = image.shape[1], image.shape[0]
            picture = av.VideoFrame.from_ndarray(image, format="bgr24")
            for packet in stream.encode(picture):
                writer.mux(packet)
            written += 1
        for packet in stream.encode():
            writer.mux(packet)
    return out


def label_tracks(
    tracks: Sequence[TrackInfo],
    truth: MotRows,
    view: ViewSpec,
    width: int,
    max_px: float = 20.0,
    min_share: float = 0.6,
) -> dict[int, int]:
    """Stored track id -> annotated person id, where one person explains most of its path.

    A path point at time t is source frame `start_frame + round((t - anchor) * fps)`, compared
    with that frame's annotated foot points (mirrored when the view is). The anchor, the wall
    time of the view's first frame, is not stored: it is the one, within the first 3 s before
    the earliest track, under which the most path points land on an annotated person.
    """
    if not tracks:
        return {}
    earliest = min(t.started_at for t in tracks)
    best: tuple[int, dict[int, int]] = (-1, {})
    for step in range(int(3 * view.fps) + 1):
        anchor = earliest - step / view.fps
        labels, matched = _label_at(tracks, truth, view, width, anchor, max_px, min_share)
        if matched > best[0]:
            best = (matched, labels)
    return best[1]


def _label_at(
    tracks: Sequence[TrackInfo],
    truth: MotRows,
    view: ViewSpec,
    width: int,
    anchor: float,
    max_px: float,
    min_share: float,
) -> tuple[dict[int, int], int]:
    feet_x = truth.xywh[:, 0] + truth.xywh[:, 2] / 2
    feet_y = truth.xywh[:, 1] + truth.xywh[:, 3]
    labels: dict[int, int] = {}
    matched = 0
    for track in tracks:
        votes: Counter[int] = Counter()
        for point in track.path:
            source_frame = view.start_frame + round((point.time - anchor) * view.fps)
            rows = np.flatnonzero(truth.frame == source_frame + 1)  # MOT frames count from 1
            if not len(rows):
                continue
            x = width - point.x if view.mirror else point.x
            distance = np.hypot(feet_x[rows] - x, feet_y[rows] - point.y)
            nearest = int(np.argmin(distance))
            if distance[nearest] <= max_px:
                votes[int(truth.track_id[rows[nearest]])] += 1
                matched += 1
        if votes and sum(votes.values()) >= max(2, min_share * len(track.path)):
            person, count = votes.most_common(1)[0]
            if count >= min_share * sum(votes.values()):
                labels[track.id] = person
    return labels, matched


@dataclass(frozen=True)
class LinkScores:
    cross_links: int  # tracks joined to a track on the other camera
    cross_correct: int  # ... whose annotated person is the same
    people_on_both: int  # annotated people with a labelled track on each camera
    people_joined: int  # ... whose tracks share an identity across the cameras
    identities: int

    @property
    def precision(self) -> float:
        return self.cross_correct / self.cross_links if self.cross_links else 0.0

    @property
    def recall(self) -> float:
        return self.people_joined / self.people_on_both if self.people_on_both else 0.0


def score_links(appearances: Sequence[AppearanceInfo], labels: dict[int, int]) -> LinkScores:
    """How well stored identities join the same annotated person across the two cameras."""
    by_identity: dict[str | None, list[AppearanceInfo]] = {}
    for a in appearances:
        by_identity.setdefault(a.identity_id, []).append(a)
    cross = correct = 0
    for a in appearances:
        members = by_identity.get(a.identity_id, [])
        others = [m for m in members if m.camera_id != a.camera_id]
        if not others or a.track_id not in labels:
            continue
        labelled = [labels[m.track_id] for m in others if m.track_id in labels]
        if not labelled:
            continue
        cross += 1
        correct += Counter(labelled).most_common(1)[0][0] == labels[a.track_id]
    cameras_of: dict[int, set[str]] = {}
    for a in appearances:
        if a.track_id in labels:
            cameras_of.setdefault(labels[a.track_id], set()).add(a.camera_id)
    both = {p for p, cams in cameras_of.items() if len(cams) >= 2}
    joined = 0
    for person in both:
        identities = {
            (a.identity_id, a.camera_id) for a in appearances if labels.get(a.track_id) == person
        }
        per_camera: dict[str | None, set[str]] = {}
        for identity, camera in identities:
            per_camera.setdefault(identity, set()).add(camera)
        joined += any(len(cams) >= 2 for cams in per_camera.values())
    return LinkScores(cross, correct, len(both), joined, len(by_identity))
