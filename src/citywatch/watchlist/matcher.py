"""Match a face embedding against the active watchlist.

The watchlist is small (people of interest, a few photos each), so matching is exact: one
matrix product over every photo's embedding. It is reloaded from the database every few
seconds, so enrolments, removals and expiries take effect while cameras run.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import numpy as np

from citywatch.store.watchlists import FaceRecords, StoredVector

log = logging.getLogger("citywatch.watchlist")


@dataclass(frozen=True)
class WatchlistMatch:
    entry_id: int
    entry_name: str
    photo_id: int
    distance: float  # cosine distance, 1 - similarity


class WatchlistMatcher:
    def __init__(
        self, records: FaceRecords, embedder: str, threshold: float, refresh_s: float = 5.0
    ) -> None:
        self.records = records
        self.embedder = embedder
        self.threshold = threshold
        self.refresh_s = refresh_s
        self._lock = threading.Lock()
        self._loaded_at = -np.inf
        self._matrix = np.zeros((0, 0), np.float32)
        self._photo_ids = np.zeros(0, np.int64)
        self._entry_ids = np.zeros(0, np.int64)
        self._names: dict[int, str] = {}

    def reload(self) -> None:
        self.load(
            self.records.watchlist_vectors(self.embedder),
            {e.id: e.name for e in self.records.entries()},
        )

    def load(self, vectors: list[StoredVector], names: dict[int, str]) -> None:
        """Replace what is matched against (reload does this from the database)."""
        with self._lock:
            self._matrix = (
                np.stack([v.embedding for v in vectors]).astype(np.float32)
                if vectors
                else np.zeros((0, 0), np.float32)
            )
            self._photo_ids = np.array([v.id for v in vectors], np.int64)
            self._entry_ids = np.array([v.owner_id for v in vectors], np.int64)
            self._names = names
            self._loaded_at = time.monotonic()
        log.debug("watchlist: %d photos of %d entries", len(vectors), len(names))

    @property
    def size(self) -> int:
        return len(self._photo_ids)

    def match(self, embedding: np.ndarray) -> WatchlistMatch | None:
        """The closest entry within the threshold, or None."""
        if time.monotonic() - self._loaded_at > self.refresh_s:
            self.reload()
        with self._lock:
            if not len(self._photo_ids):
                return None
            similarity = self._matrix @ np.asarray(embedding, np.float32).reshape(-1)
            best = int(np.argmax(similarity))
            distance = float(1.0 - similarity[best])
            if distance > self.threshold:
                return None
            entry_id = int(self._entry_ids[best])
            return WatchlistMatch(
                entry_id, self._names.get(entry_id, "?"), int(self._photo_ids[best]), distance
            )
