"""Store backends for integration tests: SQLite always, PostgreSQL when configured.

A pytest plugin, loaded by tests/conftest.py: fixtures `backend_url`, `postgres_url` and
`postgres_schema_url`, and `make_store`, which opens stores on the test's backend in `store_dir`
(a folder's conftest may override `backend_url` to pin one backend). PostgreSQL tests read
`CITYWATCH_TEST_POSTGRES_URL`, e.g.
`postgresql+psycopg://citywatch:citywatch@127.0.0.1:5432/citywatch_test`. Unset, they skip
with a message; under CI (`CI=true`, where CI starts PostgreSQL) they fail instead, so nothing
is skipped silently. Each test gets its own schema (dropped afterwards), so tests neither see
each other's rows nor touch anything else in that database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from citywatch.store import Store, open_store

POSTGRES_ENV = "CITYWATCH_TEST_POSTGRES_URL"
EXAMPLE_URL = "postgresql+psycopg://citywatch:citywatch@127.0.0.1:5432/citywatch_test"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if not url:
        message = f"PostgreSQL tests need {POSTGRES_ENV} (for example {EXAMPLE_URL})"
        if IN_CI:
            pytest.fail(message + "; CI=true, so this is an error, not a skip")
        pytest.skip(message)
    return url


@pytest.fixture
def postgres_schema_url(postgres_url: str) -> Iterator[str]:
    """`postgres_url` pointed at a fresh schema of its own (search_path), dropped afterwards."""
    schema = f"citywatch_test_{uuid.uuid4().hex[:12]}"  # generated here, never user input
    admin = create_engine(postgres_url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        # `public` after it: extensions (pgvector's type and operators) live there; the test
        # database keeps no tables in it, so every table a test makes is in its own schema.
        options = f"-csearch_path={schema},public"
        url = make_url(postgres_url).update_query_dict({"options": options})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend_url(request: pytest.FixtureRequest) -> str | None:
    """None (SQLite in the data directory) or a PostgreSQL URL on a fresh schema."""
    if request.param == "sqlite":
        return None
    return str(request.getfixturevalue("postgres_schema_url"))


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def make_store(backend_url: str | None, store_dir: Path) -> Iterator[Callable[..., Store]]:
    """Opens stores on the test's backend; closes any the test left open."""
    opened: list[Store] = []

    def make(**kwargs: object) -> Store:
        store = open_store(backend_url, store_dir, **kwargs)  # type: ignore[arg-type]
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()
