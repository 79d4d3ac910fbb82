"""The pgvector index against a real PostgreSQL with the extension (scripts/services makes it):
the vector-index contract, recall against exact search, and a clear refusal without it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from citywatch.core.errors import StoreError
from citywatch.vectors import create_index
from citywatch.vectors.pgvector import PgVectorIndex

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    """A fresh schema of its own, with `public` (where the extension lives) on the path."""
    schema = f"citywatch_vec_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema},public"})
    made = create_engine(url)
    try:
        yield made
    finally:
        made.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def unit_rows(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    rows = rng.standard_normal((n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_the_index_keeps_the_contract(engine: Engine) -> None:
    rng = np.random.default_rng(1)
    index = PgVectorIndex(engine, "faces", dim=16)
    vectors = unit_rows(rng, 50, 16)
    index.add(np.arange(100, 150), vectors)
    assert len(index) == 50 and index.contains(120) and not index.contains(7)
    distances, ids = index.search(vectors[3], k=3)
    assert ids[0, 0] == 103 and distances[0, 0] == pytest.approx(0.0, abs=1e-5)
    # add replaces the vector of a held id; remove is for good
    index.add([103], vectors[4:5])
    assert set(index.search(vectors[4], k=2)[1][0].tolist()) == {103, 104}
    assert index.remove([103, 104, 999]) == 2
    assert {103, 104}.isdisjoint(index.search(vectors[4], k=10)[1][0].tolist())
    assert sorted(index.ids().tolist()) == [i for i in range(100, 150) if i not in (103, 104)]
    # fewer held than asked: -1 and inf padding
    small = PgVectorIndex(engine, "small", dim=16)
    small.add([1], vectors[:1])
    distances, ids = small.search(vectors[:2], k=3)
    assert ids[0].tolist() == [1, -1, -1] and np.isinf(distances[0, 1:]).all()
    assert index.memory_bytes() > 0


def test_recall_against_exact_search(engine: Engine) -> None:
    rng = np.random.default_rng(2)
    vectors = unit_rows(rng, 4000, 64)
    ids = np.arange(4000)
    exact = create_index("exact", dim=64)
    exact.add(ids, vectors)
    index = PgVectorIndex(engine, "recall", dim=64)
    index.add(ids, vectors)
    queries = vectors[rng.choice(4000, 50, replace=False)] + 0.05 * unit_rows(rng, 50, 64)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    truth = exact.search(queries, k=10)[1]
    found = index.search(queries, k=10)[1]
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, found, strict=True)])
    assert recall >= 0.95


def test_without_the_extension_it_says_what_to_do(postgres_url: str) -> None:
    name = f"citywatch_novec_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(make_url(postgres_url).set(database=name))
    try:
        with pytest.raises(StoreError, match="CREATE EXTENSION vector") as caught:
            PgVectorIndex(engine, "faces", dim=8)
        assert name in str(caught.value) and "\n" not in str(caught.value)
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}"'))
        admin.dispose()


def test_sqlite_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StoreError, match="needs PostgreSQL"):
        PgVectorIndex(create_engine(f"sqlite:///{tmp_path / 'x.db'}"), "faces", dim=8)
