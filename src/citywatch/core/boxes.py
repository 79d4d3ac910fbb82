"""Box geometry shared by detectors, the tracker and evaluation (pixel `xyxy` arrays)."""

from __future__ import annotations

import numpy as np


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise intersection over union, shape (len(a), len(b))."""
    a = np.asarray(a, dtype=np.float32).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float32).reshape(-1, 4)
    if not len(a) or not len(b):
        return np.zeros((len(a), len(b)), dtype=np.float32)
    top_left = np.maximum(a[:, None, :2], b[None, :, :2])
    bottom_right = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(bottom_right - top_left, 0, None), axis=2)
    area_a = np.prod(np.clip(a[:, 2:] - a[:, :2], 0, None), axis=1)
    area_b = np.prod(np.clip(b[:, 2:] - b[:, :2], 0, None), axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0).astype(np.float32)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Indices kept by greedy non-maximum suppression, highest score first."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    keep: list[int] = []
    while len(order):
        best = int(order[0])
        keep.append(best)
        if len(order) == 1:
            break
        overlap = box_iou(boxes[best : best + 1], boxes[order[1:]])[0]
        order = order[1:][overlap <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def xyxy_to_xywh(xyxy: np.ndarray) -> np.ndarray:
    out = np.asarray(xyxy, dtype=np.float32).reshape(-1, 4).copy()
    out[:, 2:] -= out[:, :2]
    return out


def xywh_to_xyxy(xywh: np.ndarray) -> np.ndarray:
    out = np.asarray(xywh, dtype=np.float32).reshape(-1, 4).copy()
    out[:, 2:] += out[:, :2]
    return out
