"""Fixtures for the store's unit tests: SQLite stores in temporary directories and records.

`make_store` and `store_dir` come from tests/support/postgres_backend.py; here the backend is
SQLite only.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from citywatch.store import Store


@pytest.fixture
def backend_url() -> None:
    """SQLite in `store_dir`: unit tests run on the one backend."""
    return None


@pytest.fixture
def store(make_store: Callable[..., Store]) -> Store:
    return make_store()
