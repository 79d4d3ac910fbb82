"""One real plate reader for the integration tests (RapidOCR models + ../shared/models)."""

from __future__ import annotations

from pathlib import Path

import pytest

from citywatch.config.plates import PlatesConfig
from citywatch.models import ModelRegistry
from citywatch.plates.reader import PlateReader, create_plate_reader


@pytest.fixture(scope="session")
def plates_dir(data_dir: Path) -> Path:
    return data_dir / "plates"


@pytest.fixture(scope="session")
def reader(model_dir: Path) -> PlateReader:
    return create_plate_reader(PlatesConfig(), ModelRegistry(model_dir))
