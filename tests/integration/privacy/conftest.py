"""Stores for the retention and erasure tests, on every backend (`backend_url`: SQLite always,
PostgreSQL when CITYWATCH_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from citywatch.store import Store, open_store


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def make_store(backend_url: str | None, store_dir: Path) -> Iterator[Callable[..., Store]]:
    opened: list[Store] = []

    def make(**kwargs: object) -> Store:
        store = open_store(backend_url, store_dir, **kwargs)  # type: ignore[arg-type]
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()
