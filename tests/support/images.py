"""Pictures for the tests that send frames through the API and look at what comes back.

services.frames.put("gate", jpeg(checkerboard()), now)
assert detail(decode(body)[y0:y1, x0:x1]) < 0.1 * detail(checkerboard()[y0:y1, x0:x1])
"""

from __future__ import annotations

import cv2
import numpy as np


def checkerboard(height: int = 240, width: int = 320, cell: int = 4) -> np.ndarray:
    """A BGR checkerboard of `cell`-pixel squares: all edges, so blurring it shows."""
    ys, xs = np.indices((height, width))
    board = (((ys // cell) + (xs // cell)) % 2 * 255).astype(np.uint8)
    return np.ascontiguousarray(np.repeat(board[:, :, None], 3, axis=2))


def jpeg(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return data.tobytes()


def decode(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def detail(region: np.ndarray) -> float:
    """Mean horizontal change between neighbouring pixels: low where a region is blurred."""
    return float(np.abs(np.diff(region.astype(np.float32), axis=1)).mean())
