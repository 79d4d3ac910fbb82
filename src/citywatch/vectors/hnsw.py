"""Graph search with usearch HNSW, kept as the measured alternative to IVF (`--index hnsw`).

usearch holds keys natively (add, remove, contains) and saves its own graph file. With the
default `f32` storage the distances it returns are exact for the candidates it finds; `f16`
and `i8` halve or quarter the memory at a recall cost. On this project's 2-core machine HNSW
builds far more slowly than IVF (1M x 128: 265 s against ~35 s) at lower recall@1, which is why
`AutoIndex` switches to IVF, not to this.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
from usearch.index import Index

from citywatch.vectors import checks
from citywatch.vectors.base import MISSING_ID, Floats, Ids, IndexFileError, IndexKind
from citywatch.vectors.common import CHUNK_ROWS, IndexBase
from citywatch.vectors.persist import IndexMeta, Writers


@dataclass(frozen=True)
class HNSWOptions:
    dtype: str = "f32"  # storage: f32 (exact distances), f16 or i8
    connectivity: int = 16
    expansion_add: int = 128
    expansion_search: int = 128
    threads: int = 0  # 0: all cores, for adds and batched searches


class HNSWIndex(IndexBase):
    kind: ClassVar[IndexKind] = "hnsw"

    def __init__(self, dim: int, options: HNSWOptions | None = None) -> None:
        super().__init__(dim)
        self.options = options or HNSWOptions()
        self._index = self._new_index()

    def _new_index(self) -> Index:
        return Index(
            ndim=self._dim,
            metric="ip",
            dtype=self.options.dtype,
            connectivity=self.options.connectivity,
            expansion_add=self.options.expansion_add,
            expansion_search=self.options.expansion_search,
        )

    def _count(self) -> int:
        return len(self._index)

    def _add(self, ids: Ids, vectors: Floats) -> None:
        keys = ids.astype(np.uint64)
        with self._rw.write():
            held = np.asarray(self._index.contains(keys), dtype=bool).reshape(-1)
            if held.any():
                self._index.remove(keys[held])
            self._index.add(keys, vectors, threads=self.options.threads)

    def _remove(self, ids: Ids) -> int:
        with self._rw.write():
            return int(self._index.remove(ids.astype(np.uint64)))

    def _contains(self, id: int) -> bool:
        return bool(self._index.contains(id))

    def _search(self, queries: Floats, k: int) -> tuple[Floats, Ids]:
        found: Any = self._index.search(queries, k, threads=self.options.threads)
        keys = np.asarray(found.keys).reshape(queries.shape[0], -1)
        raw = np.asarray(found.distances, dtype=np.float32).reshape(queries.shape[0], -1)
        if hasattr(found, "counts"):  # BatchMatches: rows padded with garbage past `counts`
            counts = np.asarray(found.counts).reshape(-1)
        else:  # one query gives Matches, trimmed to what was found
            counts = np.array([keys.shape[1]])
        distances, ids = checks.empty_result(queries.shape[0], k)
        width = min(k, keys.shape[1])
        valid = np.arange(width)[None, :] < counts[:, None]
        ids[:, :width] = np.where(valid, keys[:, :width].astype(np.int64), MISSING_ID)
        # usearch's "ip" distance is already 1 - inner product
        distances[:, :width] = np.where(valid, np.clip(raw[:, :width], 0.0, 2.0), np.inf)
        return distances, ids

    def _chunks(self) -> Iterator[tuple[Ids, Floats]]:
        keys = np.asarray(self._index.keys, dtype=np.uint64)
        for start in range(0, keys.size, CHUNK_ROWS):
            part = keys[start : start + CHUNK_ROWS]
            vectors = np.asarray(self._index.get(part, dtype="f32"), dtype=np.float32)
            yield part.astype(np.int64), vectors.reshape(part.size, self._dim)

    def _memory_bytes(self) -> int:
        return int(self._index.memory_usage)

    def _params(self) -> dict[str, Any]:
        return asdict(self.options)

    def _writers(self) -> Writers:
        index = self._index

        def write(path: Path) -> None:
            index.save(str(path))

        return {"graph": ("usearch", write)}

    @classmethod
    def _restore(cls, directory: Path, meta: IndexMeta) -> Self:
        try:
            index = cls(meta.dim, HNSWOptions(**meta.params))
        except TypeError as error:
            raise IndexFileError(f"{directory}: unknown HNSW parameters ({error})") from error
        path = meta.path(directory, "graph")
        try:
            index._index.load(str(path))  # keeps the expansion_search it was built with
        except (RuntimeError, ValueError) as error:
            raise IndexFileError(f"{path}: not a readable usearch index ({error})") from error
        if index._index.ndim != meta.dim:
            raise IndexFileError(f"{path}: graph of dimension {index._index.ndim}, not {meta.dim}")
        return index
