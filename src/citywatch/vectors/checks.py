"""Input checks shared by every index: shapes, dimension, finiteness, unit length, ids."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from citywatch.vectors.base import MISSING_ID, Floats, Ids, VectorInputError

# Rows further than this from unit length are refused: the caller forgot to normalise.
NORM_TOLERANCE = 1e-2
# Rows closer than this to unit length are used as they are (no copy).
NORM_EXACT = 1e-4
_CHUNK = 1 << 20


def as_ids(ids: npt.ArrayLike) -> Ids:
    array = np.asarray(ids)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise VectorInputError(f"ids must be one-dimensional, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise VectorInputError(f"ids must be integers, got {array.dtype}")
    out = array.astype(np.int64, copy=False)
    if out.size and int(out.min()) < 0:
        raise VectorInputError(
            f"ids must be >= 0 ({MISSING_ID} marks 'no result'), got {out.min()}"
        )
    return out


def as_vectors(vectors: npt.ArrayLike, dim: int, what: str = "vectors") -> Floats:
    """(n, dim) float32, C-contiguous, finite and unit length; a (dim,) vector becomes (1, dim).

    Rows within NORM_TOLERANCE of unit length are renormalised (in a copy); others are refused.
    Large inputs are checked in chunks so no full-size temporary is made.
    """
    array = np.asarray(vectors)
    if array.ndim == 1:
        array = array.reshape(1, -1)
    if array.ndim != 2:
        raise VectorInputError(f"{what} must be (n, {dim}), got shape {array.shape}")
    if array.shape[1] != dim:
        raise VectorInputError(
            f"{what} have dimension {array.shape[1]}, this index holds dimension {dim}"
        )
    if array.size and not np.issubdtype(array.dtype, np.floating):
        raise VectorInputError(f"{what} must be floating point, got {array.dtype}")
    out = np.ascontiguousarray(array, dtype=np.float32)
    fix = []
    for start in range(0, out.shape[0], _CHUNK):
        part = out[start : start + _CHUNK]
        bad = ~np.isfinite(part).all(axis=1)
        if bad.any():
            row = start + int(np.argmax(bad))
            raise VectorInputError(f"{what} row {row} has NaN or infinite values")
        norms = np.sqrt(np.einsum("ij,ij->i", part, part))
        off = np.abs(norms - 1.0)
        if off.size and float(off.max()) > NORM_TOLERANCE:
            row = int(np.argmax(off))
            raise VectorInputError(
                f"{what} row {start + row} has norm {norms[row]:.4g}; the index holds "
                "L2-normalised embeddings, normalise them first"
            )
        if off.size and float(off.max()) > NORM_EXACT:
            fix.append(start)
    if fix:
        out = out.copy() if np.may_share_memory(out, array) else out
        for start in fix:
            part = out[start : start + _CHUNK]
            part /= np.sqrt(np.einsum("ij,ij->i", part, part))[:, None]
    return out


def as_batch(ids: npt.ArrayLike, vectors: npt.ArrayLike, dim: int) -> tuple[Ids, Floats]:
    """Checked ids and vectors of one `add`; within the batch the last row of an id wins."""
    id_array = as_ids(ids)
    array = as_vectors(vectors, dim)
    if id_array.shape[0] != array.shape[0]:
        raise VectorInputError(f"{id_array.shape[0]} ids for {array.shape[0]} vectors")
    return last_of_each(id_array, array)


def last_of_each(ids: Ids, vectors: Floats) -> tuple[Ids, Floats]:
    if ids.size < 2:
        return ids, vectors
    _, first_from_end = np.unique(ids[::-1], return_index=True)
    if first_from_end.size == ids.size:
        return ids, vectors
    keep = np.sort(ids.size - 1 - first_from_end)
    return ids[keep], vectors[keep]


def check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise VectorInputError(f"k must be a positive integer, got {k!r}")
    return int(k)


def empty_result(queries: int, k: int) -> tuple[Floats, Ids]:
    return (
        np.full((queries, k), np.inf, dtype=np.float32),
        np.full((queries, k), MISSING_ID, dtype=np.int64),
    )


def to_distances(similarities: npt.NDArray[np.floating], ids: Ids) -> Floats:
    """Cosine distance from inner products of unit vectors; +inf where the id is missing."""
    out = np.clip(1.0 - similarities.astype(np.float32), 0.0, 2.0)
    out[ids == MISSING_ID] = np.inf
    return out
