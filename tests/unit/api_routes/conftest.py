"""Fixtures for the data routes: a seeded SQLite store behind a bare app, a client per role,
and a stand-in face pipeline (the real one needs model files; see the integration tests)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_seed import Clients, FakeFaces, Seeded, clients_for, make_app, make_services, seed

from citywatch.api.services import ApiServices


@pytest.fixture
def services(tmp_path: Path) -> Iterator[ApiServices]:
    made = make_services(tmp_path / "data")
    yield made
    made.store.close()


@pytest.fixture
def seeded(services: ApiServices) -> Seeded:
    return seed(services.store, services.config)


@pytest.fixture
def fake_faces(services: ApiServices, seeded: Seeded) -> FakeFaces:
    faces = FakeFaces(seeded.ids["face_query"])
    services._models["faces"] = faces
    return faces


@pytest.fixture
def client(services: ApiServices) -> Iterator[Clients]:
    yield from clients_for(make_app(services))
