"""Thumbnails: small JPEGs of the best crop of a sighting or event, kept beside the database.

Crops are shrunk and encoded when a record is handed to the store (so the buffer holds a few
kilobytes, not a view that keeps a whole decoded frame alive) and written to disk when the
batch is committed. Files live under `<data_dir>/media/thumbs/<camera>/<YYYY-MM-DD>/`, so
retention can remove a camera's day with one directory; rows keep the path relative to the
data directory, so the directory can move.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import uuid
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

THUMBS_DIR = Path("media") / "thumbs"
JPEG_QUALITY = 85
_SAFE_NAME = re.compile(r"[^a-z0-9_-]")
# During a long outage (disk full) one warning per thumbnail would bury everything else.
_WARN_EVERY = 100


def encode_thumbnail(image: np.ndarray, size: int) -> bytes | None:
    """`image` (BGR, BGRA or grey, uint8) shrunk to fit `size` x `size` and encoded as JPEG.

    Returns None, with a warning, for something that is not a usable image; small crops are
    kept at their size rather than blown up.
    """
    import cv2  # OpenCV is slow to import; only stores that write thumbnails need it

    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.size == 0:
        log.warning("thumbnail skipped: expected a non-empty uint8 image, got %s", _describe(image))
        return None
    if image.ndim == 3 and image.shape[2] == 4:
        image = image[:, :, :3]
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (1, 3))):
        log.warning("thumbnail skipped: unexpected image shape %s", image.shape)
        return None
    height, width = image.shape[:2]
    scale = size / max(height, width)
    if scale < 1.0:
        target = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = cv2.resize(image, target, interpolation=cv2.INTER_AREA)
    ok, buffer = cv2.imencode(
        ".jpg", np.ascontiguousarray(image), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    )
    if not ok:
        log.warning("thumbnail skipped: JPEG encoding failed for shape %s", image.shape)
        return None
    return buffer.tobytes()


def _describe(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"array {value.dtype} {value.shape}"
    return type(value).__name__


def safe_dir_name(camera_id: str) -> str:
    """A camera id usable as one directory name (config ids already are; records may not be)."""
    name = _SAFE_NAME.sub("_", camera_id.lower())[:64]
    return name or "_"


class ThumbnailWriter:
    """Writes encoded thumbnails under the data directory; a failed write is a warning."""

    def __init__(self, data_dir: Path, folder: Path = THUMBS_DIR) -> None:
        self.data_dir = data_dir
        self.folder = folder  # media/thumbs, media/alerts, media/watchlist: one kind each
        self._failures = 0

    def write(self, camera_id: str, time: float, jpeg: bytes) -> str | None:
        """Write `jpeg` and return its path relative to the data directory, or None."""
        day = dt.datetime.fromtimestamp(time, tz=dt.UTC).date().isoformat()
        relative = self.folder / safe_dir_name(camera_id) / day / f"{uuid.uuid4().hex}.jpg"
        target = self.data_dir / relative
        partial = target.with_suffix(".part")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(jpeg)
            # Rename last, so a file at the recorded path is always complete (disk full
            # half-way leaves only a .part, which is removed below).
            os.replace(partial, target)
        except OSError as exc:
            self._failed(target, exc)
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            return None
        if self._failures:
            log.info("thumbnails are written again after %d failed writes", self._failures)
            self._failures = 0
        return relative.as_posix()

    def delete(self, relative: str) -> None:
        """Remove a thumbnail whose row was replaced or could not be stored."""
        try:
            (self.data_dir / relative).unlink(missing_ok=True)
        except OSError as exc:
            log.debug("could not remove thumbnail %s: %s", relative, exc)

    def _failed(self, target: Path, exc: OSError) -> None:
        self._failures += 1
        if self._failures == 1 or self._failures % _WARN_EVERY == 0:
            log.warning(
                "cannot write thumbnail %s (%s); rows are stored without thumbnails "
                "(%d failed so far)",
                target,
                exc.strerror or exc,
                self._failures,
            )
