"""Synthetic face-like embeddings for tests and benchmarks: identities seen several times.

Real face embeddings are not uniform on the sphere: samples of one person sit close together
(cosine ~0.7 between two photos of one face), identities of similar appearance form loose
groups, and a live query is a new sighting of someone already stored. The generator draws:

- `groups` random directions (appearance groups);
- identity centres around a group (cosine ~0.3 between two identities of one group);
- `samples_per_identity` stored samples around each identity centre (cosine ~0.7 within);
- queries: copies of random stored rows with fresh noise (cosine ~0.86 to the row).

Everything is float32 and L2-normalised, generated in chunks so 10M x 128 fits in memory
beside the index. `describe()` gives the parameters for benchmark reports.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class ClusteredSpec:
    """Noise levels are the norm of the Gaussian added to a unit vector before normalising."""

    samples_per_identity: int = 5
    identities_per_group: int = 100
    identity_spread: float = 1.5  # identity centre around its group: cosine ~ 1/sqrt(1+s^2)
    sample_spread: float = 0.65  # sample around its identity: cosine ~ 1/sqrt(1+s^2)
    query_spread: float = 0.6  # query around its stored row (cosine ~0.86)
    seed: int = 0

    def describe(self) -> dict[str, object]:
        return {
            "generator": "citywatch.vectors.synthetic.clustered",
            "model": "groups -> identities -> samples, Gaussian noise, L2-normalised; "
            "queries are noisy copies of random stored rows",
            **asdict(self),
        }


def normalise(vectors: npt.NDArray[np.floating]) -> Floats:
    out = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return out / norms


def _noise(rng: np.random.Generator, rows: int, dim: int, spread: float) -> Floats:
    # Each coordinate N(0, spread^2/dim) so the noise vector has norm ~spread.
    out = rng.standard_normal((rows, dim), dtype=np.float32)
    out *= np.float32(spread / np.sqrt(dim))
    return out


def clustered(
    n: int, dim: int, spec: ClusteredSpec | None = None, chunk: int = 1_000_000
) -> Floats:
    """`n` stored embeddings (float32, unit rows), consecutive rows of one identity together."""
    spec = spec or ClusteredSpec()
    rng = np.random.default_rng(spec.seed)
    per_identity = max(1, spec.samples_per_identity)
    identities = -(-n // per_identity)
    groups = max(1, -(-identities // max(1, spec.identities_per_group)))
    group_dirs = normalise(rng.standard_normal((groups, dim), dtype=np.float32))
    out = np.empty((n, dim), dtype=np.float32)
    # Chunks aligned on identities so each identity's samples share one centre.
    ids_per_chunk = max(1, chunk // per_identity)
    for first in range(0, identities, ids_per_chunk):
        count = min(ids_per_chunk, identities - first)
        owner = (np.arange(first, first + count) // max(1, spec.identities_per_group)) % groups
        centres = normalise(group_dirs[owner] + _noise(rng, count, dim, spec.identity_spread))
        rows = np.repeat(centres, per_identity, axis=0)
        rows += _noise(rng, rows.shape[0], dim, spec.sample_spread)
        start = first * per_identity
        stop = min(n, start + rows.shape[0])
        out[start:stop] = normalise(rows[: stop - start])
    return out


def noisy_queries(
    stored: Floats, count: int, spec: ClusteredSpec | None = None
) -> tuple[Floats, npt.NDArray[np.int64]]:
    """`count` queries: fresh sightings of random stored rows. Returns (queries, source rows)."""
    spec = spec or ClusteredSpec()
    rng = np.random.default_rng(spec.seed + 1)
    rows = rng.integers(0, stored.shape[0], size=count).astype(np.int64)
    queries = stored[rows] + _noise(rng, count, stored.shape[1], spec.query_spread)
    return normalise(queries), rows
