"""Pixel geometry for plates: boxes as (x, y, w, h) floats, rotated crops, overlaps."""

from __future__ import annotations

import math

import cv2
import numpy as np

Box = tuple[float, float, float, float]  # x, y, w, h in image pixels


def clip_box(box: Box, width: int, height: int) -> Box:
    x1, y1 = max(0.0, box[0]), max(0.0, box[1])
    x2, y2 = min(float(width), box[0] + box[2]), min(float(height), box[1] + box[3])
    return x1, y1, max(0.0, x2 - x1), max(0.0, y2 - y1)


def grow_box(
    box: Box, left: float, top: float, right: float | None = None, bottom: float | None = None
) -> Box:
    """The box with margins added (pixels); right/bottom default to left/top."""
    right = left if right is None else right
    bottom = top if bottom is None else bottom
    return box[0] - left, box[1] - top, box[2] + left + right, box[3] + top + bottom


def union_box(boxes: list[Box]) -> Box:
    x1 = min(b[0] for b in boxes)
    y1 = min(b[1] for b in boxes)
    x2 = max(b[0] + b[2] for b in boxes)
    y2 = max(b[1] + b[3] for b in boxes)
    return x1, y1, x2 - x1, y2 - y1


def overlap(a: Box, b: Box) -> float:
    """Intersection over the smaller box's area (1 when one holds the other)."""
    iw = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    ih = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    smaller = min(a[2] * a[3], b[2] * b[3])
    return float(iw * ih / smaller) if smaller > 0 else 0.0


def iou(a: Box, b: Box) -> float:
    iw = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    ih = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    return float(inter / (a[2] * a[3] + b[2] * b[3] - inter))


def crop_box(image: np.ndarray, box: Box) -> tuple[np.ndarray, tuple[int, int]]:
    """The integer window of `box` inside the image, and its top-left corner."""
    height, width = image.shape[:2]
    x1, y1 = max(0, int(math.floor(box[0]))), max(0, int(math.floor(box[1])))
    x2 = min(width, int(math.ceil(box[0] + box[2])))
    y2 = min(height, int(math.ceil(box[1] + box[3])))
    return image[y1 : max(y1 + 1, y2), x1 : max(x1 + 1, x2)], (x1, y1)


def crop_rotated(
    image: np.ndarray,
    center: tuple[float, float],
    size: tuple[float, float],
    angle: float,
) -> np.ndarray:
    """The rotated rectangle cut out and turned level (edges replicated outside the image).

    warpAffine computes only the output pixels, so this costs what the crop costs however
    large the image is.
    """
    w, h = max(1, int(round(size[0]))), max(1, int(round(size[1])))
    matrix = cv2.getRotationMatrix2D(center, angle, 1.0)
    matrix[0, 2] += w / 2 - center[0]
    matrix[1, 2] += h / 2 - center[1]
    return cv2.warpAffine(
        image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
