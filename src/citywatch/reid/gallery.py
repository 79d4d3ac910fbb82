"""Rank a folder of person crops by appearance distance to one query crop.

A gallery image is one person crop, so its box is the whole image. Images that cannot be
read are skipped and reported through `on_skip` (one line naming the file); the ranking of
the rest goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from citywatch.core.errors import UsageError
from citywatch.reid.base import PersonEmbedder

log = logging.getLogger("citywatch.reid")

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
BATCH = 32  # crops embedded per call: bounds the memory a large gallery takes


@dataclass(frozen=True)
class GalleryHit:
    rank: int  # 1-based
    image: Path
    box: tuple[int, int, int, int]  # x, y, w, h in the image: all of it
    distance: float  # cosine distance to the query

    def as_dict(self) -> dict:
        return {
            "rank": self.rank,
            "image": str(self.image),
            "box": list(self.box),
            "distance": round(self.distance, 4),
        }


def gallery_images(folder: Path) -> list[Path]:
    """The image files under `folder` (sub-folders too), by suffix, in path order."""
    if not folder.is_dir():
        raise UsageError(f"{folder}: gallery folder not found")
    found = sorted(
        p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
    )
    if not found:
        raise UsageError(f"{folder}: no images in the gallery folder (.jpg, .png, ...)")
    return found


def _warn(message: str) -> None:
    log.warning("%s", message)


def rank_gallery(
    embedder: PersonEmbedder,
    query_crop: np.ndarray,
    gallery_paths: Iterable[Path],
    top: int,
    on_skip: Callable[[str], None] = _warn,
) -> list[GalleryHit]:
    """The `top` gallery crops nearest the query, nearest first (ties keep path order)."""
    from citywatch.core.images import ImageError, load_image

    if top < 1:
        raise UsageError(f"top must be at least 1, got {top}")
    query = embedder.embed([query_crop])[0]
    paths: list[Path] = []
    sizes: list[tuple[int, int]] = []
    distances: list[np.ndarray] = []
    pending: list[np.ndarray] = []

    def flush() -> None:
        if pending:
            distances.append(1.0 - embedder.embed(pending) @ query)
            pending.clear()

    for path in gallery_paths:
        try:
            image = load_image(path)
        except ImageError as error:
            on_skip(f"{error}; skipped")
            continue
        paths.append(Path(path))
        sizes.append((image.shape[1], image.shape[0]))
        pending.append(image)
        if len(pending) >= BATCH:
            flush()
    flush()
    if not paths:
        return []
    scores = np.concatenate(distances)
    order = np.argsort(scores, kind="stable")[:top]
    return [
        GalleryHit(rank, paths[i], (0, 0, *sizes[i]), float(scores[i]))
        for rank, i in enumerate(order, start=1)
    ]
