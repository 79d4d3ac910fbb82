"""Vehicle type and colour: vehicle-attributes-recognition-barrier-0039 on vehicle crops.

The model takes a 72x72 BGR crop (0..255, NCHW, no mean or scale) and gives two softmaxes:
`type` over car, van, truck, bus and `color` over white, grey, yellow, red, green, blue, black
(model card order). It was trained on barrier-camera crops of whole vehicles, so the crop is
the vehicle box as detected, a little padded, squeezed to 72x72 like its training data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from citywatch.attributes.models import _MultiOutputModel
from citywatch.plates.geometry import Box, crop_box, grow_box
from citywatch.plates.types import VEHICLE_COLOURS, VEHICLE_TYPES, VehicleAttributes


class OmzVehicleAttributes:
    """Thread-safe (one infer request per thread); warms up on the thread that builds it."""

    def __init__(self, xml_path: Path, device: str = "CPU", name: str | None = None) -> None:
        self._model = _MultiOutputModel(xml_path, ("type", "color"), device)
        self.name = name or Path(xml_path).stem
        self.read(np.zeros((72, 72, 3), np.uint8))

    def read(self, crop: np.ndarray) -> VehicleAttributes:
        """Type and colour of the vehicle filling `crop` (any size, BGR)."""
        out = self._model.infer(crop)
        types = _softmax_checked(out["type"][: len(VEHICLE_TYPES)])
        colours = _softmax_checked(out["color"][: len(VEHICLE_COLOURS)])
        t, c = int(types.argmax()), int(colours.argmax())
        return VehicleAttributes(
            vehicle_type=VEHICLE_TYPES[t],
            type_score=float(types[t]),
            colour=VEHICLE_COLOURS[c],
            colour_score=float(colours[c]),
        )

    def read_box(self, image: np.ndarray, box: Box, padding: float = 0.05) -> VehicleAttributes:
        """Type and colour of the vehicle in `box` ((x, y, w, h) image pixels)."""
        crop, _ = crop_box(image, grow_box(box, padding * box[2], padding * box[3]))
        return self.read(crop)


def _softmax_checked(values: np.ndarray) -> np.ndarray:
    """The model's softmax renormalised (FP16 rounding); a real softmax if it gave logits."""
    values = np.asarray(values, dtype=np.float64)
    if values.min() < 0 or values.sum() > 1.5:
        exp = np.exp(values - values.max())
        return exp / exp.sum()
    total = values.sum()
    return values / total if total > 0 else np.full(len(values), 1.0 / len(values))
