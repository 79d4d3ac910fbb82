"""Gait test fixtures (the synthetic walkers themselves are in gait_walkers.py)."""

from __future__ import annotations

import pytest

from citywatch.config.gait import GaitConfig


@pytest.fixture
def config() -> GaitConfig:
    return GaitConfig()
