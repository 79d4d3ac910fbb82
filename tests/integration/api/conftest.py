"""The API on a real store, driven in-process through FastAPI's TestClient.

Backends as in `tests/integration/store/conftest.py`: SQLite always; PostgreSQL when
`CITYWATCH_TEST_POSTGRES_URL` is set, on a fresh schema per test (skipped when unset, an error
under CI=true). Passwords are hashed with cheap Argon2 parameters here: the production ones
cost ~0.15 s a hash, by design (see `api_support.py`).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import CHEAP_HASHER, Api
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from citywatch.api.app import create_app
from citywatch.api.services import ApiServices
from citywatch.bus.local import LocalBus
from citywatch.config import CitywatchConfig
from citywatch.models import ModelRegistry
from citywatch.store import open_store

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
    schema = f"citywatch_test_{uuid.uuid4().hex[:12]}"  # generated here, never user input
    admin = create_engine(postgres_url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "sqlite":
        return None
    return str(request.getfixturevalue("postgres_schema_url"))


@pytest.fixture
def api(backend_url: str | None, tmp_path: Path) -> Iterator[Api]:
    store = open_store(backend_url, tmp_path / "data")
    services = ApiServices(
        config=CitywatchConfig(),
        store=store,
        data_dir=store.data_dir,
        bus=LocalBus(),
        registry=ModelRegistry(None),
        password_hasher=CHEAP_HASHER,
    )
    try:
        yield Api(create_app(services), services, services.users())
    finally:
        store.close()
