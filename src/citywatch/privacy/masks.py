"""Privacy masks: areas of a camera's picture that are never analysed, stored or shown.

A camera's `privacy_masks` (polygons in frame pixels, `CameraConfig.privacy_masks`) are filled
black in each frame as it enters the camera's analysis (`CameraWorker`), before detection, so
nothing inside them is detected, tracked, cut into a thumbnail, recorded in a clip or sent to
the live view. A window into a home or a neighbouring garden is excluded from the system, not
only hidden from the screen.

The polygons are drawn straight into each frame, black, with cv2.fillPoly (sub-pixel vertices,
converted once): about 0.1 ms for a fifth of a 1080p frame (bench/redaction_cost.py), less
than multiplying by a precomputed mask picture (0.2 ms with cv2.bitwise_and, 20 ms with a
numpy broadcast), and the same for any frame size.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from citywatch.core.frame import Frame

Polygon = Sequence[tuple[float, float]]


class PrivacyMask:
    """Blacks out fixed polygons in frames of any size; pixels outside the polygons keep
    their values."""

    def __init__(self, polygons: Sequence[Polygon]) -> None:
        if not polygons:
            raise ValueError("a privacy mask needs at least one polygon")
        # Sub-pixel vertices (shift=4: 1/16 pixel) so a polygon covers what its float points say.
        self._polygons = [
            np.round(np.asarray(p, dtype=np.float64).reshape(-1, 2) * 16)
            .astype(np.int32)
            .reshape(-1, 1, 2)
            for p in polygons
        ]

    def apply(self, image: np.ndarray) -> np.ndarray:
        """Black out the masked areas of `image` (HxWx3 uint8) in place; returns `image`."""
        import cv2

        cv2.fillPoly(image, self._polygons, (0, 0, 0), lineType=cv2.LINE_8, shift=4)
        return image

    def frame(self, frame: Frame) -> Frame:
        """`frame` with its masked areas black: in place when its picture may be written,
        else on a copy (a frame handed on read-only stays as it was)."""
        image = frame.image
        if image.flags.writeable:
            self.apply(image)
            return frame
        return dataclasses.replace(frame, image=self.apply(image.copy()))

    def covered(self, height: int, width: int) -> np.ndarray:
        """HxW bool: True where a frame of that size is masked (for tests and tools)."""
        import cv2

        drawn = np.zeros((height, width), np.uint8)
        cv2.fillPoly(drawn, self._polygons, (1,), lineType=cv2.LINE_8, shift=4)
        return drawn.astype(bool)
