"""A user-supplied YOLO-style ONNX detector (YOLOv5 or YOLOv8 export), run by onnxruntime.

Output layouts understood:
- YOLOv8: `1 x (4 + classes) x N`, rows of centre x, centre y, width, height, class scores.
- YOLOv5: `1 x N x (5 + classes)`, the same plus an objectness score before the class scores.
Input: one `1x3xSxS` RGB float tensor in 0..1, letterboxed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np

from citywatch.core.boxes import nms
from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections
from citywatch.core.errors import ModelError
from citywatch.detect.letterbox import Letterbox, letterbox

YoloFormat = Literal["auto", "yolov5", "yolov8"]


def decode_yolo(
    output: np.ndarray,
    box: Letterbox,
    class_map: dict[int, ObjectClass],
    score_threshold: float,
    nms_iou: float,
    layout: YoloFormat = "auto",
) -> Detections:
    """Raw model output -> `Detections` in original-image pixels (per-class NMS)."""
    table = np.asarray(output, dtype=np.float32)
    if table.ndim == 3:
        table = table[0]
    if table.ndim != 2:
        raise ModelError(f"YOLO output must be 2-D after the batch axis, got shape {output.shape}")
    if layout == "auto":
        layout = "yolov8" if table.shape[0] < table.shape[1] else "yolov5"
    if layout == "yolov8":
        table = table.T
        boxes, class_scores = table[:, :4], table[:, 4:]
    else:
        boxes, class_scores = table[:, :4], table[:, 5:] * table[:, 4:5]
    if class_scores.shape[1] == 0:
        raise ModelError("YOLO output has no class columns")
    labels = class_scores.argmax(axis=1)
    scores = class_scores[np.arange(len(labels)), labels]
    wanted = (scores >= score_threshold) & np.isin(labels, list(class_map))
    boxes, labels, scores = boxes[wanted], labels[wanted], scores[wanted]
    xyxy = np.concatenate(
        [boxes[:, :2] - boxes[:, 2:] / 2, boxes[:, :2] + boxes[:, 2:] / 2], axis=1
    )
    xyxy = box.to_image(xyxy)
    classes = np.array([int(class_map[int(label)]) for label in labels], dtype=np.int32)
    keep: list[np.ndarray] = []
    for cls in np.unique(classes):
        rows = np.flatnonzero(classes == cls)
        keep.append(rows[nms(xyxy[rows], scores[rows], nms_iou)])
    order = np.concatenate(keep) if keep else np.zeros(0, dtype=np.int64)
    return Detections.create(xyxy[order], scores[order], classes[order])


class OnnxYoloDetector:
    def __init__(
        self,
        path: Path,
        class_map: dict[int, ObjectClass],
        input_size: int = 640,
        score_threshold: float = 0.25,
        nms_iou: float = 0.5,
        layout: YoloFormat = "auto",
    ) -> None:
        import onnxruntime as ort

        self.name = f"onnx-yolo:{Path(path).name}"
        if not Path(path).is_file():
            raise ModelError(f"{path}: ONNX model file not found")
        try:
            self._session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own exception types with long texts
            reason = (
                str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            )
            raise ModelError(f"{path}: cannot load ONNX model ({reason})") from None
        self._input = self._session.get_inputs()[0].name
        self.class_map = dict(class_map)
        self.input_size = input_size
        self.score_threshold = score_threshold
        self.nms_iou = nms_iou
        self.layout = layout
        # First inference on the creating thread, as for OpenVINO: callers then share the
        # session across threads without racing on one-time initialisation.
        self.detect(np.zeros((input_size, input_size, 3), dtype=np.uint8))

    def detect(self, image: np.ndarray) -> Detections:
        height, width = image.shape[:2]
        canvas, box = letterbox(image, self.input_size)
        blob = canvas[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32) / 255.0
        output = self._session.run(None, {self._input: blob})[0]
        found = decode_yolo(
            output, box, self.class_map, self.score_threshold, self.nms_iou, self.layout
        )
        return found.clip(width, height)
