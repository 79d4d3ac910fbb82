"""The two OMZ attribute models, adapted at the edge to small frozen readings.

- person-attributes-recognition-crossroad-0230: a 160x80 BGR body crop -> eight sigmoid
  probabilities (output `453`, in the model card's order: is_male, has_bag, has_backpack,
  has_hat, has_longsleeves, has_longpants, has_longhair, has_coat_jacket) and two colour
  points, normalised (x, y) in the crop (`456` top garment, `459` bottom garment).
- age-gender-recognition-retail-0013: a 62x62 BGR face crop -> `prob` [female, male] (softmax)
  and `age_conv3` (years / 100). The face box must be padded: on the astronaut photo the
  tight detector box gave p(female) 0.48, the box grown 15 % gave 0.94
  (../shared/models/README.md); `face_crop` does that.

Both take BGR 0..255 floats in NCHW, no mean or scale. Like `faces.OpenVinoModel`, each warms
up on the thread that builds it (pybind11's first call from two threads at once deadlocks)
and keeps one infer request per thread, so one instance serves every camera thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from citywatch.core.errors import ModelError
from citywatch.faces.geometry import crop_padded, scale_box

# Model card order of output 453, as our field names.
BODY_OUTPUTS = (
    "is_male",
    "bag",
    "backpack",
    "hat",
    "long_sleeves",
    "long_pants",
    "long_hair",
    "coat",
)
FACE_PADDING = 0.15


@dataclass(frozen=True)
class BodyReading:
    """0230 on one body crop: probabilities 0..1 and colour points (x, y) normalised."""

    is_male: float
    bag: float
    backpack: float
    hat: float
    long_sleeves: float
    long_pants: float
    long_hair: float
    coat: float
    top_point: tuple[float, float]
    bottom_point: tuple[float, float]


@dataclass(frozen=True)
class FaceReading:
    """0013 on one face crop: p(female) + p(male) = 1; age in years (an estimate)."""

    female: float
    male: float
    age_years: float


class _MultiOutputModel:
    """One NCHW image input, named outputs; thread-safe with one infer request per thread."""

    def __init__(self, xml_path: Path, outputs: tuple[str, ...], device: str) -> None:
        import openvino as ov  # here, not at import: starting the CLI must not load OpenVINO

        try:
            core = ov.Core()
            model = core.read_model(str(xml_path))
        except Exception as error:  # openvino raises RuntimeError subclasses with long texts
            text = str(error).strip()
            first = text.splitlines()[0] if text else type(error).__name__
            raise ModelError(f"{xml_path}: cannot load model ({first})") from None
        names = {name for output in model.outputs for name in output.get_names()}
        missing = [name for name in outputs if name not in names]
        if len(model.inputs) != 1 or missing:
            raise ModelError(
                f"{xml_path}: expected one input and outputs {', '.join(outputs)}"
                + (f" (missing {', '.join(missing)})" if missing else "")
            )
        shape = model.inputs[0].get_partial_shape().to_shape()
        if len(shape) != 4 or int(shape[1]) != 3:
            raise ModelError(f"{xml_path}: expected an NCHW image input, got {shape}")
        self.input_hw = (int(shape[2]), int(shape[3]))
        self._compiled = core.compile_model(model, device, {"PERFORMANCE_HINT": "LATENCY"})
        self._outputs = {name: self._compiled.output(name) for name in outputs}
        self._local = threading.local()

    def _request(self) -> Any:  # one infer request per thread: requests are not thread-safe
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self._compiled.create_infer_request()
        return request

    def infer(self, image: np.ndarray) -> dict[str, np.ndarray]:
        """`image`: any-size HxWx3 uint8 BGR; resized here to the model's input."""
        height, width = self.input_hw
        shrinking = image.shape[0] > height or image.shape[1] > width
        resized = cv2.resize(
            image, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
        )
        blob = resized.transpose(2, 0, 1)[None].astype(np.float32)
        result = self._request().infer({0: blob})
        return {
            name: np.asarray(result[port], dtype=np.float32).reshape(-1)
            for name, port in self._outputs.items()
        }


class OmzPersonAttributes:
    """person-attributes-recognition-crossroad-0230 on BGR body crops of any size.

    Trained on street CCTV crops at least 80 px wide; smaller crops are upscaled and give
    rougher answers (bench/attributes_eval.py measures them on 20-40 px wide PETS people).
    """

    def __init__(self, xml_path: Path, device: str = "CPU", name: str | None = None) -> None:
        self._model = _MultiOutputModel(xml_path, ("453", "456", "459"), device)
        self.name = name or Path(xml_path).stem
        self.read(np.zeros((160, 80, 3), np.uint8))  # warm-up on this thread

    def read(self, crop: np.ndarray) -> BodyReading:
        out = self._model.infer(crop)
        scores = [float(np.clip(v, 0.0, 1.0)) for v in out["453"][: len(BODY_OUTPUTS)]]
        top, bottom = out["456"], out["459"]
        return BodyReading(
            **dict(zip(BODY_OUTPUTS, scores, strict=True)),
            top_point=(float(top[0]), float(top[1])),
            bottom_point=(float(bottom[0]), float(bottom[1])),
        )


class OmzAgeGender:
    """age-gender-recognition-retail-0013 on padded BGR face crops (see `face_crop`)."""

    def __init__(self, xml_path: Path, device: str = "CPU", name: str | None = None) -> None:
        self._model = _MultiOutputModel(xml_path, ("prob", "age_conv3"), device)
        self.name = name or Path(xml_path).stem
        self.estimate(np.zeros((62, 62, 3), np.uint8))  # warm-up on this thread

    def estimate(self, face: np.ndarray) -> FaceReading:
        out = self._model.infer(face)
        female, male = (float(v) for v in out["prob"][:2])
        total = female + male
        if total > 0:  # softmax already; renormalise FP16 rounding
            female, male = female / total, male / total
        return FaceReading(
            female=female, male=male, age_years=max(float(out["age_conv3"][0]), 0.0) * 100
        )


def face_crop(image: np.ndarray, box: np.ndarray, padding: float = FACE_PADDING) -> np.ndarray:
    """The face box grown by `padding` (0.15: 15 %) and made square, cut from the frame
    (zero-filled past its edges): the crop age-gender-recognition-retail-0013 expects."""
    return crop_padded(image, scale_box(np.asarray(box), 1.0 + padding, square=True))[0]
