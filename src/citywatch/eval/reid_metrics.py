"""Re-identification ranking metrics from a distance matrix: CMC (rank-k) and mAP.

As in Market-1501: each query ranks the whole gallery by distance; gallery items marked junk
for that query (the same person a moment earlier or later on the same camera, which any
embedder finds trivially) are removed from its ranking before scoring, and a query with no
true match left is not scored at all. Rank-k is the fraction of scored queries with a true
match among the first k; AP is the mean of the precision at each true match's rank, and mAP
its mean over scored queries. Ties keep gallery order (a stable sort), so results are
reproducible.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class RankingScores:
    rank1: float
    rank5: float
    mean_ap: float
    queries: int  # scored: with at least one true match left after junk removal
    unscored: int  # queries with no true match in the gallery

    def as_dict(self, digits: int = 4) -> dict[str, float | int]:
        return {k: round(v, digits) if isinstance(v, float) else v for k, v in asdict(self).items()}


def average_precision(hits: np.ndarray) -> float:
    """AP of one ranking: `hits` is the ranked gallery's true-match flags (junk removed)."""
    hits = np.asarray(hits, dtype=bool)
    found = np.flatnonzero(hits)
    if not len(found):
        return 0.0
    precision_at_hits = np.arange(1, len(found) + 1) / (found + 1)
    return float(precision_at_hits.mean())


def ranking_scores(
    distances: np.ndarray,
    query_ids: np.ndarray,
    gallery_ids: np.ndarray,
    junk: np.ndarray | None = None,
) -> RankingScores:
    """Rank-1, rank-5 and mAP of a (queries x gallery) distance matrix.

    `junk[i, j]` True leaves gallery item j out of query i's ranking (neither a hit nor a
    miss). The query itself, when the gallery holds it, must be marked junk by the caller.
    """
    distances = np.asarray(distances, dtype=np.float64)
    query_ids, gallery_ids = np.asarray(query_ids), np.asarray(gallery_ids)
    if distances.shape != (len(query_ids), len(gallery_ids)):
        raise ValueError(
            f"distances are {distances.shape}, ids give {(len(query_ids), len(gallery_ids))}"
        )
    if junk is None:
        junk = np.zeros(distances.shape, dtype=bool)
    elif junk.shape != distances.shape:
        raise ValueError(f"junk mask is {junk.shape}, distances are {distances.shape}")
    first_hit: list[int] = []
    precisions: list[float] = []
    for row, query_id, skip in zip(distances, query_ids, junk, strict=True):
        order = np.argsort(row, kind="stable")
        order = order[~skip[order]]
        hits = gallery_ids[order] == query_id
        if not hits.any():
            continue
        first_hit.append(int(np.argmax(hits)))
        precisions.append(average_precision(hits))
    scored = len(first_hit)
    if not scored:
        return RankingScores(float("nan"), float("nan"), float("nan"), 0, len(query_ids))
    ranks = np.asarray(first_hit)
    return RankingScores(
        rank1=float((ranks < 1).mean()),
        rank5=float((ranks < 5).mean()),
        mean_ap=float(np.mean(precisions)),
        queries=scored,
        unscored=len(query_ids) - scored,
    )


def pair_distances(
    distances: np.ndarray, ids: np.ndarray, junk: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(distance, same person) for every unordered pair of one set that is not junk.

    For choosing a same-person threshold: genuine pairs are the same person at different
    times, impostor pairs two different people.
    """
    ids = np.asarray(ids)
    upper = np.triu(np.ones(distances.shape, dtype=bool), k=1) & ~junk
    same = ids[:, None] == ids[None, :]
    return np.asarray(distances)[upper], same[upper]
