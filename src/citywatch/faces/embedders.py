"""Face embedders: OMZ face-reidentification-retail-0095 (256-d) and dlib's ResNet (128-d).

Both return L2-normalised float32 rows compared by cosine distance (1 - cosine similarity),
so the store and the vector index need one metric whatever model made the vectors. Vectors
of different embedders are never comparable; `name` goes with every stored vector.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from citywatch.faces.align import OMZ_REID_TEMPLATE, DlibChipAligner, SimilarityAligner
from citywatch.faces.base import l2_normalise
from citywatch.faces.openvino_model import OpenVinoModel
from citywatch.faces.thresholds import DLIB_RESNET_THRESHOLD, OMZ_REID_THRESHOLD


class OmzFaceEmbedder:
    """face-reidentification-retail-0095: a 128x128 BGR face aligned on 5 points -> 256-d.

    The model outputs 1x256x1x1; the input is BGR 0..255, no mean or scale.
    """

    def __init__(self, xml_path: Path, device: str = "CPU", name: str | None = None) -> None:
        self._model = OpenVinoModel(xml_path, device=device)
        height, width = self._model.input_hw
        self.aligner = SimilarityAligner(OMZ_REID_TEMPLATE, (width, height))
        self.name = name or Path(xml_path).stem
        self.default_threshold = OMZ_REID_THRESHOLD
        self.dim = int(self._model.infer(np.zeros((height, width, 3), np.uint8)).size)  # warm-up

    def embed(self, aligned: list[np.ndarray]) -> np.ndarray:
        if not aligned:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalise(np.stack([self._model.infer(face) for face in aligned]))


class DlibFaceEmbedder:
    """dlib_face_recognition_resnet_model_v1: a 150x150 dlib face chip -> 128-d.

    dlib's own rule is a Euclidean distance of 0.6 between raw descriptors. The raw vectors
    are not unit length but their norms hardly vary (1.36-1.39 on our photos), so after
    normalising, a Euclidean d corresponds to a cosine distance of d**2 / (2 * norm**2): 0.6 is
    about 0.096. We keep one metric (cosine) for every embedder and choose the threshold by the
    same rule as the OMZ one (DLIB_RESNET_THRESHOLD); `raw_descriptors` gives dlib's vectors.
    """

    def __init__(self, model_path: Path, name: str | None = None) -> None:
        import dlib  # here, not at import: starting the CLI must not load dlib

        self._dlib = dlib
        self._path = str(model_path)
        self._local = threading.local()
        self.aligner = DlibChipAligner(size=150, padding=0.25)
        self.name = name or "dlib-face-recognition-resnet-v1"
        self.default_threshold = DLIB_RESNET_THRESHOLD
        self.dim = 128
        self._model()  # load now, so a bad file fails at start

    def _model(self):  # one per thread: dlib objects make no thread-safety promise
        model = getattr(self._local, "model", None)
        if model is None:
            model = self._local.model = self._dlib.face_recognition_model_v1(self._path)
        return model

    def embed(self, aligned: list[np.ndarray]) -> np.ndarray:
        if not aligned:
            return np.zeros((0, self.dim), dtype=np.float32)
        chips = [np.ascontiguousarray(face[:, :, ::-1]) for face in aligned]  # dlib wants RGB
        raw = self._model().compute_face_descriptor(chips)
        return l2_normalise(np.asarray([np.asarray(v) for v in raw], dtype=np.float32))

    def raw_descriptors(self, aligned: list[np.ndarray]) -> np.ndarray:
        """dlib's unnormalised vectors, for comparing with dlib's own 0.6 Euclidean rule."""
        chips = [np.ascontiguousarray(face[:, :, ::-1]) for face in aligned]
        raw = self._model().compute_face_descriptor(chips)
        return np.asarray([np.asarray(v) for v in raw], dtype=np.float32)
