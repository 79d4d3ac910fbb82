"""Verification accuracy: same/different decisions on labelled pairs at a threshold.

Distances are cosine distances (smaller = more alike); a pair is called "same" when its
distance is at or below the threshold. Terms as in ISO/IEC 19795-1:
- FMR (false match rate): impostor pairs (different people) called same, over impostor pairs.
- FNMR (false non-match rate): genuine pairs (one person) called different, over genuine pairs.
- accuracy: correct decisions over all pairs (this depends on the genuine/impostor mix).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class VerificationStats:
    threshold: float
    genuine: int
    impostor: int
    false_non_matches: int
    false_matches: int

    @property
    def pairs(self) -> int:
        return self.genuine + self.impostor

    @property
    def accuracy(self) -> float:
        errors = self.false_matches + self.false_non_matches
        return 1.0 - errors / self.pairs if self.pairs else float("nan")

    @property
    def fmr(self) -> float:
        return self.false_matches / self.impostor if self.impostor else float("nan")

    @property
    def fnmr(self) -> float:
        return self.false_non_matches / self.genuine if self.genuine else float("nan")

    def as_dict(self) -> dict[str, float | int]:
        return {
            **asdict(self),
            "pairs": self.pairs,
            "accuracy": self.accuracy,
            "fmr": self.fmr,
            "fnmr": self.fnmr,
        }


def verification_stats(
    distances: np.ndarray, same: np.ndarray, threshold: float
) -> VerificationStats:
    distances = np.asarray(distances, dtype=np.float64)
    same = np.asarray(same, dtype=bool)
    called_same = distances <= threshold
    return VerificationStats(
        threshold=float(threshold),
        genuine=int(same.sum()),
        impostor=int((~same).sum()),
        false_non_matches=int((same & ~called_same).sum()),
        false_matches=int((~same & called_same).sum()),
    )


def eer_threshold(distances: np.ndarray, same: np.ndarray) -> tuple[float, float]:
    """(threshold, equal error rate): where the larger of FMR and FNMR is smallest.

    Both rates are step functions of the threshold, so that minimum holds over an interval;
    the threshold returned is the interval's middle, not an edge that one sample decides.
    """
    distances = np.asarray(distances, dtype=np.float64)
    same = np.asarray(same, dtype=bool)
    genuine, impostor = np.sort(distances[same]), np.sort(distances[~same])
    if not len(genuine) or not len(impostor):
        raise ValueError("the EER needs both genuine and impostor pairs")
    candidates = np.unique(np.concatenate([distances, [distances.min() - 1e-6]]))
    fnmr = 1.0 - np.searchsorted(genuine, candidates, side="right") / len(genuine)
    fmr = np.searchsorted(impostor, candidates, side="right") / len(impostor)
    worst = np.maximum(fnmr, fmr)
    best = worst.min()
    at_best = np.flatnonzero(np.isclose(worst, best))
    low = candidates[at_best[0]]
    # The interval ends where the next distance changes a decision.
    following = at_best[-1] + 1
    high = candidates[following] if following < len(candidates) else candidates[at_best[-1]]
    return float((low + high) / 2), float(best)


def threshold_at_fmr(impostor_distances: np.ndarray, fmr: float) -> float:
    """The largest threshold whose FMR on these impostor pairs does not exceed `fmr`."""
    impostor = np.sort(np.asarray(impostor_distances, dtype=np.float64))
    allowed = int(np.floor(fmr * len(impostor)))
    if allowed >= len(impostor):
        return float(impostor[-1])
    return float(np.nextafter(impostor[allowed], -np.inf))
