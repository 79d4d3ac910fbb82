"""Assignment of tracks to detections by IoU (Hungarian), shared by both association stages."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment


@dataclass(frozen=True)
class Assignment:
    pairs: list[tuple[int, int]]  # (row, column) of the cost matrix
    unmatched_rows: list[int]
    unmatched_cols: list[int]


def assign(similarity: np.ndarray, minimum: float) -> Assignment:
    """Maximise total similarity; pairs below `minimum` are left unmatched."""
    rows, cols = similarity.shape
    if rows == 0 or cols == 0:
        return Assignment([], list(range(rows)), list(range(cols)))
    # Pairs below the minimum are made impossible rather than filtered afterwards, so the
    # solver does not sacrifice a good pair to fit a bad one.
    cost = np.where(similarity >= minimum, 1.0 - similarity, 1e6)
    row_idx, col_idx = linear_sum_assignment(cost)
    pairs = [(int(r), int(c)) for r, c in zip(row_idx, col_idx, strict=True) if cost[r, c] < 1e5]
    matched_rows = {r for r, _ in pairs}
    matched_cols = {c for _, c in pairs}
    return Assignment(
        pairs,
        [r for r in range(rows) if r not in matched_rows],
        [c for c in range(cols) if c not in matched_cols],
    )
