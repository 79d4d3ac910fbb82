"""Face search on a PostgreSQL store keeps its vectors in pgvector (storage.vector_index)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import inspect

from citywatch.core.classes import ObjectClass
from citywatch.core.errors import StoreError
from citywatch.core.records import Sighting, TrackRecord
from citywatch.search.face_index import FaceSightingIndex
from citywatch.store import open_store
from citywatch.store.watchlists import FaceRecords

pytestmark = pytest.mark.postgres
EMBEDDER = "test-faces"


def face_track(store, local_id: int, vector: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    t = 1000.0 + local_id
    track = TrackRecord("gate", "run", local_id, ObjectClass.PERSON, t, t + 1, 10)
    face = Sighting(
        "gate", "face", t, t + 1, t, (0, 0, 40, 40), 0.9, embedding=vector, embedder=EMBEDDER
    )
    store.save_track(track, [face])


def unit(rng: np.random.Generator) -> np.ndarray:
    v = rng.standard_normal(32).astype(np.float32)
    return v / np.linalg.norm(v)


@pytest.mark.parametrize("choice", ["auto", "pgvector"])
def test_vectors_live_in_the_database(
    postgres_schema_url: str, tmp_path: Path, choice: str
) -> None:
    rng = np.random.default_rng(5)
    store = open_store(postgres_schema_url, tmp_path / "data", vector_index=choice)
    try:
        vectors = [unit(rng) for _ in range(30)]
        for i, v in enumerate(vectors):
            face_track(store, i, v)
        store.flush()
        index = FaceSightingIndex(FaceRecords(store), EMBEDDER, store.data_dir)
        assert index.sync() == 30
        assert "vec_faces_test_faces_32" in inspect(store.engine).get_table_names()
        assert not (store.data_dir / "index").exists()  # nothing kept beside the process
        hits = index.search(vectors[7], k=1)
        assert hits[0][1] == pytest.approx(0.0, abs=1e-5)
        # A second process resumes from the database, adding only what is new.
        face_track(store, 99, unit(rng))
        store.flush()
        again = FaceSightingIndex(FaceRecords(store), EMBEDDER, store.data_dir)
        assert again.sync() == 31
    finally:
        store.close()


def test_memory_can_be_chosen_and_pgvector_needs_postgresql(
    postgres_schema_url: str, tmp_path: Path
) -> None:
    rng = np.random.default_rng(6)
    store = open_store(postgres_schema_url, tmp_path / "pg", vector_index="memory")
    try:
        face_track(store, 1, unit(rng))
        store.flush()
        FaceSightingIndex(FaceRecords(store), EMBEDDER, store.data_dir).sync()
        assert (store.data_dir / "index").exists()
        assert not any(n.startswith("vec_") for n in inspect(store.engine).get_table_names())
    finally:
        store.close()
    lite = open_store(None, tmp_path / "lite", vector_index="pgvector")
    try:
        face_track(lite, 1, unit(rng))
        lite.flush()
        with pytest.raises(StoreError, match="needs a PostgreSQL store"):
            FaceSightingIndex(FaceRecords(lite), EMBEDDER, lite.data_dir).sync()
    finally:
        lite.close()
