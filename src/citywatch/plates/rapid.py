"""RapidOCR's bundled PP-OCRv6 text models, run with OpenVINO, adapted to what plates need.

rapidocr 3.10.0 ships a DB text detector and a CTC text recogniser as ONNX files (found with
the model registry: `rapidocr-det`, `rapidocr-rec`). Its own pipeline returns a string and one
score per line; plate reading needs more, so the two models are driven here directly:

- the detector's probability map, turned into rotated text boxes (DB post-processing: threshold,
  contours, minimum-area rectangle, "unclip" growth), at whatever input size the caller picks;
- the recogniser's per-timestep class probabilities, so every character comes with its column
  span in the crop, its own probability and the probability of every other plate character
  (what position-wise format repair and character-level voting need).

OpenVINO reads the ONNX files directly and measured about twice as fast as onnxruntime on this
2-core machine (recogniser on a 48x160 crop: 6 ms against 12 ms). The recogniser's character
list lives in the ONNX metadata (`character`), which OpenVINO exposes as rt_info.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from citywatch.core.errors import ModelError
from citywatch.plates.patterns import PLATE_ALPHABET

REC_HEIGHT = 48  # the recogniser's input height
REC_STRIDE = 8  # input columns per output timestep
SHAPE_STEP = 32  # network inputs are padded to multiples of this (the detector needs 32)


@dataclass(frozen=True)
class TextBox:
    """A detected text region as a rotated rectangle in image pixels.

    `center`, `size` (long side first) and `angle` (degrees, cv2 convention, in (-90, 90]) are
    the grown ("unclipped") box a recogniser should read; `text_height` is the height of the
    detector's core region before growing, close to the height of the characters.
    """

    center: tuple[float, float]
    size: tuple[float, float]
    angle: float
    score: float
    text_height: float

    @property
    def xywh(self) -> tuple[float, float, float, float]:
        """Axis-aligned bounds of the rotated box."""
        points = cv2.boxPoints((self.center, self.size, self.angle))
        x1, y1 = points.min(axis=0)
        x2, y2 = points.max(axis=0)
        return float(x1), float(y1), float(x2 - x1), float(y2 - y1)


@dataclass(frozen=True)
class CharRead:
    """One decoded character: its column span in the crop, and what the model thought of it.

    `probs` has one probability per `patterns.PLATE_ALPHABET` character (lower and upper case
    summed) at the timestep where this character peaked; `mass` is their sum, low when the
    model saw a symbol, an emblem or nothing there.
    """

    char: str  # the recogniser's top class, as read (any character, any case)
    prob: float
    x0: float
    x1: float
    probs: tuple[float, ...]

    @property
    def mass(self) -> float:
        return float(sum(self.probs))


@dataclass(frozen=True)
class LineRead:
    """The recogniser's reading of one crop: every decoded character, in order."""

    chars: tuple[CharRead, ...]
    width: int  # crop width the spans refer to

    @property
    def text(self) -> str:
        return "".join(c.char for c in self.chars)


class _OpenVinoNet:
    """One compiled single-input OpenVINO network with a request per thread."""

    def __init__(self, path: Path, device: str) -> None:
        import openvino as ov  # here, not at import: starting the CLI must not load OpenVINO

        try:
            core = ov.Core()
            self.model = core.read_model(str(path))
            self._compiled = core.compile_model(self.model, device, {"PERFORMANCE_HINT": "LATENCY"})
        except Exception as error:  # openvino raises RuntimeError subclasses with long texts
            text = str(error).strip()
            first = text.splitlines()[0] if text else type(error).__name__
            raise ModelError(f"{path}: cannot load model ({first})") from None
        self._output = self._compiled.outputs[0]
        self._local = threading.local()

    def _request(self) -> Any:  # infer requests are not thread-safe
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self._compiled.create_infer_request()
        return request

    def infer(self, blob: np.ndarray) -> np.ndarray:
        return np.asarray(self._request().infer({0: blob})[self._output])


class RapidTextDetector:
    """PP-OCRv6 DB text detector on BGR images (mean 0.5, std 0.5 normalisation)."""

    def __init__(
        self,
        onnx_path: Path,
        device: str = "CPU",
        thresh: float = 0.3,
        box_thresh: float = 0.5,
        unclip_ratio: float = 1.6,
    ) -> None:
        self._net = _OpenVinoNet(onnx_path, device)
        self.thresh = thresh
        self.box_thresh = box_thresh
        self.unclip_ratio = unclip_ratio
        self.detect(np.zeros((64, 64, 3), dtype=np.uint8), 64)  # warm up on this thread

    def probability_map(self, image: np.ndarray, scale: float) -> np.ndarray:
        """The text probability map of `image` scaled by `scale` (map pixel / scale = image
        pixel), computed on a canvas padded to a multiple of `SHAPE_STEP`.

        Padding (mid grey, right and bottom) instead of stretching to the next multiple keeps
        the aspect ratio, and few distinct input shapes keep OpenVINO from compiling for a
        new shape at every call (a new shape measured 15-25 ms extra once).
        """
        height, width = image.shape[:2]
        size = (max(1, int(round(width * scale))), max(1, int(round(height * scale))))
        resized = cv2.resize(image, size, interpolation=_interpolation(image, size))
        canvas_w = _multiple(size[0], SHAPE_STEP, up=True)
        canvas_h = _multiple(size[1], SHAPE_STEP, up=True)
        blob = np.zeros((canvas_h, canvas_w, 3), dtype=np.float32)  # mid grey, as normalised
        blob[: size[1], : size[0]] = _normalise(resized)
        return self._net.infer(blob.transpose(2, 0, 1)[None])[0, 0]

    def detect(self, image: np.ndarray, max_side: int) -> list[TextBox]:
        """Text boxes in `image` pixels, the image scaled so its longer side is `max_side`.

        Scaling is up as well as down: a small vehicle crop gains from being enlarged.
        """
        scale = max_side / max(image.shape[:2])
        return self.boxes(self.probability_map(image, scale), 1 / scale, 1 / scale)

    def boxes(self, prob: np.ndarray, sx: float, sy: float) -> list[TextBox]:
        """DB post-processing of a probability map; (sx, sy) map its pixels to the image's."""
        bitmap = (prob > self.thresh).astype(np.uint8)
        contours, _ = cv2.findContours(bitmap, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        found = []
        for contour in contours:
            if len(contour) < 3:
                continue
            x, y, w, h = cv2.boundingRect(contour)
            if min(w, h) < 2:
                continue
            mask = np.zeros((h, w), dtype=np.uint8)
            cv2.fillPoly(mask, [contour - np.array([x, y])], (1,))
            score = float((prob[y : y + h, x : x + w] * mask).sum() / max(1, int(mask.sum())))
            if score < self.box_thresh:
                continue
            (cx, cy), (rw, rh), angle = cv2.minAreaRect(contour)
            rw, rh, angle = _long_side_first(rw, rh, angle)
            # DB shrinks text regions in training; the offset that undoes it is
            # area * ratio / perimeter (the polygon offset pyclipper does, for a rectangle).
            grow = rw * rh * self.unclip_ratio / max(2 * (rw + rh), 1e-6)
            sx_r, sy_r = _rotated_scale(sx, sy, angle)
            found.append(
                TextBox(
                    center=(float(cx * sx), float(cy * sy)),
                    size=(float((rw + 2 * grow) * sx_r), float((rh + 2 * grow) * sy_r)),
                    angle=float(angle),
                    score=score,
                    text_height=float((rh + 2 * grow / 2) * sy_r),
                )
            )
        return found


class RapidTextRecognizer:
    """PP-OCRv6 CTC text recogniser; reads crops resized to height 48 (aspect kept)."""

    def __init__(self, onnx_path: Path, device: str = "CPU", max_width: int = 960) -> None:
        self._net = _OpenVinoNet(onnx_path, device)
        self.max_width = max_width
        self.characters = _characters(self._net.model, onnx_path)
        # Output classes: 0 = CTC blank, then the dictionary, then a space.
        classes = ["", *self.characters, " "]
        self._classes = classes
        columns: list[list[int]] = [[] for _ in PLATE_ALPHABET]
        for index, char in enumerate(classes):
            position = PLATE_ALPHABET.find(char.upper()) if len(char) == 1 else -1
            if position >= 0 and char.isascii():
                columns[position].append(index)
        self._alphabet_columns = columns
        self.read(np.full((REC_HEIGHT, 96, 3), 255, dtype=np.uint8))  # warm up on this thread

    def read(self, crop: np.ndarray) -> LineRead:
        """Decode one BGR crop (a single text line)."""
        height, width = crop.shape[:2]
        target = min(self.max_width, max(REC_STRIDE * 2, math.ceil(REC_HEIGHT * width / height)))
        # Pad on the right to a multiple of SHAPE_STEP (few distinct shapes; see the
        # detector); the timesteps still map exactly onto columns from the left.
        padded_width = _multiple(target, SHAPE_STEP, up=True)
        resized = cv2.resize(
            crop, (target, REC_HEIGHT), interpolation=_interpolation(crop, (target, REC_HEIGHT))
        )
        blob = np.zeros((REC_HEIGHT, padded_width, 3), dtype=np.float32)
        blob[:, :target] = _normalise(resized)
        probs = self._net.infer(blob.transpose(2, 0, 1)[None])[0]
        return self.decode(probs, width / target)

    def decode(self, probs: np.ndarray, column_scale: float) -> LineRead:
        """Greedy CTC decoding that keeps each character's span and alternatives."""
        best = probs.argmax(axis=1)
        chars: list[CharRead] = []
        start = 0
        steps = len(best)
        t = 0
        while t < steps:
            label = int(best[t])
            start = t
            while t + 1 < steps and int(best[t + 1]) == label:
                t += 1
            if label != 0:
                span = probs[start : t + 1, label]
                peak = start + int(span.argmax())
                row = probs[peak]
                alphabet = tuple(float(row[cols].sum()) for cols in self._alphabet_columns)
                chars.append(
                    CharRead(
                        char=self._classes[label],
                        prob=float(span.max()),
                        x0=start * REC_STRIDE * column_scale,
                        x1=(t + 1) * REC_STRIDE * column_scale,
                        probs=alphabet,
                    )
                )
            t += 1
        return LineRead(tuple(chars), int(round(steps * REC_STRIDE * column_scale)))


def _characters(model: Any, path: Path) -> list[str]:
    try:
        text = model.get_rt_info(["framework", "character"]).astype(str)
    except Exception:  # absent key: openvino raises a generic RuntimeError
        raise ModelError(f"{path}: no character list in the model's metadata") from None
    return text.splitlines()


def _normalise(image: np.ndarray) -> np.ndarray:
    """uint8 BGR to the models' input range: (x / 255 - 0.5) / 0.5."""
    return image.astype(np.float32) * np.float32(2 / 255) - np.float32(1)


def _multiple(value: float, base: int = SHAPE_STEP, up: bool = False) -> int:
    if up:
        return int(math.ceil(value / base) * base)
    return int(max(1, round(value / base)) * base)


def _interpolation(image: np.ndarray, size: tuple[int, int]) -> int:
    shrinking = size[0] < image.shape[1] and size[1] < image.shape[0]
    return cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR


def _long_side_first(w: float, h: float, angle: float) -> tuple[float, float, float]:
    """(long side, short side, angle in (-90, 90]) for a cv2 minAreaRect."""
    if w < h:
        w, h, angle = h, w, angle - 90
    while angle > 90:
        angle -= 180
    while angle <= -90:
        angle += 180
    return w, h, angle


def _rotated_scale(sx: float, sy: float, angle: float) -> tuple[float, float]:
    """Scale factors along a box's own axes when the image is scaled by (sx, sy)."""
    c, s = abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle)))
    return sx * c + sy * s, sy * c + sx * s
