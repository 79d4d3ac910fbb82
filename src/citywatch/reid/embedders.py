"""Person appearance embedders: OMZ person-reidentification-retail-0287/0288, and a colour
descriptor that needs no model file.

Both return L2-normalised float32 rows compared by cosine distance, like the face embedders,
so the store and the vector index treat every embedder alike; `name` goes with each vector.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from citywatch.core.errors import ModelError
from citywatch.reid.thresholds import (
    COLOUR_STRIPE_THRESHOLD,
    DEFAULT_THRESHOLDS,
    OMZ_0287_THRESHOLD,
)


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def _check_crops(crops: list[np.ndarray]) -> None:
    for i, crop in enumerate(crops):
        if crop.ndim != 3 or crop.shape[2] != 3 or crop.shape[0] < 1 or crop.shape[1] < 1:
            raise ValueError(f"crop {i}: expected a non-empty HxWx3 BGR image, got {crop.shape}")


class OmzPersonEmbedder:
    """person-reidentification-retail-0287 / 0288: a 128x256 BGR person crop -> 256-d.

    The IR files carry their own preprocessing (a BGR->RGB channel gather, then mean and scale
    nodes in front of the network), so the input is BGR 0..255 in NCHW, as for the face
    models. Crops are stretched to 128x256, as OMZ's demos do. On our evaluation
    (bench/reid_eval.py) averaging with the mirrored crop gained 0.1 point for twice the work,
    and padding crops to the 1:2 shape changed rank-1 by under one point while raising mAP by
    one to two. The batch dimension is made dynamic when the model allows it, so a track's
    crops go through in one call; otherwise one crop a call.
    """

    def __init__(
        self, xml_path: Path, device: str = "CPU", name: str | None = None, batch: int = 16
    ) -> None:
        import openvino as ov  # here, not at import: starting the CLI must not load OpenVINO

        try:
            core = ov.Core()
            model = core.read_model(str(xml_path))
        except Exception as error:  # openvino raises RuntimeError subclasses with long texts
            raise ModelError(f"{xml_path}: cannot load model ({_first_line(error)})") from None
        if len(model.inputs) != 1 or len(model.outputs) != 1:
            raise ModelError(f"{xml_path}: expected one input and one output")
        shape = model.inputs[0].get_partial_shape()
        if shape.rank.get_length() != 4 or shape[1].get_length() != 3:
            raise ModelError(f"{xml_path}: expected an NCHW image input, got {shape}")
        self.input_hw = (shape[2].get_length(), shape[3].get_length())
        self._batch = 1
        if batch > 1:
            try:
                model.reshape({model.inputs[0]: ov.PartialShape([-1, 3, *self.input_hw])})
                self._batch = batch
            except Exception:  # a model with a fixed batch: one crop a call, still correct
                self._batch = 1
        self._compiled = core.compile_model(model, device, {"PERFORMANCE_HINT": "LATENCY"})
        self._output = self._compiled.outputs[0]
        self._local = threading.local()
        self.name = name or Path(xml_path).stem
        # A model outside the catalog gets retail-0287's: the family shares its output scale.
        self.default_threshold = DEFAULT_THRESHOLDS.get(Path(xml_path).stem, OMZ_0287_THRESHOLD)
        # Warm-up on the creating thread: pybind11 sets up its numpy bridge on the first call,
        # and two threads making that first call at once deadlock (faces/openvino_model.py).
        self.dim = int(self._infer(np.zeros((1, 3, *self.input_hw), np.float32)).shape[1])

    def _request(self) -> Any:  # one infer request per thread: requests are not thread-safe
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self._compiled.create_infer_request()
        return request

    def _infer(self, blob: np.ndarray) -> np.ndarray:
        result = self._request().infer({0: blob})[self._output]
        return np.asarray(result, dtype=np.float32).reshape(len(blob), -1)

    def _blob(self, crops: list[np.ndarray]) -> np.ndarray:
        import cv2

        height, width = self.input_hw
        resized = [cv2.resize(c, (width, height), interpolation=cv2.INTER_LINEAR) for c in crops]
        return np.stack(resized).transpose(0, 3, 1, 2).astype(np.float32)

    def embed(self, crops: list[np.ndarray]) -> np.ndarray:
        if not crops:
            return np.zeros((0, self.dim), dtype=np.float32)
        _check_crops(crops)
        parts = [
            self._infer(self._blob(crops[i : i + self._batch]))
            for i in range(0, len(crops), self._batch)
        ]
        return l2_normalise(np.concatenate(parts))


class ColourStripeEmbedder:
    """The no-model fallback: colour histograms over horizontal stripes of the crop.

    Clothing colour by body height is what tells people apart at a distance when nothing has
    been learnt. The crop is resized to 32x96 and cut into `stripes` bands, each 2/(stripes+1)
    of the height and overlapping its neighbours by half (so a belt line that moves with the
    pose does not jump between bands). In each band: a hue x saturation histogram of the
    coloured pixels and a value (lightness) histogram of all pixels, every pixel weighted by a
    horizontal Gaussian (sigma = `sigma` of the width) that fades out the background at the
    box's left and right edges. Each band's histogram is square-rooted (cosine of square
    roots is the Hellinger kernel) so one dominant colour does not drown the rest.

    The settings were chosen on the PETS09 part of our re-ID evaluation (bench/reid_eval.py):
    narrower weighting and overlapping stripes helped; Lab instead of HSV and an added HOG
    block did not. Far weaker than the learnt models when a person comes back later (rank-1
    about 0.8 against 0.96 for retail-0287), but it needs nothing beyond OpenCV.
    """

    SIZE = (32, 96)  # width, height
    HUE_BINS = 8
    SAT_BINS = 3
    VALUE_BINS = 8
    MIN_SATURATION = 40  # of 255: below this the hue is noise, only the value counts

    def __init__(self, stripes: int = 8, sigma: float = 0.2) -> None:
        if stripes < 1 or sigma <= 0:
            raise ValueError("stripes must be >= 1 and sigma > 0")
        self.name = "colour-stripes"
        self.default_threshold = COLOUR_STRIPE_THRESHOLD
        self.dim = stripes * (self.HUE_BINS * self.SAT_BINS + self.VALUE_BINS)
        width, height = self.SIZE
        x = (np.arange(width) + 0.5) / width - 0.5
        column = np.exp(-0.5 * (x / sigma) ** 2)
        self._weight = np.repeat(column[None, :], height, axis=0).astype(np.float32)
        edges = np.linspace(0, height, stripes + 2).round().astype(int)
        self._bands = [(int(edges[i]), int(edges[i + 2])) for i in range(stripes)]

    def embed(self, crops: list[np.ndarray]) -> np.ndarray:
        if not crops:
            return np.zeros((0, self.dim), dtype=np.float32)
        _check_crops(crops)
        return l2_normalise(np.stack([self._describe(crop) for crop in crops]))

    def _describe(self, crop: np.ndarray) -> np.ndarray:
        import cv2

        small = cv2.resize(crop, self.SIZE, interpolation=cv2.INTER_AREA)
        hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV_FULL).astype(np.int32)
        hue = (hsv[..., 0] * self.HUE_BINS) >> 8
        over = hsv[..., 1] - self.MIN_SATURATION
        sat = np.clip(over * self.SAT_BINS // (256 - self.MIN_SATURATION), 0, self.SAT_BINS - 1)
        chroma = np.where(over >= 0, hue * self.SAT_BINS + sat, -1)
        value = (hsv[..., 2] * self.VALUE_BINS) >> 8
        chroma_bins = self.HUE_BINS * self.SAT_BINS
        parts = []
        for top, bottom in self._bands:
            weight = self._weight[top:bottom].ravel()
            bins = chroma[top:bottom].ravel()
            coloured = bins >= 0
            colours = np.bincount(bins[coloured], weight[coloured], minlength=chroma_bins)
            light = np.bincount(value[top:bottom].ravel(), weight, minlength=self.VALUE_BINS)
            parts.append(np.sqrt(np.concatenate([colours, light]) / float(weight.sum())))
        return np.concatenate(parts).astype(np.float32)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
