"""One single-input, single-output OpenVINO model (landmarks, face embedding), thread-safe."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from citywatch.core.errors import ModelError


class OpenVinoModel:
    """Takes one HxWx3 uint8 BGR image at the model's input size; returns the flat output.

    The OMZ face models take BGR 0..255 floats in NCHW with no mean or scale, so the only
    preprocessing is the layout. Owners must call `infer` once on the thread that built the
    model before other threads use it: pybind11 sets up its numpy bridge on the first call,
    and two threads doing that first call at once deadlock.
    """

    def __init__(self, xml_path: Path, device: str = "CPU") -> None:
        import openvino as ov  # here, not at import: starting the CLI must not load OpenVINO

        try:
            core = ov.Core()
            model = core.read_model(str(xml_path))
        except Exception as error:  # openvino raises RuntimeError subclasses with long texts
            text = str(error).strip()
            first = text.splitlines()[0] if text else type(error).__name__
            raise ModelError(f"{xml_path}: cannot load model ({first})") from None
        if len(model.inputs) != 1 or len(model.outputs) != 1:
            raise ModelError(f"{xml_path}: expected one input and one output")
        shape = model.inputs[0].get_partial_shape().to_shape()
        if len(shape) != 4 or int(shape[1]) != 3:
            raise ModelError(f"{xml_path}: expected an NCHW image input, got {shape}")
        self.input_hw = (int(shape[2]), int(shape[3]))
        self._compiled = core.compile_model(model, device, {"PERFORMANCE_HINT": "LATENCY"})
        self._output = self._compiled.outputs[0]
        self._local = threading.local()

    def _request(self) -> Any:  # one infer request per thread: requests are not thread-safe
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self._compiled.create_infer_request()
        return request

    def infer(self, image: np.ndarray) -> np.ndarray:
        blob = image.transpose(2, 0, 1)[None].astype(np.float32)
        result = self._request().infer({0: blob})[self._output]
        return np.asarray(result, dtype=np.float32).reshape(-1)
