"""Model files that installed Python packages ship: finding them and their expected hashes.

Packages are located with `importlib.util.find_spec` on the top-level module only, which reads
no package code: some (face_recognition_models) fail at import on current setuptools, and
importing mediapipe just to find a file would cost seconds.
"""

from __future__ import annotations

import base64
import importlib.metadata
import importlib.util
from pathlib import Path

from citywatch.models.specs import PackageLocation


def package_dir(module: str) -> Path | None:
    """The folder of an installed top-level package, or None if it is not installed."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def package_file_path(location: PackageLocation) -> Path | None:
    """Where the file would be (present or not), or None if the package is not installed."""
    folder = package_dir(location.module)
    return None if folder is None else folder / location.path


def recorded_sha256(location: PackageLocation) -> str | None:
    """The file's sha256 (hex) from the installed distribution's RECORD, if it lists one.

    pip writes a hash for every installed file, so this checks the file against what was
    installed without pinning hashes that would go stale with each package upgrade.
    """
    try:
        files = importlib.metadata.distribution(location.distribution).files or []
    except importlib.metadata.PackageNotFoundError:
        return None
    wanted = f"{location.module}/{location.path}"
    for entry in files:
        if str(entry).replace("\\", "/") == wanted and entry.hash and entry.hash.mode == "sha256":
            value = entry.hash.value
            return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).hex()
    return None


def distribution_version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
