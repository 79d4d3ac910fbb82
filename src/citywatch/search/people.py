"""Search stored person tracks by example (a crop's appearance) and by described attributes.

Every person track with an appearance is a candidate. By example, candidates are ranked by
cosine distance to the query crop's embedding (same embedder only: vectors of different models
never compare); by description, by how well their attributes fit. Either way a hit carries its
track's identity, so a result opens that person's trajectory across cameras.

The search is exact, over the appearances that pass the camera and time filters; a city's
worth of tracks goes to pgvector (issue 9), behind this same function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from citywatch.attributes import AttributeQuery, PersonAttributes, matches, score
from citywatch.store.people import PersonRecords
from citywatch.store.readmodels import AppearanceInfo

AttributeFilter = Callable[[dict[str, Any] | None], float | None]
"""Stored attributes -> a fit score in 0..1, or None when the track does not match."""


@dataclass(frozen=True)
class PersonHit:
    appearance: AppearanceInfo
    distance: float | None  # to the query crop; None when searching by attributes only
    fit: float | None = None  # how well the attributes fit, when filtered by attributes


def search_people(
    records: PersonRecords,
    top: int,
    embedder: str | None = None,
    query: np.ndarray | None = None,
    attributes: AttributeFilter | None = None,
    camera_id: str | None = None,
    since: float | None = None,
    until: float | None = None,
    max_distance: float | None = None,
) -> list[PersonHit]:
    """The `top` best person tracks: nearest to `query` (embedded by `embedder`) if given,
    else best fitting `attributes`; both may be given (attributes then filter)."""
    if query is not None and embedder is None:
        raise ValueError("a query vector needs the name of the embedder that made it")
    candidates = records.appearances(
        embedder=embedder if query is not None else None,
        camera_id=camera_id,
        since=since,
        until=until,
    )
    fits: list[float | None] = [None] * len(candidates)
    if attributes is not None:
        scored = [(a, attributes(a.attributes)) for a in candidates]
        candidates = [a for a, fit in scored if fit is not None]
        fits = [fit for _, fit in scored if fit is not None]
    if not candidates:
        return []
    if query is None:
        order = sorted(range(len(candidates)), key=lambda i: -(fits[i] or 0.0))
        return [PersonHit(candidates[i], None, fits[i]) for i in order[:top]]
    matrix = np.stack([np.asarray(a.embedding, np.float32) for a in candidates])
    distances = 1.0 - matrix @ np.asarray(query, np.float32).reshape(-1)
    nearest = np.argsort(distances, kind="stable")
    hits = []
    for i in nearest[:top]:
        if max_distance is not None and distances[i] > max_distance:
            break
        hits.append(PersonHit(candidates[i], float(distances[i]), fits[i]))
    return hits


def attribute_filter(query: AttributeQuery, present_threshold: float = 0.5) -> AttributeFilter:
    """Stored attributes that satisfy `query` -> their fit score; others -> None."""

    def fit(stored: dict[str, Any] | None) -> float | None:
        if stored is None:
            return None
        attributes = PersonAttributes.from_json(stored)
        if not matches(attributes, query, present_threshold):
            return None
        return score(attributes, query)

    return fit
