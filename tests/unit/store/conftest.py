"""Fixtures for the store's unit tests: SQLite stores in temporary directories and records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from citywatch.store import Store, open_store


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def make_store(store_dir: Path) -> Iterator[Callable[..., Store]]:
    """Opens SQLite stores in `store_dir`; closes any the test left open."""
    opened: list[Store] = []

    def make(**kwargs: object) -> Store:
        store = open_store(None, store_dir, **kwargs)  # type: ignore[arg-type]
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(make_store: Callable[..., Store]) -> Store:
    return make_store()
