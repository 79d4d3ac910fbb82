"""Blurring faces in pictures served to people who may not see them (the viewer role).

A viewer sees the live wall and events with faces blurred; only an investigator may ask for a
picture as it was. What is blurred, from what is known about the picture:

- face boxes: each face, with a margin (a detector's box is tight; hair and ears identify too);
- person boxes: the top quarter of each (the head), also when faces are known, because a face
  detector misses small, turned and partly hidden faces that a person detector still finds;
- neither known: the whole picture. Failing closed keeps faces out of a public display when
  the pipeline did not say where people are.

The blur downsamples each region to a few pixels and smooths it back up: as strong as a very
wide Gaussian kernel, at the cost of a small one, and nothing of the face survives to be
sharpened back.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from citywatch.core.records import Box

FACE_MARGIN = 0.2  # of the box's size, on each side
HEAD_FRACTION = 0.25  # of a person box's height, from its top
REGION_PIXELS = 8  # a blurred region keeps at most this many pixels across its longer side
FRAME_PIXELS = 48  # a whole blurred picture keeps this many across: shapes, no faces
JPEG_QUALITY = 85


def head_regions(persons: Sequence[Box], fraction: float = HEAD_FRACTION) -> list[Box]:
    """The top `fraction` of each person box `(x, y, w, h)`: where the head is."""
    return [(x, y, w, h * fraction) for x, y, w, h in persons]


def blur_faces(image: np.ndarray, boxes: Sequence[Box], margin: float = FACE_MARGIN) -> np.ndarray:
    """A copy of `image` (HxWx3 uint8) with every box `(x, y, w, h)` blurred beyond recognition.

    Boxes are grown by `margin` of their size on each side and clipped to the picture; empty
    ones are skipped.
    """
    out = image.copy()
    height, width = out.shape[:2]
    for x, y, w, h in boxes:
        dx, dy = w * margin, h * margin
        x1, y1 = max(0, int(np.floor(x - dx))), max(0, int(np.floor(y - dy)))
        x2, y2 = min(width, int(np.ceil(x + w + dx))), min(height, int(np.ceil(y + h + dy)))
        if x2 - x1 < 1 or y2 - y1 < 1:
            continue
        out[y1:y2, x1:x2] = _smear(out[y1:y2, x1:x2], REGION_PIXELS)
    return out


def blur_all(image: np.ndarray) -> np.ndarray:
    """The whole picture blurred: what a viewer gets when nothing says where people are."""
    return _smear(image, FRAME_PIXELS)


def redact(
    image: np.ndarray, faces: Sequence[Box] | None, persons: Sequence[Box] | None
) -> np.ndarray:
    """`image` as a viewer may see it. `faces` / `persons` None: not known (see the module)."""
    if faces is None and persons is None:
        return blur_all(image)
    boxes = list(faces or ()) + head_regions(persons or ())
    return blur_faces(image, boxes) if boxes else image


def redact_jpeg(jpeg: bytes, faces: Sequence[Box] | None, persons: Sequence[Box] | None) -> bytes:
    """`redact` on an encoded JPEG. A picture that cannot be decoded is refused (ValueError):
    passing it on unchanged could pass a face on."""
    import cv2

    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError("cannot decode the JPEG to blur it")
    return encode_jpeg(redact(image, faces, persons))


def encode_jpeg(image: np.ndarray) -> bytes:
    import cv2

    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ValueError(f"cannot encode a {image.shape} picture as JPEG")
    return bytes(buffer.tobytes())


def _smear(region: np.ndarray, pixels: int) -> np.ndarray:
    import cv2

    height, width = region.shape[:2]
    scale = min(1.0, pixels / max(height, width))
    small = cv2.resize(
        region,
        (max(1, round(width * scale)), max(1, round(height * scale))),
        interpolation=cv2.INTER_AREA,
    )
    small = cv2.GaussianBlur(small, (3, 3), 0)
    return np.asarray(cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR))
