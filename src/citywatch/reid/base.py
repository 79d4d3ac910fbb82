"""What every person appearance embedder offers."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class PersonEmbedder(Protocol):
    """BGR person crops of any size -> (n, dim) L2-normalised float32 rows, cosine distance.

    `name` goes with every stored vector: vectors of different embedders never compare.
    `default_threshold` is the cosine distance under which two tracks are taken as the same
    person, measured on our re-ID evaluation (bench/reid_eval.py).
    """

    name: str
    dim: int
    default_threshold: float

    def embed(self, crops: list[np.ndarray]) -> np.ndarray: ...
