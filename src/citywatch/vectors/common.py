"""What every index implementation shares: checks, locking, padding, saving and loading.

Subclasses implement the `_add`, `_remove`, `_search`, ... hooks on checked input. Mutations
are serialised by `_mutate`; a subclass takes `_rw.write()` around the moments it changes
structures that searches read, and searches run under `_rw.read()`, so searches may run at the
same time as each other and as the slow, read-only parts of an add (training, rebuilding).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt

from citywatch.vectors import checks
from citywatch.vectors.base import Floats, Ids, IndexKind, VectorInputError
from citywatch.vectors.locking import ReadWriteLock
from citywatch.vectors.persist import IndexMeta, Writers, check_loaded, read_meta, save_directory

# Rows handed out at a time when an index is walked (rebuilds, export).
CHUNK_ROWS = 1 << 18


class IndexBase(ABC):
    kind: ClassVar[IndexKind]

    def __init__(self, dim: int) -> None:
        if isinstance(dim, bool) or not isinstance(dim, int | np.integer) or dim < 1:
            raise VectorInputError(f"dim must be a positive integer, got {dim!r}")
        self._dim = int(dim)
        self._mutate = threading.RLock()
        self._rw = ReadWriteLock()

    # -- the VectorIndex protocol -------------------------------------------------------------

    @property
    def dim(self) -> int:
        return self._dim

    def __len__(self) -> int:
        return self._count()

    def add(self, ids: npt.ArrayLike, vectors: npt.ArrayLike) -> None:
        id_array, array = checks.as_batch(ids, vectors, self._dim)
        if id_array.size == 0:
            return
        with self._mutate:
            self._add(id_array, array)

    def remove(self, ids: npt.ArrayLike) -> int:
        id_array = np.unique(checks.as_ids(ids))
        if id_array.size == 0:
            return 0
        with self._mutate:
            return self._remove(id_array)

    def contains(self, id: int) -> bool:
        key = int(id)
        if key < 0:
            return False
        with self._rw.read():
            return self._contains(key)

    def ids(self) -> Ids:
        with self._mutate:
            parts = [part for part, _ in self._chunks()]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)

    def search(self, queries: npt.ArrayLike, k: int = 1) -> tuple[Floats, Ids]:
        array = checks.as_vectors(queries, self._dim, what="queries")
        k = checks.check_k(k)
        if array.shape[0] == 0:
            return checks.empty_result(0, k)
        with self._rw.read():
            if self._count() == 0:
                return checks.empty_result(array.shape[0], k)
            return self._search(array, k)

    def save(self, directory: str | Path) -> None:
        with self._mutate:
            save_directory(
                directory, self.kind, self._dim, self._count(), self._params(), self._writers()
            )

    @classmethod
    def load(cls, directory: str | Path) -> Self:
        folder = Path(directory)
        meta = read_meta(folder)
        if meta.kind != cls.kind:
            raise VectorInputError(
                f"{folder}: holds a {meta.kind!r} index, not {cls.kind!r} (use open_index)"
            )
        index = cls._restore(folder, meta)
        check_loaded(meta, folder, index.dim, len(index))
        return index

    def memory_bytes(self) -> int:
        with self._rw.read():
            return self._memory_bytes()

    def items(self) -> Iterator[tuple[Ids, Floats]]:
        """(ids, vectors) in chunks; the caller must not mutate the index while walking it."""
        return self._chunks()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim={self._dim}, count={self._count()})"

    # -- hooks ------------------------------------------------------------------------------------

    @abstractmethod
    def _count(self) -> int: ...

    @abstractmethod
    def _add(self, ids: Ids, vectors: Floats) -> None:
        """Unique, checked ids and vectors; held ids must end up with the new vectors."""

    @abstractmethod
    def _remove(self, ids: Ids) -> int:
        """Unique, checked ids; returns how many were held."""

    @abstractmethod
    def _contains(self, id: int) -> bool: ...

    @abstractmethod
    def _search(self, queries: Floats, k: int) -> tuple[Floats, Ids]:
        """Checked queries, a non-empty index; (q, k) distances and ids, padded."""

    @abstractmethod
    def _chunks(self) -> Iterator[tuple[Ids, Floats]]: ...

    @abstractmethod
    def _memory_bytes(self) -> int: ...

    @abstractmethod
    def _params(self) -> dict[str, Any]: ...

    @abstractmethod
    def _writers(self) -> Writers: ...

    @classmethod
    @abstractmethod
    def _restore(cls, directory: Path, meta: IndexMeta) -> Self: ...
