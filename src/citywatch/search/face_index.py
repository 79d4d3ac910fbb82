"""The vector index over stored face sightings, kept in step with the database.

The database holds every face embedding; this index is a cache of them for fast 1:N search,
persisted under `<data_dir>/index/faces-<embedder>/`, or, on a PostgreSQL store with pgvector
(`storage.vector_index`), kept in the database itself where every node shares it. `sync()`
adds sightings stored since the last sync and drops ones the database no longer has
(retention, erasure), then saves.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import numpy as np

from citywatch.core.errors import StoreError
from citywatch.store.watchlists import FaceRecords
from citywatch.vectors import IndexFileError, VectorIndex, create_index, open_index
from citywatch.vectors.pgvector import PgVectorIndex, has_pgvector

log = logging.getLogger("citywatch.search")

_SAFE = re.compile(r"[^a-z0-9_.-]")


class FaceSightingIndex:
    def __init__(self, records: FaceRecords, embedder: str, data_dir: Path) -> None:
        self.records = records
        self.embedder = embedder
        self.directory = data_dir / "index" / f"faces-{_SAFE.sub('_', embedder.lower())}"
        self._state_file = self.directory.with_name(self.directory.name + ".sync.json")
        self._index: VectorIndex | None = None
        self._last_id = 0

    def _load(self) -> None:
        if self._index is not None:
            return
        if self.in_database():
            self._index = self._database_index()
            self._last_id = self._index.max_id() if self._index is not None else 0
            return
        if self._state_file.is_file() and self.directory.exists():
            try:
                self._index = open_index(self.directory)
                self._last_id = int(json.loads(self._state_file.read_text())["last_id"])
                return
            except (IndexFileError, KeyError, ValueError, OSError) as error:
                # A cache: if it cannot be read, rebuild it from the database.
                log.warning("face index %s unreadable (%s); rebuilding", self.directory, error)
        self._index = None
        self._last_id = 0

    def sync(self) -> int:
        """Bring the index up to date with the database; returns how many vectors it holds."""
        self._load()
        added = 0
        while True:
            batch = self.records.face_vectors(self.embedder, after_id=self._last_id)
            if not batch:
                break
            vectors = np.stack([v.embedding for v in batch]).astype(np.float32)
            if self._index is None and self.in_database():
                self._index = self._database_index(dim=vectors.shape[1])
            if self._index is None:
                self._index = create_index("auto", dim=vectors.shape[1])
            self._index.add(np.array([v.id for v in batch], np.int64), vectors)
            self._last_id = batch[-1].id
            added += len(batch)
        removed = 0
        if self._index is not None and len(self._index):
            present = self.records.face_sighting_ids(self.embedder)
            gone = [i for i in self._index.ids() if int(i) not in present]
            if gone:
                removed = self._index.remove(np.array(gone, np.int64))
        if self._index is not None and (added or removed) and self._index.kind != "pgvector":
            self._index.save(self.directory)
            self._state_file.write_text(json.dumps({"last_id": self._last_id}))
        if added or removed:
            log.info("face index: +%d -%d, %d vectors", added, removed, len(self._index or []))
        return len(self._index) if self._index is not None else 0

    def in_database(self) -> bool:
        """pgvector when configured, or on `auto` when the PostgreSQL store has it."""
        store = self.records.store
        choice = store.vector_index
        if choice == "memory":
            return False
        if choice == "pgvector" and store.engine.dialect.name != "postgresql":
            raise StoreError("storage.vector_index: pgvector needs a PostgreSQL store")
        return choice == "pgvector" or has_pgvector(store.engine)

    def _database_index(self, dim: int | None = None) -> PgVectorIndex | None:
        if dim is None:  # the table is named by dimension: take it from a stored vector
            first = self.records.face_vectors(self.embedder, after_id=0, limit=1)
            if not first:
                return None
            dim = int(first[0].embedding.shape[0])
        store = self.records.store
        return PgVectorIndex(
            store.engine, f"faces_{self.embedder}", dim, ef_search=store.pgvector_ef_search
        )

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(sighting id, cosine distance) of the k nearest stored faces, nearest first."""
        if self._index is None or not len(self._index):
            return []
        distances, ids = self._index.search(np.asarray(query, np.float32).reshape(1, -1), k)
        return [(int(i), float(d)) for i, d in zip(ids[0], distances[0], strict=True) if i >= 0]
