"""Pieces several commands share: loading the configuration, the model registry, progress bars."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from citywatch.config import CitywatchConfig, load_config
from citywatch.models import ModelRegistry

stderr = Console(stderr=True, soft_wrap=True)  # one line stays one line in logs


def load_or_default(config_path: Path | None) -> CitywatchConfig:
    return load_config(config_path) if config_path else CitywatchConfig()


def registry_for(config: CitywatchConfig, model_dir: Path | None) -> ModelRegistry:
    """--model-dir beats CITYWATCH_MODEL_DIR, which beats the configuration's model_dir."""
    if model_dir is not None:
        return ModelRegistry(model_dir)
    return ModelRegistry.from_settings(config.model_dir)


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Progress]:
    """A Rich bar on stderr (stdout stays free for results); invisible when not a terminal."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=stderr,
        transient=False,
        disable=not stderr.is_terminal,
    )
    with progress:
        progress.add_task(description, total=total)
        yield progress
