"""Fixtures for the cluster tests: `deployment` runs a test on the embedded default and on
Ray + PostgreSQL + Redis; `ray_only` on the second alone (tests/support/scene_runs.py)."""

from __future__ import annotations

import pytest
from scene_runs import Deployment, ray_deployment


@pytest.fixture(params=["embedded", "ray"])
def deployment(request: pytest.FixtureRequest) -> Deployment:
    if request.param == "embedded":
        return Deployment("embedded")
    return ray_deployment(request)


@pytest.fixture
def ray_only(request: pytest.FixtureRequest) -> Deployment:
    return ray_deployment(request)
