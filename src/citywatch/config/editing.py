"""Camera edits written back to the configuration file, so they outlive a restart.

The file is edited as data, not re-serialised from the running configuration: only the edited
camera's entry changes, every other section stays as the user wrote it, and a `${NAME}`
reference (a secret kept in the environment) is kept wherever its expanded value did not
change. The result is checked with the same loader `citywatch serve` uses before it replaces
the file (written beside it, then renamed), and the previous text is kept as `<file>.bak`.
YAML comments are not preserved (PyYAML drops them); the backup keeps the original.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import yaml

from citywatch.config.cameras import CameraConfig
from citywatch.config.loader import expand_env, parse_config
from citywatch.core.errors import ConfigError

EDITABLE = ("name", "source", "fps", "enabled", "position")


def save_camera(path: Path, camera: CameraConfig) -> None:
    """Add `camera` to the file's cameras, or change its editable settings where it exists."""
    data = _read(path)
    cameras = data.setdefault("cameras", [])
    if not isinstance(cameras, list):
        raise ConfigError(f"{path}: cameras: not a list; edit the file by hand")
    values = camera.model_dump(mode="json", exclude_unset=True)
    entry = _entry(cameras, camera.id)
    if entry is None:
        cameras.append(values)
    else:
        for key in EDITABLE:
            if key in values and not _same_after_expansion(entry.get(key), values[key], path):
                entry[key] = values[key]
    _write(path, data)


def remove_camera(path: Path, camera_id: str) -> None:
    data = _read(path)
    cameras = data.get("cameras")
    if isinstance(cameras, list):
        data["cameras"] = [
            c for c in cameras if not (isinstance(c, dict) and c.get("id") == camera_id)
        ]
    _write(path, data)


def _entry(cameras: list[Any], camera_id: str) -> dict[str, Any] | None:
    for entry in cameras:
        if isinstance(entry, dict) and entry.get("id") == camera_id:
            return entry
    return None


def _same_after_expansion(written: Any, value: Any, path: Path) -> bool:
    """Does what the file says already mean `value` (e.g. `rtsp://${CAM_PASSWORD}@...`)?"""
    if written is None:
        return False
    try:
        return bool(expand_env(written, "cameras", str(path)) == value)
    except ConfigError:  # a variable no longer set: the new value replaces the reference
        return False


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: cannot read the configuration to edit it ({error})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    return data


def _write(path: Path, data: dict[str, Any]) -> None:
    parse_config(data, str(path))  # never write a file `serve` would refuse
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    fresh = path.with_name(f".{path.name}.new")
    backup = path.with_name(f"{path.name}.bak")
    try:
        fresh.write_text(text, encoding="utf-8")
        backup.write_bytes(path.read_bytes())
        os.replace(fresh, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            fresh.unlink(missing_ok=True)
        raise ConfigError(f"{path}: cannot write the configuration ({error})") from None
