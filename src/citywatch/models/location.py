"""Where model files are on disk: the model directory, and the OMZ folder inside it."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

MODEL_DIR_ENV = "CITYWATCH_MODEL_DIR"
OMZ_FOLDER = "omz"


@dataclass(frozen=True)
class ModelDir:
    """A model directory and where the setting came from, so messages can say why it is there."""

    path: Path
    origin: str


def resolve_model_dir(
    configured: str | Path | None, environ: Mapping[str, str] | None = None
) -> ModelDir | None:
    """`CITYWATCH_MODEL_DIR` (when set and not blank) wins over the configured `model_dir`.

    The environment wins so one machine can point every config at its own copy without
    editing the files; a blank value counts as unset so `CITYWATCH_MODEL_DIR= cmd` disables it.
    """
    env = os.environ if environ is None else environ
    value = env.get(MODEL_DIR_ENV, "").strip()
    if value:
        return ModelDir(Path(value).expanduser(), MODEL_DIR_ENV)
    if configured is not None and str(configured).strip():
        return ModelDir(Path(configured).expanduser(), "model_dir in the configuration")
    return None


def omz_root(model_dir: Path, model_names: Collection[str]) -> Path:
    """The folder holding `<name>/<precision>/<files>` for OMZ models.

    Accepts both a directory with an `omz/` folder inside (the documented layout) and one that
    is that folder itself, recognised by its name or by a known model folder in it. A directory
    that is neither (say a new, empty one) gets the documented layout, so `pull` creates omz/.
    """
    nested = model_dir / OMZ_FOLDER
    if nested.is_dir():
        return nested
    if model_dir.name == OMZ_FOLDER:
        return model_dir
    if any((model_dir / name).is_dir() for name in model_names):
        return model_dir
    return nested
