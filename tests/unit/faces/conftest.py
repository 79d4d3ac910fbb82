"""Face-stage fixtures: models are built once per session (each takes 0.2-1 s to load)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from citywatch.config.faces import FacesConfig
from citywatch.core.images import load_image
from citywatch.faces.factory import create_face_pipeline
from citywatch.faces.pipeline import FacePipeline
from citywatch.models import ModelRegistry


@pytest.fixture(scope="session")
def faces_dir(data_dir: Path) -> Path:
    return data_dir / "faces"


@pytest.fixture(scope="session")
def registry(model_dir: Path) -> ModelRegistry:
    return ModelRegistry(model_dir)


@pytest.fixture(scope="session")
def omz(registry: ModelRegistry) -> FacePipeline:
    """The default pipeline when the model directory is there."""
    return create_face_pipeline(FacesConfig(embedder="openvino", detector="openvino"), registry)


@pytest.fixture(scope="session")
def image(faces_dir: Path):
    cache: dict[str, np.ndarray] = {}

    def load(relative: str) -> np.ndarray:
        if relative not in cache:
            cache[relative] = load_image(faces_dir / relative)
        return cache[relative]

    return load
