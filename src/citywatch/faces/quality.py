"""Is a face worth embedding? Size, sharpness and pose from the box and 5 landmarks.

Recognition accuracy falls fast on small, blurred or turned faces, and a track of a person
walking past a camera holds dozens of faces, most of them poor. The gate rejects the hopeless
ones; `BestShots` keeps the few best of each track so only those are embedded and stored.

The measures work with either landmark layout (both give the eye centres and a nose point):
- size: width of the face box in frame pixels.
- sharpness: the face is warped so the eyes sit at fixed points of a grey patch, 64x64 or the
  face's own size if smaller (enlarging would add interpolation edges), then the variance of
  its Laplacian is divided by the patch's own variance (so contrast and lighting cancel) and
  squashed to 0..1. It measures blur (defocus, motion); too few pixels is the size measure's
  job.
- pose: roll from the eye line; yaw from how far the nose sits off the eyes' midpoint; pitch
  from how far below the eyes it sits, against a frontal face. Degrees are rough (a nose-depth
  model, no 3-D fit), good for gating at 30-45 degrees, not for measuring.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

import cv2
import numpy as np

from citywatch.faces.align import warp_to_template
from citywatch.faces.geometry import eye_centres, nose_point
from citywatch.faces.types import DLIB5, LANDMARKS, FaceQuality

_PATCH = 64
_EYES_IN_PATCH = np.array([[0.3, 0.4], [0.7, 0.4]], dtype=np.float32) * _PATCH
# Nose below the eye line, in eye distances, on a frontal face: the median over the 43 LFW and
# openface photos (mostly frontal) for each layout (the OMZ template itself says 0.57). Yaw and
# pitch from the two layouts correlate at 0.94 and 0.88 on those photos.
_FRONTAL_NOSE_DROP = {LANDMARKS: 0.60, DLIB5: 0.78}
# Nose depth in front of the eyes, in eye distances (anthropometric, rough).
_NOSE_DEPTH = {LANDMARKS: 0.5, DLIB5: 0.4}
# Laplacian ratio that maps to sharpness 0.5. Measured on our 66 verification photos blurred
# with a Gaussian of sigma = k % of the face width: the median ratio is 4.7 unblurred, 0.88 at
# 2 %, 0.46 at 3 %, 0.31 at 4 %; face-reidentification-0095's FNMR (probe blurred, gallery
# sharp, threshold 0.51) is 1.4 %, 1.4 %, 5.6 %, 40 %. So the knee is near 0.4.
_SHARPNESS_HALF = 0.4


@dataclass(frozen=True)
class QualityThresholds:
    """Defaults from the same photos shrunk so the face is W px wide (probe) against the
    full-size photo (gallery): FNMR 92 % at 12 px, 55 % at 16, 24 % at 20, 12 % at 24,
    1-4 % from 32 up, with the false match rate unchanged (below 0.05 %)."""

    min_size_px: float = 20.0
    good_size_px: float = 40.0  # size scores 1 from here up
    min_sharpness: float = 0.5  # Laplacian ratio 0.4: blur beyond ~3 % of the face width
    max_yaw: float = 45.0
    max_pitch: float = 40.0
    min_score: float = 0.3


def sharpness(image: np.ndarray, landmarks: np.ndarray, key: str) -> float:
    """0..1 sharpness of the face (see the module notes)."""
    return _sharpness_from_ratio(laplacian_ratio(image, landmarks, key))


def laplacian_ratio(image: np.ndarray, landmarks: np.ndarray, key: str) -> float:
    """Variance of the Laplacian over variance of the grey face, on an eye-aligned patch.

    The patch is 64x64 for faces at least that large (shrunk by area, which averages noise)
    and the face's own size for smaller ones: enlarging a small face would add interpolation
    edges the Laplacian counts as detail. Small faces are scored by their size, not here.
    """
    left, right = eye_centres(np.asarray(landmarks, dtype=np.float32), key)
    eye_distance = float(np.hypot(*(right - left)))
    template_distance = float(_EYES_IN_PATCH[1, 0] - _EYES_IN_PATCH[0, 0])
    factor = min(1.0, eye_distance / template_distance) if eye_distance > 0 else 1.0
    side = max(16, round(_PATCH * factor))
    eyes = _EYES_IN_PATCH * (side / _PATCH)
    patch = warp_to_template(image, np.stack([left, right]), eyes, (side, side))
    grey = cv2.cvtColor(patch, cv2.COLOR_BGR2GRAY).astype(np.float32)
    # The face only: not the zero fill of a face at the frame edge, nor the background.
    m = side // 8
    inner = grey[m : side - m // 2, m : side - m]
    contrast = float(inner.var())
    if contrast < 1.0:
        return 0.0
    return float(cv2.Laplacian(inner, cv2.CV_32F, ksize=3).var()) / contrast


def _sharpness_from_ratio(ratio: float) -> float:
    return ratio / (ratio + _SHARPNESS_HALF)


def pose(landmarks: np.ndarray, key: str) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in rough degrees; see the module notes for the signs."""
    points = np.asarray(landmarks, dtype=np.float64)
    left, right = eye_centres(points, key)
    eye_vector = right - left
    distance = float(np.hypot(*eye_vector))
    if distance < 1e-6:
        return 90.0, 90.0, 0.0
    roll = math.degrees(math.atan2(eye_vector[1], eye_vector[0]))
    # Undo roll: coordinates along the eye line (u) and across it (v), in eye distances.
    unit = eye_vector / distance
    normal = np.array([-unit[1], unit[0]])
    nose = nose_point(points, key) - (left + right) / 2
    u = float(nose @ unit) / distance
    v = float(nose @ normal) / distance
    depth = _NOSE_DEPTH[key]
    yaw = math.degrees(math.atan2(u, depth))
    # Pitch: the nose's drop below the eyes is drop0*cos(p) + depth*sin(p) (p > 0: looking down).
    drop0 = _FRONTAL_NOSE_DROP[key]
    radius = math.hypot(drop0, depth)
    pitch = math.degrees(math.asin(max(-1.0, min(1.0, v / radius))) - math.atan2(drop0, depth))
    return yaw, pitch, roll


class QualityGate:
    """Scores faces and says which pass. Thresholds are `QualityThresholds` (FacesConfig)."""

    def __init__(self, thresholds: QualityThresholds | None = None) -> None:
        self.thresholds = thresholds or QualityThresholds()

    def assess(
        self, image: np.ndarray, box: np.ndarray, landmarks: np.ndarray | None, key: str | None
    ) -> FaceQuality:
        t = self.thresholds
        size = float(box[2] - box[0])
        if landmarks is None or key is None:
            sharp, yaw, pitch, roll = 0.0, 90.0, 90.0, 0.0
        else:
            sharp = sharpness(image, landmarks, key)
            yaw, pitch, roll = pose(landmarks, key)
        # Half the minimum scores 0, so a face just at the minimum still ranks above nothing.
        floor = t.min_size_px / 2
        size_score = min(max((size - floor) / max(t.good_size_px - floor, 1e-6), 0.0), 1.0)
        sharp_score = sharp
        pose_score = max(0.0, math.cos(math.radians(min(abs(yaw), 90.0)))) * max(
            0.0, math.cos(math.radians(min(abs(pitch), 90.0)))
        )
        # Geometric mean: any factor at zero sinks the face, none alone dominates the ranking.
        score = (size_score * sharp_score * pose_score) ** (1 / 3)
        reasons = []
        if landmarks is None:
            reasons.append("no landmarks")
        if size < t.min_size_px:
            reasons.append(f"size {size:.0f}px < {t.min_size_px:g}")
        if sharp < t.min_sharpness:
            reasons.append(f"sharpness {sharp:.2f} < {t.min_sharpness:g}")
        if abs(yaw) > t.max_yaw:
            reasons.append(f"yaw {yaw:.0f} > {t.max_yaw:g}")
        if abs(pitch) > t.max_pitch:
            reasons.append(f"pitch {pitch:.0f} > {t.max_pitch:g}")
        if score < t.min_score:
            reasons.append(f"score {score:.2f} < {t.min_score:g}")
        return FaceQuality(
            size_px=size,
            sharpness=sharp,
            yaw=yaw,
            pitch=pitch,
            roll=roll,
            score=score,
            passes=not reasons,
            reasons=tuple(reasons),
        )


T = TypeVar("T")


class BestShots(Generic[T]):
    """The `keep` highest-quality items seen per track (any hashable track key).

    `offer` says whether the item made it in, so a caller can skip embedding faces that did
    not; `take` hands a finished track's best items over (best first) and forgets the track.
    Not thread-safe: one selector per camera worker.
    """

    def __init__(self, keep: int = 3) -> None:
        if keep < 1:
            raise ValueError("keep must be at least 1")
        self.keep = keep
        self._heaps: dict[Hashable, list[tuple[float, int, T]]] = {}
        self._order = itertools.count()  # tie-break: earlier items win equal scores

    def offer(self, track: Hashable, score: float, item: T) -> bool:
        heap = self._heaps.setdefault(track, [])
        entry = (float(score), -next(self._order), item)
        if len(heap) < self.keep:
            heapq.heappush(heap, entry)
            return True
        if entry[:2] > heap[0][:2]:
            heapq.heapreplace(heap, entry)
            return True
        return False

    def would_keep(self, track: Hashable, score: float) -> bool:
        """Whether an item of this score would enter the track's best (without offering it)."""
        heap = self._heaps.get(track, [])
        return len(heap) < self.keep or float(score) > heap[0][0]

    def best(self, track: Hashable) -> list[T]:
        heap = self._heaps.get(track, [])
        return [item for _, _, item in sorted(heap, key=lambda e: e[:2], reverse=True)]

    def take(self, track: Hashable) -> list[T]:
        items = self.best(track)
        self._heaps.pop(track, None)
        return items

    def tracks(self) -> list[Hashable]:
        return list(self._heaps)
