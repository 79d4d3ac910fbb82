"""Several detectors as one: a person model and a vehicle model on the same frame.

Specialised models beat a combined one at their own class (person-detection-0201 on people,
vehicle-detection-0201 on cars), so a camera that needs both runs both and gets one
`Detections` with every row; each model keeps only the classes it is configured for.
"""

from __future__ import annotations

import numpy as np

from citywatch.core.detections import Detections
from citywatch.detect.base import Detector


class CompositeDetector:
    def __init__(self, detectors: list[Detector]) -> None:
        if not detectors:
            raise ValueError("CompositeDetector needs at least one detector")
        self.detectors = detectors
        self.name = " + ".join(d.name for d in detectors)

    def detect(self, image: np.ndarray) -> Detections:
        return Detections.concat([d.detect(image) for d in self.detectors])
