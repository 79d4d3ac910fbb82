"""Evaluating gait signatures on footage with MOT ground truth (bench/gait_eval.py runs it).

Ground-truth boxes stand in for a tracker, so what is measured is the signature, not the
tracking. Silhouettes are cut from the real video frames with the same rules as the live
stage (`silhouettes.extract`), at a chosen analysis rate (every n-th decoded frame, the
background model seeing only those, as it would live). Each identity's trajectory is cut
into segments; a segment's signature is built from its silhouettes exactly as the stage
builds a track's (its latest `ring_frames`). Retrieval then asks, for each query segment,
whether the nearest segment of another time (at least `min_gap_s` apart) or of another
person is the same person: rank-1 and mean average precision.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from citywatch.config.gait import GaitConfig
from citywatch.core.errors import UsageError
from citywatch.eval.motfile import MotRows
from citywatch.gait.signature import GaitSample, GaitSignature, build_signature, gait_distance
from citywatch.gait.silhouettes import (
    Reject,
    Silhouette,
    SilhouetteSource,
    covered_share,
    create_source,
    extract,
)

# Walking direction from the foot point's motion in the image (camera above head height).
_STILL_HEIGHTS_PER_S = 0.15  # slower than this (in box heights per second): standing
_SIDEWAYS_DEG = 30.0  # motion within this of horizontal: seen from the side
_FRONTAL_DEG = 60.0  # motion within 90 - this of vertical: towards or away from the camera


@dataclass(frozen=True)
class Observation:
    """One ground-truth box in one analysed frame, with what silhouette extraction made of it."""

    frame: int  # MOT frame number (1-based)
    ts: float
    xywh: np.ndarray
    result: Silhouette | Reject


@dataclass
class Collected:
    """Per identity, its observations in frame order; and what extraction cost."""

    observations: dict[int, list[Observation]]
    every: int
    fps: float
    frames: int = 0  # analysed frames
    boxes: int = 0  # ground-truth boxes looked at
    seconds: float = 0.0  # extraction time, background model included
    reasons: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Segment:
    """A stretch of one identity's trajectory and the signature built from it."""

    identity: int
    first_frame: int
    last_frame: int
    direction: str  # sideways | towards_away | oblique | still
    occluded: float  # share of its boxes another box covers by more than max_overlap
    accepted: int  # silhouettes that passed the rules
    boxes: int  # ground-truth boxes in the stretch (at the analysis rate)
    signature: GaitSignature | None


@dataclass(frozen=True)
class RetrievalScores:
    rank1: float
    mean_ap: float
    queries: int
    chance: float  # expected rank-1 of a random ranking of the same galleries

    def rank1_interval(self, z: float = 1.96) -> tuple[float, float]:
        """Wilson 95 % interval of rank-1: with tens of queries, differences of 0.1 are noise."""
        if not self.queries:
            return 0.0, 1.0
        n, p = self.queries, self.rank1
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return max(0.0, centre - half), min(1.0, centre + half)

    def as_dict(self) -> dict[str, float | int | list[float]]:
        low, high = self.rank1_interval()
        return {
            "rank1": round(self.rank1, 4),
            "rank1_ci95": [round(low, 3), round(high, 3)],
            "mAP": round(self.mean_ap, 4),
            "queries": self.queries,
            "chance_rank1": round(self.chance, 4),
        }


def _xyxy(xywh: np.ndarray) -> np.ndarray:
    return np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1)


def collect(
    video: str | Path,
    truth: MotRows,
    config: GaitConfig,
    every: int = 1,
    source: SilhouetteSource | None = None,
    fps: float | None = None,
) -> Collected:
    """Silhouettes (or reject reasons) for every ground-truth box of every n-th frame."""
    capture = cv2.VideoCapture(str(video))
    if not capture.isOpened():
        raise UsageError(f"{video}: cannot open the video")
    rate = fps or capture.get(cv2.CAP_PROP_FPS) or 10.0
    source = source if source is not None else create_source(config)
    by_frame: dict[int, np.ndarray] = defaultdict(lambda: np.zeros(0, dtype=np.int64))
    for frame_number in np.unique(truth.frame):
        by_frame[int(frame_number)] = np.flatnonzero(truth.frame == frame_number)
    out = Collected(observations=defaultdict(list), every=every, fps=rate)
    number = 0
    try:
        while True:
            ok, image = capture.read()
            if not ok:
                break
            number += 1
            if (number - 1) % every:
                continue
            rows = by_frame[number]
            xywh = truth.xywh[rows].astype(np.float32)
            started = time.perf_counter()
            results = extract(source, image, _xyxy(xywh), config)
            out.seconds += time.perf_counter() - started
            out.frames += 1
            out.boxes += len(rows)
            ts = (number - 1) / rate
            for row, box, result in zip(rows, xywh, results, strict=True):
                identity = int(truth.track_id[row])
                out.observations[identity].append(Observation(number, ts, box, result))
                out.reasons["ok" if isinstance(result, Silhouette) else str(result)] += 1
    finally:
        capture.release()
    out.observations = dict(out.observations)
    return out


def walking_direction(xywh: np.ndarray, seconds: float) -> str:
    """sideways, towards_away, oblique or still, from the foot point's straight-line motion."""
    if len(xywh) < 2 or seconds <= 0:
        return "still"
    feet = np.stack([xywh[:, 0] + xywh[:, 2] / 2, xywh[:, 1] + xywh[:, 3]], axis=1)
    steps = np.linspace(0.0, seconds, len(feet))
    dx = np.polyfit(steps, feet[:, 0], 1)[0]
    dy = np.polyfit(steps, feet[:, 1], 1)[0]
    speed = float(np.hypot(dx, dy)) / max(float(np.median(xywh[:, 3])), 1.0)
    if speed < _STILL_HEIGHTS_PER_S:
        return "still"
    angle = float(np.degrees(np.arctan2(abs(dy), abs(dx))))
    if angle <= _SIDEWAYS_DEG:
        return "sideways"
    if angle >= _FRONTAL_DEG:
        return "towards_away"
    return "oblique"


def occluded_share(truth: MotRows, identity: int, frames: np.ndarray, limit: float) -> float:
    """Share of an identity's boxes in `frames` that another box covers by more than `limit`."""
    hits = 0
    for frame_number in frames:
        rows = np.flatnonzero(truth.frame == frame_number)
        covered = covered_share(_xyxy(truth.xywh[rows]))
        mine = truth.track_id[rows] == identity
        hits += int(np.any(covered[mine] > limit))
    return hits / max(len(frames), 1)


def windows(
    collected: Collected, seconds: float, min_presence: float = 0.8
) -> list[tuple[int, int, int]]:
    """(identity, first frame, last frame) of back-to-back windows of `seconds` per identity.

    A window counts when the identity has a box in at least `min_presence` of its frames.
    """
    length = int(round(seconds * collected.fps))
    out = []
    for identity, observations in sorted(collected.observations.items()):
        frames = np.asarray([o.frame for o in observations])
        start = int(frames.min())
        while start + length - 1 <= frames.max():
            inside = (frames >= start) & (frames < start + length)
            if inside.sum() >= min_presence * length / collected.every:
                out.append((identity, start, start + length - 1))
            start += length
    return out


def halves(collected: Collected) -> list[tuple[int, int, int]]:
    """(identity, first, last frame) of the first and the second half of each trajectory."""
    out = []
    for identity, observations in sorted(collected.observations.items()):
        frames = [o.frame for o in observations]
        middle = frames[len(frames) // 2]
        out += [(identity, frames[0], middle - 1), (identity, middle, frames[-1])]
    return out


def samples_between(
    collected: Collected, identity: int, first: int, last: int, keep: int
) -> list[GaitSample]:
    """An identity's good silhouettes in frames first..last, the latest `keep` (the ring)."""
    good = []
    for o in collected.observations.get(identity, []):
        if first <= o.frame <= last and isinstance(o.result, Silhouette):
            x, y, w, h = (float(v) for v in o.xywh)
            good.append(GaitSample(o.ts, (x, y, x + w, y + h), o.result))
    return good[-keep:]


def build_segments(
    collected: Collected,
    truth: MotRows,
    spans: list[tuple[int, int, int]],
    config: GaitConfig,
) -> list[Segment]:
    """Signatures for the spans, as the live stage would build them (latest ring_frames)."""
    interval = collected.every / collected.fps
    out = []
    for identity, first, last in spans:
        inside = [o for o in collected.observations[identity] if first <= o.frame <= last]
        good = samples_between(collected, identity, first, last, config.ring_frames)
        boxes = np.stack([o.xywh for o in inside]) if inside else np.zeros((0, 4))
        out.append(
            Segment(
                identity=identity,
                first_frame=first,
                last_frame=last,
                direction=walking_direction(boxes, (last - first) / collected.fps),
                occluded=occluded_share(
                    truth, identity, np.asarray([o.frame for o in inside]), config.max_overlap
                ),
                accepted=len(good),
                boxes=len(inside),
                signature=build_signature(good, interval, config),
            )
        )
    return out


def gait_distances(segments: list[Segment]) -> np.ndarray:
    """Pairwise gait distance of segments with signatures (others: NaN rows and columns)."""
    n = len(segments)
    out = np.full((n, n), np.nan)
    for i, a in enumerate(segments):
        for j, b in enumerate(segments):
            if a.signature is not None and b.signature is not None:
                out[i, j] = gait_distance(a.signature, b.signature)
    return out


def allowed_pairs(segments: list[Segment], fps: float, min_gap_s: float) -> np.ndarray:
    """Which segment may be in whose gallery: not itself, and the same person only if the two
    stretches are at least `min_gap_s` apart (adjacent stretches share pose and light)."""
    n = len(segments)
    allowed = np.ones((n, n), dtype=bool)
    gap = min_gap_s * fps
    for i, a in enumerate(segments):
        for j, b in enumerate(segments):
            if i == j:
                allowed[i, j] = False
            elif a.identity == b.identity:
                apart = max(b.first_frame - a.last_frame, a.first_frame - b.last_frame)
                allowed[i, j] = apart >= gap
    return allowed


def retrieval(
    distances: np.ndarray,
    identities: np.ndarray,
    allowed: np.ndarray,
    queries: np.ndarray | None = None,
) -> RetrievalScores:
    """Rank-1 and mAP: each query (row) against its allowed, non-NaN gallery (columns).

    Queries without a true match in their gallery do not count.
    """
    rows = np.arange(len(distances)) if queries is None else np.flatnonzero(queries)
    hits, precisions, chances = [], [], []
    for i in rows:
        usable = allowed[i] & ~np.isnan(distances[i])
        columns = np.flatnonzero(usable)
        same = identities[columns] == identities[i]
        if not same.any() or same.all():
            continue
        ordered = same[np.argsort(distances[i, columns], kind="stable")]
        hits.append(float(ordered[0]))
        chances.append(float(same.mean()))
        ranks = np.flatnonzero(ordered) + 1
        precisions.append(float(np.mean(np.arange(1, len(ranks) + 1) / ranks)))
    if not hits:
        return RetrievalScores(0.0, 0.0, 0, 0.0)
    return RetrievalScores(
        float(np.mean(hits)), float(np.mean(precisions)), len(hits), float(np.mean(chances))
    )
