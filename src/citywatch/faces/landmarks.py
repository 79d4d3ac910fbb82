"""5-point landmark models: OMZ landmarks-regression-retail-0009 and dlib's shape predictor.

They give different points (see `citywatch.faces.types`), so each writes its own column.
"""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np

from citywatch.core.detections import Detections
from citywatch.faces.geometry import crop_padded, scale_box
from citywatch.faces.openvino_model import OpenVinoModel
from citywatch.faces.types import DLIB5, LANDMARKS


class OmzLandmarks:
    """Eye centres, nose tip, mouth corners from a 48x48 crop of the face box.

    `crop_scale` grows the box before cropping; 1.0 (the detector's box as it is) put the eyes
    closest to dlib's on LFW with face-detection-retail-0004 boxes (median 4.4 % of the eye
    distance, against 5.3 % at the 1.15 of OMZ's demo and 8 % at 1.3).
    """

    key = LANDMARKS

    def __init__(self, xml_path: Path, crop_scale: float = 1.0, device: str = "CPU") -> None:
        self._model = OpenVinoModel(xml_path, device=device)
        self.name = f"openvino:{Path(xml_path).stem}"
        self.crop_scale = crop_scale
        self.input_height, self.input_width = self._model.input_hw
        # warm-up on this thread (see OpenVinoModel)
        self.locate(np.zeros((64, 64, 3), np.uint8), np.array([[8, 8, 56, 56]], np.float32))

    def locate(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
        out = np.zeros((len(boxes), 5, 2), dtype=np.float32)
        for i, box in enumerate(boxes):
            crop, origin = crop_padded(image, scale_box(box, self.crop_scale))
            blob = cv2.resize(crop, (self.input_width, self.input_height))
            raw = self._model.infer(blob).reshape(5, 2)
            size = np.array([crop.shape[1], crop.shape[0]], dtype=np.float32)
            out[i] = raw * size + origin
        return out

    def annotate(self, image: np.ndarray, faces: Detections) -> Detections:
        return faces.with_data(**{self.key: self.locate(image, faces.xyxy)})


class DlibLandmarks:
    """dlib's 5-point shape predictor (eye corners and the point under the nose).

    It was trained on dlib's own detector boxes, which are square; boxes from other detectors
    are made square about their centre first (`square=True`). On LFW, points from squared
    face-detection-retail-0004 boxes were 0.7 % of the eye distance from the points the HOG
    box gives (median), against 2.1 % from its raw, taller boxes.
    """

    key = DLIB5

    def __init__(self, model_path: Path, square: bool = True) -> None:
        import dlib  # here, not at import: starting the CLI must not load dlib

        self._dlib = dlib
        self.name = f"dlib:{Path(model_path).name}"
        self.square = square
        self._path = str(model_path)
        self._local = threading.local()
        self._predictor()  # load now, so a bad file fails at start

    def _predictor(self):  # one per thread: dlib objects make no thread-safety promise
        predictor = getattr(self._local, "predictor", None)
        if predictor is None:
            predictor = self._local.predictor = self._dlib.shape_predictor(self._path)
        return predictor

    def locate(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        dlib = self._dlib
        predictor = self._predictor()
        boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
        image = np.ascontiguousarray(image)
        out = np.zeros((len(boxes), 5, 2), dtype=np.float32)
        for i, box in enumerate(boxes):
            if self.square:
                box = _dlib_like_box(box)
            rect = dlib.rectangle(*(int(round(v)) for v in box))
            shape = predictor(image, rect)
            out[i] = [(p.x, p.y) for p in shape.parts()]
        return out

    def annotate(self, image: np.ndarray, faces: Detections) -> Detections:
        return faces.with_data(**{self.key: self.locate(image, faces.xyxy)})


def _dlib_like_box(box: np.ndarray) -> np.ndarray:
    return scale_box(box, 1.0, square=True)
