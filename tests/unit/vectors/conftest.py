"""Small indexes of every kind over clustered synthetic embeddings."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from citywatch.vectors import create_index
from citywatch.vectors.common import IndexBase
from citywatch.vectors.ivf import IVFOptions
from citywatch.vectors.synthetic import clustered

DIM = 32

# auto with a small threshold so these tests exercise its IVF side too
FACTORIES: dict[str, Callable[[], IndexBase]] = {
    "exact": lambda: create_index("exact", DIM),
    "ivf": lambda: create_index("ivf", DIM),
    "hnsw": lambda: create_index("hnsw", DIM),
    "auto": lambda: create_index("auto", DIM, threshold=300, ivf=IVFOptions(nprobe=16)),
}


@pytest.fixture(params=sorted(FACTORIES))
def make_index(request: pytest.FixtureRequest) -> Callable[[], IndexBase]:
    return FACTORIES[request.param]


@pytest.fixture(scope="session")
def vectors() -> np.ndarray:
    return clustered(2000, DIM)


def ids_for(count: int) -> np.ndarray:
    """Sparse, non-sequential ids, as database keys are."""
    return np.arange(count, dtype=np.int64) * 7 + 11
