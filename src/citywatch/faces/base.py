"""The contracts of the face stages. Each is one verb on one kind of value, usable alone.

detector:    image -> `Detections` of faces (class FACE)
landmarker:  image + face boxes -> N x 5 x 2 points (one layout, named by `key`)
aligner:     image + N x 5 x 2 points -> N aligned face images (fixed size, the embedder's)
embedder:    aligned faces -> N x D float32, L2-normalised; compared by cosine distance

Every image is HxWx3 uint8 BGR. Implementations are safe to call from several threads.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from citywatch.core.detections import Detections


@runtime_checkable
class FaceDetector(Protocol):
    name: str

    def detect(self, image: np.ndarray) -> Detections:
        """Faces in one image; `data["landmarks"]` is set when the model gives the 5 points."""
        ...


@runtime_checkable
class Landmarker(Protocol):
    name: str
    key: str  # the Detections data column (layout) its points belong in

    def locate(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """N x 5 x 2 float32 frame-pixel points for N xyxy face boxes."""
        ...


@runtime_checkable
class Aligner(Protocol):
    key: str  # the landmark layout it reads
    size: tuple[int, int]  # (width, height) of what it returns

    def align(self, image: np.ndarray, landmarks: np.ndarray) -> list[np.ndarray]:
        """One aligned BGR face a row of `landmarks` (N x 5 x 2)."""
        ...


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int
    # Cosine distance (1 - cosine similarity) at or below which two faces are the same person.
    default_threshold: float

    @property
    def aligner(self) -> Aligner:
        """The alignment the model was trained with (read-only, so any Aligner fits)."""
        ...

    def embed(self, aligned: list[np.ndarray]) -> np.ndarray:
        """N x dim float32, each row L2-normalised. Input: faces from `aligner`."""
        ...


def cosine_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1 - cosine similarity between rows of `a` and rows of `b` (shape len(a) x len(b))."""
    a = np.asarray(a, dtype=np.float32).reshape(-1, np.shape(a)[-1])
    b = np.asarray(b, dtype=np.float32).reshape(-1, np.shape(b)[-1])
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return np.clip(1.0 - a @ b.T, 0.0, 2.0)


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
