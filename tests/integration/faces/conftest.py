"""Face pipelines for the integration tests (built once), and the CLI with `faces` wired in."""

from __future__ import annotations

from pathlib import Path

import pytest

from citywatch.config.faces import FacesConfig
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
    return create_face_pipeline(FacesConfig(embedder="openvino", detector="openvino"), registry)


@pytest.fixture(scope="session")
def dlib_pipeline() -> FacePipeline:
    """What runs without a model directory: mediapipe faces, dlib landmarks and ResNet."""
    return create_face_pipeline(FacesConfig(), ModelRegistry(None))


@pytest.fixture(scope="session")
def cli_main():
    """`citywatch.cli.main`, with the faces group added if the CLI does not have it yet."""
    from citywatch import cli
    from citywatch.cli import faces

    if "faces" not in {group.name for group in cli.app.registered_groups}:
        cli.app.add_typer(faces.app, name="faces")
    return cli.main
