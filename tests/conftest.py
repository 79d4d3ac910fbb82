"""Shared fixtures: where the shared test data and models are, and how absence is handled.

Tests that need `../shared` skip with a clear message when it is missing, except under CI
(`CI=true`), where a missing folder is an error so nothing is skipped silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = (PROJECT_ROOT / ".." / "shared").resolve()
DATA = SHARED / "data"
MODELS = SHARED / "models"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Store backends (tests/support/postgres_backend.py); the shared Redis and Ray
# (tests/support/shared_services.py).
pytest_plugins = ["postgres_backend", "shared_services"]


def _require(path: Path, marker: str, what: str) -> Path:
    if not (path / marker).exists():
        message = f"{what} not found at {path} (expected ../shared beside the project root)"
        if IN_CI:
            pytest.fail(message + "; CI=true, so this is an error, not a skip")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """`../shared/data`: real footage, frames with ground truth, faces, plates."""
    return _require(DATA, "MANIFEST.tsv", "shared test data")


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """`../shared/models`: OpenVINO Open Model Zoo models under omz/."""
    return _require(MODELS, "SHA256SUMS", "shared models")


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests keep things a person may want to look at afterwards (screenshots, JSON)."""
    path = PROJECT_ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
