"""YAML -> `CitywatchConfig`, with errors that name the file, the key path and the reason."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from citywatch.config.root import CitywatchConfig
from citywatch.core.errors import ConfigError

_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def key_path(location: tuple[Any, ...]) -> str:
    """('cameras', 0, 'fps') -> 'cameras[0].fps'."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def expand_env(value: Any, where: str, origin: str) -> Any:
    """Replace ${NAME} in strings from the environment, so secrets stay out of the file."""
    if isinstance(value, dict):
        return {
            k: expand_env(v, f"{where}.{k}" if where else str(k), origin) for k, v in value.items()
        }
    if isinstance(value, list):
        return [expand_env(v, f"{where}[{i}]", origin) for i, v in enumerate(value)]
    if isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise ConfigError(f"{origin}: {where}: environment variable {name} is not set")
            return os.environ[name]

        return _ENV_REFERENCE.sub(substitute, value)
    return value


def parse_config(data: Any, origin: str = "<config>") -> CitywatchConfig:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: the top level must be a mapping of sections")
    data = expand_env(data, "", origin)
    try:
        return CitywatchConfig.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        message = first["msg"].removeprefix("Value error, ")
        where = key_path(tuple(first["loc"]))
        prefix = f"{origin}: {where}: " if where else f"{origin}: "
        raise ConfigError(f"{prefix}{message}{more}") from None


def load_config(path: str | Path) -> CitywatchConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read configuration ({error})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"{path}: invalid YAML at {where}{problem}") from None
    config = parse_config(data, origin=str(path))
    return _resolve_relative_paths(config, path.parent)


def _resolve_relative_paths(config: CitywatchConfig, base: Path) -> CitywatchConfig:
    """Relative file sources and the model dir are relative to the config file, not the cwd."""

    def local(value: str) -> str:
        if "://" in value or value.startswith("webcam:") or Path(value).is_absolute():
            return value
        return str((base / value).resolve())

    cameras = [c.model_copy(update={"source": local(c.source)}) for c in config.cameras]
    update: dict[str, Any] = {"cameras": cameras}
    if config.model_dir:
        update["model_dir"] = local(config.model_dir)
    return config.model_copy(update=update)
