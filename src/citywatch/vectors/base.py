"""The vector index contract: L2-normalised float32 embeddings, compared by cosine.

Every index maps non-negative int64 ids to one vector each. `add` replaces the vector of an id
that is already held; `remove` deletes for good (retention, erasure): a removed id is never
returned by a later search, also after save/load or after the index rebuilds itself. Searches
return cosine *distances* (1 - similarity, 0 = same direction, 2 = opposite), nearest first,
with id -1 and distance +inf where fewer than k vectors are held.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from citywatch.core.errors import StoreError, UsageError

Floats = npt.NDArray[np.float32]
Ids = npt.NDArray[np.int64]
IndexKind = Literal["exact", "ivf", "hnsw", "auto", "pgvector"]  # pgvector: in the database
KINDS: tuple[IndexKind, ...] = ("exact", "ivf", "hnsw", "auto")
MISSING_ID = -1


class VectorInputError(UsageError, ValueError):
    """Vectors or ids that cannot go into the index: wrong shape or dimension, NaN, not unit."""


class IndexFileError(StoreError):
    """A saved index directory that is missing, incomplete, of another version, or corrupt."""


@runtime_checkable
class VectorIndex(Protocol):
    """What the face watchlist and retrospective search need from a vector index."""

    @property
    def kind(self) -> IndexKind:
        """'exact', 'ivf', 'hnsw' or 'auto'; also the `kind` in the saved metadata."""
        ...

    @property
    def dim(self) -> int: ...

    def __len__(self) -> int: ...

    def add(self, ids: npt.ArrayLike, vectors: npt.ArrayLike) -> None:
        """Insert vectors (n, dim) under ids (n,); an id already held gets the new vector."""
        ...

    def remove(self, ids: npt.ArrayLike) -> int:
        """Delete these ids; returns how many were held. Unknown ids are ignored."""
        ...

    def contains(self, id: int) -> bool: ...

    def ids(self) -> Ids:
        """Every id held, in no particular order (for audits and verifiable deletion)."""
        ...

    def search(self, queries: npt.ArrayLike, k: int = 1) -> tuple[Floats, Ids]:
        """Nearest k for each query (q, dim) or (dim,): (distances (q, k), ids (q, k))."""
        ...

    def save(self, directory: str | Path) -> None:
        """Persist atomically: a crash mid-save leaves the previous save loadable."""
        ...

    def memory_bytes(self) -> int:
        """The index's own memory: vectors, codes, ids and lookup tables it holds."""
        ...
