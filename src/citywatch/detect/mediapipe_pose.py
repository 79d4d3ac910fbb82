"""Fallback person detector from a model that ships inside the mediapipe wheel.

mediapipe's BlazePose detector finds a person by their face and derives the body from two
keypoints (mid-hip and a body-size point), so it misses people whose face is hidden and people
much smaller than its 224-pixel input. Tiling the frame into overlapping squares lets it see
smaller people. It is a stand-in for machines without the model directory, not a CCTV detector:
`citywatch models pull person-detection-0201` gives the real one.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np

from citywatch.core.boxes import nms
from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections

_GRAPH = (
    'input_stream: "image" output_stream: "detections" '
    'node { calculator: "PoseDetectionCpu" input_stream: "IMAGE:image" '
    'output_stream: "DETECTIONS:detections" }'
)
# Person box from the two body keypoints: the hip-to-size-point distance is about half a body.
_BODY_HEIGHT_PER_RADIUS = 2.1
_BODY_WIDTH_PER_HEIGHT = 0.42


def tile_grid(width: int, height: int, tile: int, overlap: float) -> list[tuple[int, int, int]]:
    """Square tiles (x, y, side) covering the frame with the given fractional overlap."""
    side = min(tile, width, height)
    step = max(1, int(side * (1 - overlap)))

    def starts(extent: int) -> list[int]:
        points = list(range(0, max(extent - side, 0) + 1, step))
        if points[-1] + side < extent:
            points.append(extent - side)
        return points

    return [(x, y, side) for y in starts(height) for x in starts(width)]


class MediapipePoseDetector:
    def __init__(self, score_threshold: float = 0.5, tile: int = 0, overlap: float = 0.25) -> None:
        self.name = "mediapipe-pose-detection (package fallback)"
        self.score_threshold = score_threshold
        self.tile = tile  # 0: one tile, the whole frame (letterboxed by mediapipe)
        self.overlap = overlap
        self._local = threading.local()

    def _graph(self):  # mediapipe graphs are not thread-safe: one per thread
        graph = getattr(self._local, "graph", None)
        if graph is None:
            from google.protobuf import text_format
            from mediapipe.framework import calculator_pb2
            from mediapipe.python.solution_base import SolutionBase

            config = text_format.Parse(_GRAPH, calculator_pb2.CalculatorGraphConfig())
            graph = self._local.graph = SolutionBase(graph_config=config, outputs=["detections"])
        return graph

    def detect(self, image: np.ndarray) -> Detections:
        height, width = image.shape[:2]
        tiles = tile_grid(width, height, self.tile, self.overlap) if self.tile else [(0, 0, 0)]
        boxes: list[np.ndarray] = []
        scores: list[float] = []
        for x0, y0, side in tiles:
            crop = image[y0 : y0 + side, x0 : x0 + side] if side else image
            found = self._detect_one(crop)
            for box, score in found:
                boxes.append(box + np.array([x0, y0, x0, y0], dtype=np.float32))
                scores.append(score)
        if not boxes:
            return Detections.empty()
        xyxy = np.stack(boxes)
        confidence = np.asarray(scores, dtype=np.float32)
        keep = nms(xyxy, confidence, 0.4)
        classes = np.full(len(keep), int(ObjectClass.PERSON))
        return Detections.create(xyxy[keep], confidence[keep], classes).clip(width, height)

    def _detect_one(self, bgr: np.ndarray) -> list[tuple[np.ndarray, float]]:
        height, width = bgr.shape[:2]
        rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        result = self._graph().process(rgb)
        found = []
        for detection in result.detections or []:
            score = float(detection.score[0])
            if score < self.score_threshold:
                continue
            points = detection.location_data.relative_keypoints
            hip = np.array([points[0].x * width, points[0].y * height])
            size_point = np.array([points[1].x * width, points[1].y * height])
            body_height = _BODY_HEIGHT_PER_RADIUS * float(np.linalg.norm(size_point - hip))
            face = detection.location_data.relative_bounding_box
            top = face.ymin * height
            body_width = _BODY_WIDTH_PER_HEIGHT * body_height
            box = np.array(
                [hip[0] - body_width / 2, top, hip[0] + body_width / 2, top + body_height],
                dtype=np.float32,
            )
            found.append((box, score))
        return found
