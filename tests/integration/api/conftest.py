"""The API on a real store, driven in-process through FastAPI's TestClient.

Backends from tests/support/postgres_backend.py: SQLite always; PostgreSQL when
`CITYWATCH_TEST_POSTGRES_URL` is set, on a fresh schema per test (skipped when unset, an error
under CI=true). Passwords are hashed with cheap Argon2 parameters here: the production ones
cost ~0.15 s a hash, by design (see `api_support.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import CHEAP_HASHER, Api

from citywatch.api.app import create_app
from citywatch.api.services import ApiServices
from citywatch.bus.local import LocalBus
from citywatch.config import CitywatchConfig
from citywatch.models import ModelRegistry
from citywatch.store import open_store


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
