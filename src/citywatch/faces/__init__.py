"""Faces: detection, 5-point landmarks, alignment, quality gating and embedding.

Split the insightface way: each stage is a small class behind a protocol in `base`, usable
alone; `FacePipeline` composes them and `create_face_pipeline` builds one from configuration.
Importing this package loads no model library (OpenVINO, dlib, mediapipe load in constructors).
"""

from citywatch.faces.base import Aligner, Embedder, FaceDetector, Landmarker, cosine_distance
from citywatch.faces.types import DLIB5, LANDMARKS, FaceObservation, FaceQuality

__all__ = [
    "DLIB5",
    "LANDMARKS",
    "Aligner",
    "Embedder",
    "FaceDetector",
    "FaceObservation",
    "FaceQuality",
    "Landmarker",
    "cosine_distance",
]
