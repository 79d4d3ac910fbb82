"""Vector indexes for face (and re-ID) embeddings: exact, IVF, HNSW, and `AutoIndex`.

    from citywatch.vectors import create_index, open_index
    index = create_index("auto", dim=128)        # exact, IVF past 50k vectors
    index.add(ids, embeddings)                    # int64 (n,), float32 (n, 128), unit rows
    distances, ids = index.search(query, k=5)     # cosine distance 1 - similarity, -1 padded
    index.remove(erased_ids); index.save(data_dir / "faces-index")
    index = open_index(data_dir / "faces-index")

Importing this package loads numpy only; FAISS and usearch load with the index that needs them.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citywatch.vectors.base import (
    KINDS,
    Floats,
    Ids,
    IndexFileError,
    IndexKind,
    VectorIndex,
    VectorInputError,
)

if TYPE_CHECKING:
    from citywatch.vectors.auto import AutoIndex
    from citywatch.vectors.common import IndexBase
    from citywatch.vectors.exact import ExactIndex
    from citywatch.vectors.hnsw import HNSWIndex, HNSWOptions
    from citywatch.vectors.ivf import IVFIndex, IVFOptions

__all__ = [
    "KINDS",
    "AutoIndex",
    "ExactIndex",
    "Floats",
    "HNSWIndex",
    "HNSWOptions",
    "IVFIndex",
    "IVFOptions",
    "Ids",
    "IndexFileError",
    "IndexKind",
    "VectorIndex",
    "VectorInputError",
    "create_index",
    "index_class",
    "open_index",
]

_LAZY = {
    "AutoIndex": "citywatch.vectors.auto",
    "ExactIndex": "citywatch.vectors.exact",
    "HNSWIndex": "citywatch.vectors.hnsw",
    "HNSWOptions": "citywatch.vectors.hnsw",
    "IVFIndex": "citywatch.vectors.ivf",
    "IVFOptions": "citywatch.vectors.ivf",
}
_CLASS_OF_KIND = {
    "exact": "ExactIndex",
    "ivf": "IVFIndex",
    "hnsw": "HNSWIndex",
    "auto": "AutoIndex",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def index_class(kind: str) -> type[IndexBase]:
    if kind not in _CLASS_OF_KIND:
        raise VectorInputError(f"unknown index kind {kind!r}; choose one of {', '.join(KINDS)}")
    name = _CLASS_OF_KIND[kind]
    cls: type[IndexBase] = getattr(importlib.import_module(_LAZY[name]), name)
    return cls


def create_index(kind: str, dim: int, **options: Any) -> IndexBase:
    """A new, empty index. Options: exact: none; ivf: `options=IVFOptions(...)`;
    hnsw: `options=HNSWOptions(...)`; auto: `threshold=50_000`, `ivf=IVFOptions(...)`."""
    return index_class(kind)(dim, **options)


def open_index(directory: str | Path) -> IndexBase:
    """Load whatever kind of index `directory` holds (see persist.py for the layout)."""
    from citywatch.vectors.persist import read_meta

    return index_class(read_meta(directory).kind).load(directory)
