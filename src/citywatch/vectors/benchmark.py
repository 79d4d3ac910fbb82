"""`citywatch bench search`: build an index over stored vectors and time single queries.

Latency is per single query, one at a time (as live matching runs), after a short warm-up.
Recall@1 is measured against exact inner-product search over the same vectors (numpy brute
force for the queries only, so 10M stored vectors need no n x n work); a returned id counts as
correct when it is the exact nearest or ties with it (similarity within 1e-5).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from citywatch.core.errors import UsageError
from citywatch.vectors.base import Floats, Ids, VectorInputError
from citywatch.vectors.synthetic import ClusteredSpec, clustered, noisy_queries

log = logging.getLogger("citywatch.vectors")

TIE_TOLERANCE = 1e-5
WARMUP_QUERIES = 20


def rss_bytes() -> int | None:
    """Resident memory of this process now (Linux), or None where /proc is not there."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def load_matrix(path: Path, what: str) -> Floats:
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as error:
        raise UsageError(f"{path}: cannot read {what} as a .npy array ({error})") from None
    if array.ndim != 2 or array.shape[0] == 0:
        raise UsageError(f"{path}: {what} must be a non-empty (n, dim) array, got {array.shape}")
    if not np.issubdtype(array.dtype, np.floating):
        raise UsageError(f"{path}: {what} must be floating point, got {array.dtype}")
    return np.ascontiguousarray(array, dtype=np.float32)


def synthetic(n: int, dim: int, queries: int, seed: int) -> tuple[Floats, Floats, dict[str, Any]]:
    spec = ClusteredSpec(seed=seed)
    started = time.perf_counter()
    stored = clustered(n, dim, spec)
    asked, _ = noisy_queries(stored, queries, spec)
    log.info("generated %d x %d vectors in %.1f s", n, dim, time.perf_counter() - started)
    return stored, asked, spec.describe()


def exact_top1(stored: Floats, queries: Floats, rows: int = 1 << 18) -> tuple[Floats, Ids]:
    """Exact nearest stored row of each query: (similarity, row). Matrix products over blocks of
    stored rows, so memory stays at queries x `rows` scores however large `stored` is."""
    best_sims = np.full(queries.shape[0], -np.inf, dtype=np.float32)
    best_rows = np.full(queries.shape[0], -1, dtype=np.int64)
    for start in range(0, stored.shape[0], rows):
        scores = queries @ stored[start : start + rows].T
        top = np.argmax(scores, axis=1)
        sims = scores[np.arange(queries.shape[0]), top]
        better = sims > best_sims
        best_sims[better], best_rows[better] = sims[better], top[better] + start
    return best_sims, best_rows


def run_search_benchmark(
    stored: Floats,
    queries: Floats,
    kind: str,
    k: int = 1,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build `kind` over `stored` (ids = row numbers), time `queries` one by one, score them."""
    from citywatch.vectors import create_index

    if queries.shape[1] != stored.shape[1]:
        raise UsageError(
            f"queries have dimension {queries.shape[1]}, stored vectors {stored.shape[1]}"
        )
    n, dim = stored.shape
    index = create_index(kind, dim, **(options or {}))
    before = rss_bytes()
    started = time.perf_counter()
    try:
        index.add(np.arange(n, dtype=np.int64), stored)
    except VectorInputError as error:
        raise UsageError(f"stored vectors: {error}") from None
    build_s = time.perf_counter() - started
    after = rss_bytes()
    rss_delta = None if before is None or after is None else round((after - before) / 2**20, 1)
    log.info("built %s index over %d vectors in %.1f s", kind, n, build_s)
    result = time_and_score(index, stored, queries, k)
    return {
        "n": int(n),
        "dim": int(dim),
        "index": kind,
        "build_s": round(build_s, 3),
        "memory_mb": round(index.memory_bytes() / 2**20, 1),
        **result,
        "rss_delta_mb": rss_delta,
        "detail": describe(index),
    }


def time_and_score(index: Any, stored: Floats, queries: Floats, k: int = 1) -> dict[str, Any]:
    """Single-query latency of a built `index` (ids = rows of `stored`) and its recall@1."""
    n = stored.shape[0]
    for row in range(min(WARMUP_QUERIES, queries.shape[0])):
        index.search(queries[row : row + 1], k)
    seconds = np.empty(queries.shape[0])
    found = np.empty(queries.shape[0], dtype=np.int64)
    for row in range(queries.shape[0]):
        one = queries[row : row + 1]
        tick = time.perf_counter()
        _, ids = index.search(one, k)
        seconds[row] = time.perf_counter() - tick
        found[row] = ids[0, 0]

    truth_sims, truth_ids = exact_top1(stored, queries)
    got_sims = np.where(
        found >= 0,
        np.einsum("ij,ij->i", stored[np.clip(found, 0, n - 1)], queries),
        -np.inf,
    )
    hits = (found == truth_ids) | (got_sims >= truth_sims - TIE_TOLERANCE)
    ms = seconds * 1000.0
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 4),
        "p95_ms": round(float(np.percentile(ms, 95)), 4),
        "recall_at_1": round(float(hits.mean()), 4),
        "recall_at_1_strict_id": round(float((found == truth_ids).mean()), 4),
        "p99_ms": round(float(np.percentile(ms, 99)), 4),
        "k": k,
        "queries": int(queries.shape[0]),
    }


def describe(index: Any) -> dict[str, Any]:
    """What the index became: inner kind, IVF lists and probes, HNSW settings."""
    from citywatch.vectors.auto import AutoIndex
    from citywatch.vectors.ivf import IVFIndex

    inner = index.inner if isinstance(index, AutoIndex) else index
    detail: dict[str, Any] = {"class": type(index).__name__, "working_as": inner.kind}
    if isinstance(index, AutoIndex):
        detail["threshold"] = index.threshold
    if isinstance(inner, IVFIndex):
        detail.update(nlist=inner.nlist, nprobe=inner.nprobe, trained_on=inner.trained_on)
    options = getattr(inner, "options", None)
    if options is not None and not isinstance(inner, IVFIndex):
        detail["options"] = vars(options) if hasattr(options, "__dict__") else str(options)
    try:
        import faiss

        detail["faiss_threads"] = faiss.omp_get_max_threads()
    except ImportError:  # pragma: no cover - faiss is a dependency
        pass
    return detail
