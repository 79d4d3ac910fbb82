"""Cross-camera association: which earlier track, if any, a finished person track continues.

Each finished person track is compared with the tracks that ended recently on cameras it could
plausibly have come from (`CameraTopology`); the nearest by appearance, within the same-person
distance, gives it its identity, otherwise it starts a new one. Two rules keep identities sane:
an identity never has two tracks at the same time on the same camera (two people), and a track
is compared with each identity through that identity's nearest plausible track.

Decisions are made once, as tracks end, and stored with their distance, so an operator can
see why two tracks were joined and move a track to another identity (`PersonRecords`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from citywatch.reid.topology import CameraTopology, Span

TrackKey = tuple[str, str, int]  # (camera_id, run_id, local_id)

# Tracks end in any order across cameras, and a long track that ends now may have started
# long ago: finished tracks are remembered this much longer than the topology's horizon.
LONGEST_TRACK_S = 600.0


@dataclass(frozen=True)
class AppearanceSummary:
    key: TrackKey
    span: Span
    embedding: np.ndarray = field(repr=False, compare=False)
    gait: np.ndarray | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class IdentityLink:
    identity_id: str
    distance: float | None  # to the track it was linked to; None for a new identity
    linked_to: TrackKey | None
    source: str  # "appearance", "appearance+gait" or "new"


class Associator(Protocol):
    """What re-ID stages call as tracks end: in this process (`IdentityAssociator`), or one
    shared by a cluster's hosts (citywatch.cluster.association)."""

    threshold: float

    def assign(self, summary: AppearanceSummary) -> IdentityLink: ...


class IdentityAssociator:
    """Thread-safe: every camera's worker calls `assign` as its tracks end."""

    def __init__(
        self,
        topology: CameraTopology,
        threshold: float,
        new_identity: Callable[[], str],
        gait_weight: float = 0.0,
        gait_scale: float = 1.0,
    ) -> None:
        self.topology = topology
        self.threshold = threshold
        self.gait_weight = gait_weight
        self.gait_scale = gait_scale  # gait distances are divided by this to match appearance's
        self._new_identity = new_identity
        self._recent: list[tuple[AppearanceSummary, str]] = []
        self._latest_end = float("-inf")
        self._lock = threading.Lock()

    def assign(self, summary: AppearanceSummary) -> IdentityLink:
        with self._lock:
            self._latest_end = max(self._latest_end, summary.span.ended_at)
            self._forget_before(self._latest_end - self.topology.horizon_s - LONGEST_TRACK_S)
            link = self._best_link(summary)
            self._recent.append((summary, link.identity_id))
            return link

    def _best_link(self, summary: AppearanceSummary) -> IdentityLink:
        busy = {  # identities already on this camera at the same time: someone else
            identity
            for other, identity in self._recent
            if other.span.camera_id == summary.span.camera_id and _overlap(other.span, summary.span)
        }
        best: tuple[float, AppearanceSummary, str, str] | None = None
        for other, identity in self._recent:
            if identity in busy or not self.topology.plausible(other.span, summary.span):
                continue
            distance, source = self.distance(summary, other)
            if best is None or distance < best[0]:
                best = (distance, other, identity, source)
        if best is None or best[0] > self.threshold:
            return IdentityLink(self._new_identity(), None, None, "new")
        distance, other, identity, source = best
        return IdentityLink(identity, distance, other.key, source)

    def distance(self, a: AppearanceSummary, b: AppearanceSummary) -> tuple[float, str]:
        appearance = 1.0 - float(np.dot(a.embedding, b.embedding))
        if self.gait_weight <= 0 or a.gait is None or b.gait is None:
            return appearance, "appearance"
        gait = (1.0 - float(np.dot(a.gait, b.gait))) / self.gait_scale
        fused = (1.0 - self.gait_weight) * appearance + self.gait_weight * gait
        return fused, "appearance+gait"

    def _forget_before(self, when: float) -> None:
        self._recent = [(s, i) for s, i in self._recent if s.span.ended_at >= when]


def _overlap(a: Span, b: Span) -> bool:
    return a.started_at < b.ended_at and b.started_at < a.ended_at
