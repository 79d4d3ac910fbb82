"""A folder of still frames (MOTChallenge `img1/`, exported JPEG sequences)."""

from __future__ import annotations

import configparser
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from citywatch.core.errors import SourceError, SourceUsageError
from citywatch.ingest.sources.base import RawFrame, SourceBase
from citywatch.ingest.sources.timing import DEFAULT_FRAME_RATE

log = logging.getLogger("citywatch.ingest")

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})

_DIGITS = re.compile(r"(\d+)")


def _natural_key(path: Path) -> list[tuple[int, int | str]]:
    """Sort by name with numbers compared as numbers, so frame_2 comes before frame_10.

    For zero-padded names (000001.jpg) this is the same as plain name order.
    """
    key: list[tuple[int, int | str]] = []
    for part in _DIGITS.split(path.name):
        if part.isdigit():
            key.append((0, int(part)))
        elif part:
            key.append((1, part.lower()))
    return key


def list_images(folder: Path) -> list[Path]:
    """Image files directly in `folder`, in frame order; hidden files (macOS `._x.jpg`) skipped."""
    return sorted(
        (
            p
            for p in folder.iterdir()
            if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".") and p.is_file()
        ),
        key=_natural_key,
    )


def read_seqinfo_rate(folder: Path) -> float | None:
    """`frameRate` from a MOTChallenge `seqinfo.ini` in the folder or its parent, if any."""
    for candidate in (folder / "seqinfo.ini", folder.parent / "seqinfo.ini"):
        if not candidate.is_file():
            continue
        parser = configparser.ConfigParser()
        try:
            parser.read(candidate, encoding="utf-8")
            rate = parser.getfloat("Sequence", "frameRate", fallback=None)
        except (configparser.Error, ValueError, UnicodeDecodeError) as error:
            log.warning("%s: ignoring unreadable seqinfo.ini (%s)", candidate, error)
            continue
        if rate is not None and rate > 0:
            return rate
    return None


def _mot_image_dir(folder: Path) -> Path | None:
    """For a MOTChallenge sequence folder (seqinfo.ini + img1/), the folder holding the frames."""
    seqinfo = folder / "seqinfo.ini"
    if not seqinfo.is_file():
        return None
    parser = configparser.ConfigParser()
    try:
        parser.read(seqinfo, encoding="utf-8")
        im_dir = parser.get("Sequence", "imDir", fallback="img1")
    except (configparser.Error, UnicodeDecodeError):
        im_dir = "img1"
    candidate = folder / im_dir
    return candidate if candidate.is_dir() else None


class FolderSource(SourceBase):
    """Image files sorted by name; frame i has `ts = i / frame_rate`.

    The frame rate is `frame_rate` if given, else `frameRate` from a `seqinfo.ini` in the folder
    or its parent (MOTChallenge layout `seq/img1/*.jpg` + `seq/seqinfo.ini`), else 25. Passing
    the sequence folder itself (`seq/`) reads its `img1/`.

    An image that cannot be decoded is skipped with a warning naming the file and counted in
    `frames_skipped`, and its index is left unused so later frames keep their numbers (MOT frame
    numbers stay aligned with the file names). For a camera-like stream one bad JPEG must not
    end the run; a folder where nothing decodes is a `SourceError` at the end.
    """

    kind = "folder"

    def __init__(
        self,
        folder: Path,
        camera_id: str = "cam",
        *,
        spec: str | None = None,
        fps: float | None = None,
        realtime: bool = False,
        loop: bool = False,
        frame_rate: float | None = None,
    ) -> None:
        super().__init__(spec or str(folder), camera_id, fps=fps, realtime=realtime, loop=loop)
        try:
            images = list_images(folder)
        except OSError as error:
            raise SourceError(self.spec, f"cannot list folder: {error.strerror}") from error
        if not images:
            nested = _mot_image_dir(folder)
            if nested is not None:
                folder, images = nested, list_images(nested)
        if not images:
            if not any(folder.iterdir()):
                raise SourceUsageError(self.spec, "folder is empty")
            suffixes = ", ".join(sorted(s.lstrip(".") for s in IMAGE_SUFFIXES))
            raise SourceUsageError(self.spec, f"no image files in the folder ({suffixes})")
        self.folder = folder
        self.images = images
        self._rate = frame_rate or read_seqinfo_rate(folder) or DEFAULT_FRAME_RATE
        self._any_decoded = False

    @property
    def frame_rate(self) -> float:
        return self._rate

    def _frames_per_pass(self) -> int:
        return len(self.images)

    def _raw_frames(self) -> Iterator[RawFrame]:
        for i, path in enumerate(self.images):
            yield RawFrame(i / self._rate, path)
        if not self._any_decoded and self.frames_skipped > 0:
            raise SourceError(
                self.spec, f"none of the {self.frames_skipped} images read could be decoded"
            )

    def _to_image(self, payload: object) -> np.ndarray | None:
        import cv2

        assert isinstance(payload, Path)
        try:
            # imdecode over fromfile: imread fails silently on some non-ASCII paths.
            data = np.fromfile(payload, dtype=np.uint8)
            image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
        except (OSError, cv2.error) as error:
            log.warning("%s: skipping unreadable image (%s)", payload, error)
            return None
        if image is None:
            log.warning("%s: skipping image that cannot be decoded", payload)
            return None
        self._any_decoded = True
        return image

    def _rewind(self) -> None:
        pass  # the file list is simply walked again
