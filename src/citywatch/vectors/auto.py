"""The index the platform uses: exact while small, IVF once past a size threshold.

An `AutoIndex` starts as an `ExactIndex`. When an add takes it past `threshold` vectors it
trains an `IVFIndex` on the vectors it holds and moves them over, ids unchanged; as it keeps
growing it retrains whenever its size calls for twice as many IVF lists as it has (so list
lengths, and search time, stay bounded), and it falls back to exact search when removals take it
below `threshold // 2`. Rebuilds run while searches continue on the old index (only other
mutations wait); the new index is swapped in under the write lock. Saved like any index, with
kind "auto" and the inner index's kind and parameters in `params`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np

from citywatch.vectors.base import Floats, Ids, IndexFileError, IndexKind, VectorInputError
from citywatch.vectors.checks import empty_result
from citywatch.vectors.common import CHUNK_ROWS, IndexBase
from citywatch.vectors.exact import ExactIndex
from citywatch.vectors.ivf import IVFIndex, IVFOptions
from citywatch.vectors.persist import IndexMeta, Writers

log = logging.getLogger("citywatch.vectors")

DEFAULT_THRESHOLD = 50_000


class AutoIndex(IndexBase):
    kind: ClassVar[IndexKind] = "auto"

    def __init__(
        self, dim: int, threshold: int = DEFAULT_THRESHOLD, ivf: IVFOptions | None = None
    ) -> None:
        super().__init__(dim)
        if threshold < 1:
            raise VectorInputError(f"threshold must be >= 1, got {threshold}")
        self.threshold = int(threshold)
        self.ivf_options = ivf or IVFOptions()
        self._inner: ExactIndex | IVFIndex = ExactIndex(dim)

    @property
    def inner(self) -> ExactIndex | IVFIndex:
        """The index doing the work now (read-only use: mutate through the AutoIndex)."""
        return self._inner

    @property
    def approximate(self) -> bool:
        return isinstance(self._inner, IVFIndex)

    def rebuild(self) -> None:
        """Retrain the IVF centroids on everything held now (after the kind of faces stored has
        drifted, e.g. new cameras); searches continue meanwhile. No-op while exact."""
        with self._mutate:
            if isinstance(self._inner, IVFIndex):
                self._rebuild_ivf()

    def _count(self) -> int:
        return self._inner._count()

    def _add(self, ids: Ids, vectors: Floats) -> None:
        inner = self._inner
        if isinstance(inner, ExactIndex):
            fresh = ids.size - _held(inner, ids).sum()
            if len(inner) + fresh > self.threshold:
                self._rebuild_ivf(extra=(ids, vectors))
                return
            inner._add(ids, vectors)
            return
        inner._add(ids, vectors)
        if self.ivf_options.nlist_for(len(inner)) >= 2 * inner.nlist:
            self._rebuild_ivf()

    def _remove(self, ids: Ids) -> int:
        removed = self._inner._remove(ids)
        if isinstance(self._inner, IVFIndex) and len(self._inner) < self.threshold // 2:
            started = time.perf_counter()
            exact = ExactIndex.from_items(self._dim, self._inner._chunks(), len(self._inner))
            self._swap(exact)
            log.info(
                "vector index: %d vectors, back to exact search (%.1f s)",
                len(exact),
                time.perf_counter() - started,
            )
        return removed

    def _rebuild_ivf(self, extra: tuple[Ids, Floats] | None = None) -> None:
        old = self._inner
        started = time.perf_counter()
        if extra is None:
            count = len(old)

            def source() -> Iterator[tuple[Ids, Floats]]:
                return old._chunks()
        else:
            new_ids, new_vectors = extra
            replaced = _held(old, new_ids)
            count = len(old) - int(replaced.sum()) + new_ids.size
            dropped = new_ids[replaced]

            def source() -> Iterator[tuple[Ids, Floats]]:
                for ids, vectors in old._chunks():
                    keep = ~np.isin(ids, dropped) if dropped.size else slice(None)
                    yield ids[keep], vectors[keep]
                for start in range(0, new_ids.size, CHUNK_ROWS):
                    stop = start + CHUNK_ROWS
                    yield new_ids[start:stop], new_vectors[start:stop]

        built = IVFIndex.build(self._dim, source, count, self.ivf_options)
        self._swap(built)
        log.info(
            "vector index: %d vectors, rebuilt as IVF with %d lists (%.1f s)",
            len(built),
            built.nlist,
            time.perf_counter() - started,
        )

    def _swap(self, new: ExactIndex | IVFIndex) -> None:
        with self._rw.write():
            self._inner = new

    def _contains(self, id: int) -> bool:
        return self._inner.contains(id)

    def _search(self, queries: Floats, k: int) -> tuple[Floats, Ids]:
        inner = self._inner
        with inner._rw.read():
            if inner._count() == 0:
                return empty_result(queries.shape[0], k)
            return inner._search(queries, k)

    def _chunks(self) -> Iterator[tuple[Ids, Floats]]:
        return self._inner._chunks()

    def _memory_bytes(self) -> int:
        return self._inner.memory_bytes()

    def _params(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "ivf": asdict(self.ivf_options),
            "inner": {"kind": self._inner.kind, "params": self._inner._params()},
        }

    def _writers(self) -> Writers:
        return self._inner._writers()

    @classmethod
    def _restore(cls, directory: Path, meta: IndexMeta) -> Self:
        try:
            inner_meta = IndexMeta(
                kind=meta.params["inner"]["kind"],
                dim=meta.dim,
                count=meta.count,
                params=dict(meta.params["inner"]["params"]),
                files=meta.files,
                generation=meta.generation,
            )
            index = cls(meta.dim, int(meta.params["threshold"]), IVFOptions(**meta.params["ivf"]))
        except (KeyError, TypeError, ValueError) as error:
            raise IndexFileError(
                f"{directory}: malformed auto index parameters ({error})"
            ) from error
        if inner_meta.kind == "exact":
            index._inner = ExactIndex._restore(directory, inner_meta)
        elif inner_meta.kind == "ivf":
            index._inner = IVFIndex._restore(directory, inner_meta)
        else:
            raise IndexFileError(f"{directory}: auto index cannot hold a {inner_meta.kind!r} index")
        return index


def _held(index: ExactIndex | IVFIndex, ids: Ids) -> np.ndarray:
    """Which of `ids` the index holds (all False at once for an empty index)."""
    if len(index) == 0:
        return np.zeros(ids.size, dtype=bool)
    return np.fromiter((index._contains(i) for i in ids.tolist()), dtype=bool, count=ids.size)
