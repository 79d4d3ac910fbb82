"""Face alignment: a similarity transform that puts 5 landmarks on an embedder's template.

Recognition models are trained on faces warped so the eyes, nose and mouth sit at fixed
pixels; feeding them a face aligned any other way costs accuracy. Each embedder therefore
carries its own aligner (`Embedder.aligner`), and this module holds the two kinds we need.
"""

from __future__ import annotations

import cv2
import numpy as np

from citywatch.faces.geometry import crop_padded
from citywatch.faces.types import DLIB5, LANDMARKS

# face-reidentification-retail-0095's reference points (its model card; the same numbers are
# in Open Model Zoo's face_recognition_demo): left eye, right eye, nose tip, left and right
# mouth corner, given on a 96x112 face and used as fractions of the input's width and height.
OMZ_REID_TEMPLATE = np.array(
    [
        (30.2946 / 96, 51.6963 / 112),
        (65.5318 / 96, 51.5014 / 112),
        (48.0252 / 96, 71.7366 / 112),
        (33.5493 / 96, 92.3655 / 112),
        (62.7299 / 96, 92.2041 / 112),
    ],
    dtype=np.float32,
)

# Warping straight from a large face to a small template skips pixels (aliasing), which
# measurably moves embeddings; below this scale the face is first shrunk with area averaging.
_MIN_DIRECT_SCALE = 0.5


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 2x3 rotation + uniform scale + translation mapping `src` points onto `dst`.

    Least squares over all points (Umeyama, 1991), never a reflection. cv2's
    estimateAffinePartial2D would do, but it runs RANSAC by default, which with five points
    can drop a good one; plain least squares is what the templates were made for.
    """
    src = np.asarray(src, dtype=np.float64).reshape(-1, 2)
    dst = np.asarray(dst, dtype=np.float64).reshape(-1, 2)
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    covariance = dst_c.T @ src_c / len(src)
    u, singular, vt = np.linalg.svd(covariance)
    sign = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[1, 1] = -1
    rotation = u @ sign @ vt
    variance = (src_c**2).sum() / len(src)
    scale = float((singular * np.diag(sign)).sum() / variance) if variance > 0 else 1.0
    matrix = np.zeros((2, 3), dtype=np.float64)
    matrix[:, :2] = scale * rotation
    matrix[:, 2] = dst_mean - matrix[:, :2] @ src_mean
    return matrix


def warp_to_template(
    image: np.ndarray, points: np.ndarray, template_px: np.ndarray, size: tuple[int, int]
) -> np.ndarray:
    """`image` warped so `points` land on `template_px`, as a `size` (w, h) image."""
    matrix = similarity_transform(points, template_px)
    scale = float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))
    if scale < _MIN_DIRECT_SCALE:
        image, matrix = _shrink_first(image, matrix, size, scale)
    return cv2.warpAffine(
        image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
    )


def _shrink_first(
    image: np.ndarray, matrix: np.ndarray, size: tuple[int, int], scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """Cut the source window the output needs, shrink it by area, and adjust the transform."""
    inverse = cv2.invertAffineTransform(matrix)
    w, h = size
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], dtype=np.float64)
    source = corners @ inverse.T
    box = np.array([*source.min(axis=0), *source.max(axis=0)], dtype=np.float32)
    window, origin = crop_padded(image, box)
    factor = scale / _MIN_DIRECT_SCALE * 0.999  # shrink so the warp that is left is ~0.5x
    small = cv2.resize(
        window,
        (max(1, round(window.shape[1] * factor)), max(1, round(window.shape[0] * factor))),
        interpolation=cv2.INTER_AREA,
    )
    fx = small.shape[1] / window.shape[1]
    fy = small.shape[0] / window.shape[0]
    # frame point p -> window point p - origin -> small point (p - origin) * f
    to_small = np.array([[fx, 0, -origin[0] * fx], [0, fy, -origin[1] * fy]], dtype=np.float64)
    back = cv2.invertAffineTransform(to_small)
    adjusted = matrix[:, :2] @ back[:, :2]
    shift = matrix[:, :2] @ back[:, 2] + matrix[:, 2]
    return small, np.hstack([adjusted, shift[:, None]])


class SimilarityAligner:
    """Warp each face so its `LANDMARKS` points sit on a template given as 0..1 fractions."""

    key = LANDMARKS

    def __init__(self, template: np.ndarray, size: tuple[int, int]) -> None:
        self.size = (int(size[0]), int(size[1]))
        self.template_px = np.asarray(template, dtype=np.float32) * np.array(
            self.size, dtype=np.float32
        )

    def align(self, image: np.ndarray, landmarks: np.ndarray) -> list[np.ndarray]:
        return [
            warp_to_template(image, points, self.template_px, self.size)
            for points in np.asarray(landmarks, dtype=np.float32).reshape(-1, 5, 2)
        ]


class DlibChipAligner:
    """dlib's own face chips (`get_face_chip`) from its 5-point shape: what its ResNet expects.

    dlib defines the chip from the shape's points and a mean-face template of its own; reusing
    it, rather than a template of ours, keeps the embedder on the inputs it was trained with.
    """

    key = DLIB5

    def __init__(self, size: int = 150, padding: float = 0.25) -> None:
        import dlib  # here, not at import: starting the CLI must not load dlib

        self._dlib = dlib
        self.size = (size, size)
        self.padding = padding

    def align(self, image: np.ndarray, landmarks: np.ndarray) -> list[np.ndarray]:
        dlib = self._dlib
        image = np.ascontiguousarray(image)
        chips = []
        for points in np.asarray(landmarks, dtype=np.float32).reshape(-1, 5, 2):
            x1, y1 = points.min(axis=0)
            x2, y2 = points.max(axis=0)
            rect = dlib.rectangle(int(x1), int(y1), int(np.ceil(x2)), int(np.ceil(y2)))
            parts = dlib.points([dlib.point(int(round(x)), int(round(y))) for x, y in points])
            shape = dlib.full_object_detection(rect, parts)
            # Pixels are copied channel by channel, so BGR in gives a BGR chip.
            chips.append(dlib.get_face_chip(image, shape, size=self.size[0], padding=self.padding))
        return chips
