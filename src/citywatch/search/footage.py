"""Search one-off footage (a file or a folder of frames) for the person in a photo.

Faces are looked for on the whole frame and in the enlarged head regions of detected people
(so small faces in wide shots count too); every face within the threshold is a hit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from citywatch.core.boxes import nms
from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections
from citywatch.core.frame import Frame
from citywatch.detect.base import Detector
from citywatch.faces.base import cosine_distance
from citywatch.faces.pipeline import FacePipeline


@dataclass(frozen=True)
class FootageHit:
    frame: int  # 1-based, like MOT files
    time_s: float
    box: tuple[float, float, float, float]  # x, y, w, h
    distance: float


def faces_in_frame(faces: FacePipeline, people: Detector | None, image: np.ndarray) -> Detections:
    found = [faces.find(image)]
    if people is not None:
        persons = people.detect(image)
        persons = persons[(persons.class_id == ObjectClass.PERSON) & (persons.confidence >= 0.4)]
        if len(persons):
            found.append(faces.find(image, regions=persons))
    # Boxes only: each finder adds its own columns; landmarks are located again for all.
    merged = Detections.concat([Detections.create(f.xyxy, f.confidence, f.class_id) for f in found])
    return merged[nms(merged.xyxy, merged.confidence, 0.4)]


def search_footage(
    frames: Iterator[Frame],
    faces: FacePipeline,
    people: Detector | None,
    query: np.ndarray,
    threshold: float,
) -> Iterator[FootageHit]:
    for frame in frames:
        found = faces_in_frame(faces, people, frame.image)
        if not len(found):
            continue
        for observation in faces.observe(frame.image, found, embed="all"):
            if observation.embedding is None:
                continue
            distance = float(cosine_distance(observation.embedding, query)[0, 0])
            if distance <= threshold:
                x1, y1, x2, y2 = (float(v) for v in observation.box)
                yield FootageHit(frame.index + 1, frame.ts, (x1, y1, x2 - x1, y2 - y1), distance)
