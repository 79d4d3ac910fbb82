"""Where objects stand relative to what the operator drew: zones, lines, the ground plane.

An object's position is its foot point, the bottom centre of its box (`Detections.bottom_center`):
the one point of a standing person or a car that is on the ground, so it is the point that a
zone painted on the ground contains and the point a homography maps correctly.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import shapely
from shapely.geometry import Polygon

from citywatch.config.rules import Homography

Points = np.ndarray  # N x 2 float, image pixels (x, y)


class Region:
    """A zone polygon; `contains` answers for many points at once (boundary counts as in)."""

    def __init__(self, polygon: Sequence[tuple[float, float]]) -> None:
        shape = Polygon(polygon)
        if not shape.is_valid:  # a bow-tie outline: keep the area it encloses
            shape = shapely.make_valid(shape)
        shapely.prepare(shape)
        self.shape = shape
        self.bounds = tuple(float(v) for v in shape.bounds)

    def contains(self, points: Points) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        if not len(points):
            return np.zeros(0, dtype=bool)
        return np.asarray(shapely.intersects_xy(self.shape, points[:, 0], points[:, 1]), bool)

    def mask(self, height: int, width: int, scale: float = 1.0) -> np.ndarray:
        """The zone as a uint8 mask (255 inside) of an image `scale` times the camera's size."""
        out = np.zeros((height, width), np.uint8)
        geoms = getattr(self.shape, "geoms", [self.shape])
        for geom in geoms:
            if isinstance(geom, Polygon):
                ring = np.asarray(geom.exterior.coords, np.float64) * scale
                cv2.fillPoly(out, [np.round(ring).astype(np.int32)], (255,))
        return out


class LineGeometry:
    """A drawn line p1 -> p2 with signed distances: negative on side "a", positive on "b".

    Side "a" is on the left of someone walking from p1 to p2 as drawn on the picture (see
    `citywatch.config.rules.Line`). With image y pointing down, the z component of the cross
    product (p2 - p1) x (q - p1) is negative for points on that left-hand side.
    """

    def __init__(self, p1: tuple[float, float], p2: tuple[float, float]) -> None:
        self.p1 = np.asarray(p1, np.float64)
        self.p2 = np.asarray(p2, np.float64)
        self.vector = self.p2 - self.p1
        self.length = float(np.hypot(*self.vector))

    def signed_distance(self, points: Points) -> np.ndarray:
        """Pixels from the (infinite) line; < 0 on side a, > 0 on side b."""
        q = np.asarray(points, np.float64).reshape(-1, 2) - self.p1
        cross = self.vector[0] * q[:, 1] - self.vector[1] * q[:, 0]
        return np.asarray(cross / self.length)

    def crosses(self, start: tuple[float, float], end: tuple[float, float], slack: float) -> bool:
        """Whether the path start -> end passes through the segment, allowing `slack` pixels
        beyond either end (a foot point near the end of a door line still went through it)."""
        d0, d1 = self.signed_distance(np.array([start, end]))
        if d0 == d1 or np.sign(d0) == np.sign(d1):
            return False
        a, b = np.asarray(start, np.float64), np.asarray(end, np.float64)
        at = a + (b - a) * (d0 / (d0 - d1))  # where the path meets the infinite line
        along = float(np.dot(at - self.p1, self.vector) / self.length)
        return -slack <= along <= self.length + slack


def side_name(distance: float) -> str:
    return "a" if distance < 0 else "b"


class GroundMap:
    """Image pixels -> metres on the ground plane, from a `Homography` the operator measured."""

    def __init__(self, config: Homography) -> None:
        image = np.asarray(config.image, np.float32)
        ground = np.asarray(config.ground, np.float32)
        if len(image) == 4:
            matrix = cv2.getPerspectiveTransform(image, ground)
        else:  # least squares over every mark, so one badly placed mark counts for less
            matrix, _ = cv2.findHomography(image, ground, 0)
        if matrix is None or not np.all(np.isfinite(matrix)):
            raise ValueError("homography: the points do not define a ground-plane mapping")
        self.matrix = np.asarray(matrix, np.float64)

    def to_ground(self, points: Points) -> np.ndarray:
        points = np.asarray(points, np.float64).reshape(-1, 1, 2)
        if not len(points):
            return np.zeros((0, 2), np.float64)
        return np.asarray(cv2.perspectiveTransform(points, self.matrix).reshape(-1, 2))


def angle_between(u: np.ndarray, v: np.ndarray) -> float:
    """Degrees between two 2-D vectors, 0-180."""
    nu, nv = float(np.hypot(*u)), float(np.hypot(*v))
    if nu == 0 or nv == 0:
        return 0.0
    cosine = float(np.clip(np.dot(u, v) / (nu * nv), -1.0, 1.0))
    return float(np.degrees(np.arccos(cosine)))
