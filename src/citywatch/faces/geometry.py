"""Small pixel geometry the face stages share: padded crops, scaled boxes, eye centres."""

from __future__ import annotations

import cv2
import numpy as np

from citywatch.faces.types import DLIB5, LANDMARKS


def scale_box(box: np.ndarray, factor: float, square: bool = False) -> np.ndarray:
    """The box grown (or shrunk) about its centre; `square` makes both sides the longer one."""
    x1, y1, x2, y2 = (float(v) for v in box)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    w, h = (x2 - x1) * factor, (y2 - y1) * factor
    if square:
        w = h = max(w, h)
    return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dtype=np.float32)


def crop_padded(image: np.ndarray, box: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The integer pixel window of `box`, zero-filled where it leaves the image.

    Returns (crop, origin): `origin` is the window's top-left in frame pixels, so a point p in
    the crop is p + origin in the frame. Zero fill (not clipping) keeps a face cut by the frame
    edge where a landmark model expects it: centred in its input.
    """
    height, width = image.shape[:2]
    x1, y1 = int(np.floor(box[0])), int(np.floor(box[1]))
    x2, y2 = max(int(np.ceil(box[2])), x1 + 1), max(int(np.ceil(box[3])), y1 + 1)
    crop = np.zeros((y2 - y1, x2 - x1, image.shape[2]), dtype=image.dtype)
    sx1, sy1, sx2, sy2 = max(x1, 0), max(y1, 0), min(x2, width), min(y2, height)
    if sx2 > sx1 and sy2 > sy1:
        crop[sy1 - y1 : sy2 - y1, sx1 - x1 : sx2 - x1] = image[sy1:sy2, sx1:sx2]
    return crop, np.array([x1, y1], dtype=np.float32)


def eye_centres(points: np.ndarray, key: str) -> tuple[np.ndarray, np.ndarray]:
    """(eye on the image's left, eye on the image's right) from either 5-point layout."""
    if key == LANDMARKS:
        return points[0], points[1]
    if key == DLIB5:
        return (points[2] + points[3]) / 2, (points[0] + points[1]) / 2
    raise ValueError(f"unknown landmark layout {key!r}")


def nose_point(points: np.ndarray, key: str) -> np.ndarray:
    """Nose tip (LANDMARKS) or the point under the nose (DLIB5)."""
    if key in (LANDMARKS, DLIB5):
        return points[2] if key == LANDMARKS else points[4]
    raise ValueError(f"unknown landmark layout {key!r}")


def crop_resized(
    image: np.ndarray, box: np.ndarray, factor: float
) -> tuple[np.ndarray, np.ndarray]:
    """`crop_padded(image, box)` scaled by `factor`, without copying the full-size window.

    Resizing a view of the part inside the image, then padding, costs what the output costs:
    a 3x crop around a face in a 36-megapixel photo would otherwise copy 100 MB first.
    Returns (crop, origin) like crop_padded; a crop pixel p is frame point p / factor + origin.
    """
    height, width = image.shape[:2]
    x1, y1 = int(np.floor(box[0])), int(np.floor(box[1]))
    x2, y2 = max(int(np.ceil(box[2])), x1 + 1), max(int(np.ceil(box[3])), y1 + 1)
    out_w, out_h = max(1, round((x2 - x1) * factor)), max(1, round((y2 - y1) * factor))
    crop = np.zeros((out_h, out_w, image.shape[2]), dtype=image.dtype)
    sx1, sy1, sx2, sy2 = max(x1, 0), max(y1, 0), min(x2, width), min(y2, height)
    if sx2 > sx1 and sy2 > sy1:
        # Destination of the inside part, rounded so it fits the output exactly.
        dx1, dy1 = round((sx1 - x1) * factor), round((sy1 - y1) * factor)
        dx2 = min(out_w, max(dx1 + 1, round((sx2 - x1) * factor)))
        dy2 = min(out_h, max(dy1 + 1, round((sy2 - y1) * factor)))
        inside = image[sy1:sy2, sx1:sx2]
        step = int(0.5 / factor) if factor < 0.5 else 1
        if step > 1:
            # Area averaging reads every source pixel; skipping rows and columns down to twice
            # the output size first costs nothing in quality and most of the time.
            inside = np.ascontiguousarray(inside[::step, ::step])
        interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
        crop[dy1:dy2, dx1:dx2] = cv2.resize(
            inside, (dx2 - dx1, dy2 - dy1), interpolation=interpolation
        )
    return crop, np.array([x1, y1], dtype=np.float32)
