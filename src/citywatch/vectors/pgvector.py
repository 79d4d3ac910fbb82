"""A vector index kept in PostgreSQL by the pgvector extension (HNSW, cosine distance).

For a shared store past one machine: every node searches the same index, and the index lives
and is backed up with the database instead of beside each process. Same contract as the
in-process indexes (vectors/base.py): unit float32 rows, int64 ids, cosine distances, -1 / inf
padding, `remove` for good. `save` has nothing to do: rows are durable when committed.

One table per index name and dimension, `vec_<name>_<dim>`, made on first use with its HNSW
index (`vector_cosine_ops`). The extension itself must be created by a superuser
(`CREATE EXTENSION vector`; pgvector is not a trusted extension); without it the index says so
in one line rather than falling back to something else.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from pgvector.sqlalchemy import Vector
from sqlalchemy import BigInteger, Column, Engine, MetaData, Table, delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError

from citywatch.core.errors import StoreError
from citywatch.vectors import checks
from citywatch.vectors.base import Floats, Ids, IndexKind

_SAFE = re.compile(r"[^a-z0-9_]")
_BATCH = 5000


class PgVectorIndex:
    kind: ClassVar[IndexKind] = "pgvector"

    def __init__(
        self,
        engine: Engine,
        name: str,
        dim: int,
        m: int = 16,
        ef_construction: int = 64,
        ef_search: int = 200,
        defer_graph: bool = False,
    ) -> None:
        """`defer_graph`: make the table only; `build_graph()` makes the HNSW index after a
        bulk load (much faster than growing the graph row by row)."""
        if engine.dialect.name != "postgresql":
            raise StoreError(
                f"pgvector index {name!r}: needs PostgreSQL, not {engine.dialect.name}"
            )
        self.engine = engine
        self._dim = int(dim)
        self.ef_search = int(ef_search)
        self.table = Table(
            f"vec_{_SAFE.sub('_', name.lower())}_{self._dim}"[:63],
            MetaData(),
            Column("id", BigInteger, primary_key=True, autoincrement=False),
            Column("embedding", Vector(self._dim), nullable=False),
        )
        self.m, self.ef_construction = int(m), int(ef_construction)
        self._create(with_graph=not defer_graph)

    @property
    def dim(self) -> int:
        return self._dim

    def _create(self, with_graph: bool) -> None:
        try:
            with self.engine.begin() as connection:
                present = connection.execute(
                    text("SELECT 1 FROM pg_extension WHERE extname = 'vector'")
                ).first()
                if present is None:
                    database = connection.execute(text("SELECT current_database()")).scalar()
                    raise StoreError(
                        f"PostgreSQL database {database!r} has no pgvector extension: a "
                        "superuser must run CREATE EXTENSION vector there"
                    )
                self.table.create(connection, checkfirst=True)
                if with_graph:
                    connection.execute(self._graph_ddl())
        except SQLAlchemyError as error:
            raise StoreError(f"pgvector index {self.table.name}: {error}") from error

    def _graph_ddl(self) -> Any:
        return text(  # sql-safe: the table name is made from an index name checked at init
            f"CREATE INDEX IF NOT EXISTS {self.table.name}_hnsw ON {self.table.name} "
            f"USING hnsw (embedding vector_cosine_ops) "
            f"WITH (m = {self.m}, ef_construction = {self.ef_construction})"
        )

    def build_graph(self, maintenance_work_mem: str = "1GB") -> None:
        """Make the HNSW index over what the table holds (after `defer_graph`)."""
        if not re.fullmatch(r"\d{1,6}(kB|MB|GB)", maintenance_work_mem):
            raise ValueError(f"maintenance_work_mem: {maintenance_work_mem!r} is not like '1GB'")
        with self.engine.begin() as connection:
            # sql-safe: the value matched \d{1,6}(kB|MB|GB) above; SET takes no parameters
            connection.execute(text(f"SET LOCAL maintenance_work_mem = '{maintenance_work_mem}'"))
            connection.execute(self._graph_ddl())

    def __len__(self) -> int:
        with self.engine.connect() as connection:
            return int(
                connection.execute(select(func.count()).select_from(self.table)).scalar_one()
            )

    def add(self, ids: npt.ArrayLike, vectors: npt.ArrayLike) -> None:
        id_array, array = checks.as_batch(ids, vectors, self._dim)
        id_array, array = checks.last_of_each(id_array, array)
        statement = insert(self.table)
        statement = statement.on_conflict_do_update(
            index_elements=[self.table.c.id], set_={"embedding": statement.excluded.embedding}
        )
        with self.engine.begin() as connection:
            for start in range(0, id_array.size, _BATCH):
                rows = [
                    {"id": int(i), "embedding": v}
                    for i, v in zip(
                        id_array[start : start + _BATCH], array[start : start + _BATCH], strict=True
                    )
                ]
                connection.execute(statement, rows)

    def remove(self, ids: npt.ArrayLike) -> int:
        id_array = np.unique(checks.as_ids(ids))
        if id_array.size == 0:
            return 0
        with self.engine.begin() as connection:
            result = connection.execute(
                delete(self.table).where(self.table.c.id.in_([int(i) for i in id_array]))
            )
            return int(result.rowcount)

    def contains(self, id: int) -> bool:
        if int(id) < 0:
            return False
        with self.engine.connect() as connection:
            found = connection.execute(select(self.table.c.id).where(self.table.c.id == int(id)))
            return found.first() is not None

    def max_id(self) -> int:
        """The largest id held, 0 when empty (ids rise with the database's, so this is where an
        incremental sync resumes)."""
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.max(self.table.c.id))).scalar() or 0)

    def ids(self) -> Ids:
        with self.engine.connect() as connection:
            held = connection.execute(select(self.table.c.id)).scalars().all()
        return np.asarray(held, dtype=np.int64)

    def search(self, queries: npt.ArrayLike, k: int = 1) -> tuple[Floats, Ids]:
        array = checks.as_vectors(queries, self._dim, what="queries")
        k = checks.check_k(k)
        distances, ids = checks.empty_result(array.shape[0], k)
        if array.shape[0] == 0:
            return distances, ids
        distance = self.table.c.embedding.cosine_distance
        with self.engine.begin() as connection:
            # The HNSW candidate list must hold at least k, or fewer than k rows come back.
            ef = int(max(self.ef_search, k))  # SET takes no bound parameters
            connection.execute(text(f"SET LOCAL hnsw.ef_search = {ef}"))  # sql-safe: an int
            for row, query in enumerate(array):
                found = connection.execute(
                    select(self.table.c.id, distance(query).label("d"))
                    .order_by(distance(query))
                    .limit(k)
                ).all()
                for column, (found_id, found_distance) in enumerate(found):
                    ids[row, column] = found_id
                    distances[row, column] = found_distance
        return distances, ids

    def save(self, directory: str | Path) -> None:
        """Nothing to write: committed rows are durable (the argument is accepted for the
        common contract)."""

    def memory_bytes(self) -> int:
        """The table and its HNSW index on the server (not this process's memory)."""
        with self.engine.connect() as connection:
            size = connection.execute(
                text("SELECT pg_total_relation_size(:name)"), {"name": self.table.name}
            ).scalar()
        return int(size or 0)


def has_pgvector(engine: Engine) -> bool:
    """Is this a PostgreSQL database with the pgvector extension created?"""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        found = connection.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'vector'"))
        return found.first() is not None
