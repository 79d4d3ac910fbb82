"""The detector contract: an image in, `Detections` out (pixel boxes, scores, citywatch classes)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from citywatch.core.detections import Detections


@runtime_checkable
class Detector(Protocol):
    name: str

    def detect(self, image: np.ndarray) -> Detections:
        """Detect objects in one BGR uint8 image. Safe to call from several threads."""
        ...
