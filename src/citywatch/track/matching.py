"""Assignment of tracks to detections by IoU (Hungarian), shared by both association stages."""

from __future__ import annotations

from dataclasses import dataclass

import lap
import numpy as np


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
    # Pairs below the minimum are impossible for the solver (cost_limit), rather than filtered
    # afterwards, so it never sacrifices a good pair to fit a bad one. lap's Jonker-Volgenant
    # solver imports in a third of the time scipy.optimize takes, which the CLI start feels.
    cost = 1.0 - similarity.astype(np.float64)
    _, row_to_col, _ = lap.lapjv(cost, extend_cost=True, cost_limit=1.0 - minimum + 1e-9)
    pairs = [(r, int(c)) for r, c in enumerate(row_to_col) if c >= 0]
    matched_rows = {r for r, _ in pairs}
    matched_cols = {c for _, c in pairs}
    return Assignment(
        pairs,
        [r for r in range(rows) if r not in matched_rows],
        [c for c in range(cols) if c not in matched_cols],
    )
