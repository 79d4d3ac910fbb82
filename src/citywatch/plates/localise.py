"""Where plates may be: candidate regions for `ocr.PlateOcr` to read.

Three localisers, measured on ../shared/data/plates/openalpr_eu (108 photos; a plate counts
as found when a candidate covers 60 % of it; bench/plates_eval.py):

- `TextLocaliser`: RapidOCR's DB text detector on the whole image (or on a vehicle crop) at a
  low resolution, keeping text lines shaped like a registration (level, tall enough to read,
  not too long). At 320 px on the longer side: 104 of the 108 plates, one candidate per image
  (median), 12-16 ms; at 640 px: all 108, 36-44 ms. The default, and the reader's step 1.
- `OmzPlateDetector`: vehicle-license-plate-detection-barrier-0106 (SSD, 300x300 NHWC, class 1
  vehicle, class 2 plate), used when its files are in the model directory. Trained on Chinese
  barrier cameras, it found 2 of the 108 plates (2 ms): it only adds candidates.
- `MorphologyLocaliser`: the classical one (black-hat morphology for dark characters on a
  light plate, horizontal-gradient density, plate-shaped blobs). No model, 1 ms, 105 of 108
  plates, but five candidates per image and no lines to scale the reading by: read end to
  end 0.91 exact against 0.99 with the text localiser. The fallback without OCR detection.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from citywatch.core.errors import ModelError
from citywatch.plates.geometry import Box, clip_box, grow_box, overlap, union_box
from citywatch.plates.rapid import RapidTextDetector, TextBox

MAX_TILT_DEG = 30.0


# A registration's line, grown the way the detector grows it, is about 3.9 times as long as
# it is high (2.7-5.4 for 95 % of the openalpr_eu plates); badges and single words are shorter
# or longer, and the detector is less sure of them (mean probability 0.80 against 0.93).
PLATE_LINE_ASPECT = 3.9


@dataclass(frozen=True)
class PlateCandidate:
    """A window that may hold a plate, and the text lines already seen in it (if any).

    `score`: how plate-like before reading (the detector's confidence, less the distance of
    the main line's shape from a registration's); candidates are read best first.
    """

    box: Box
    source: str  # "text", "omz", "morphology"
    score: float
    lines: tuple[TextBox, ...] = field(default=(), repr=False)


class TextLocaliser:
    """Plate-shaped text lines from the DB text detector, grown into regions to read."""

    def __init__(
        self,
        detector: RapidTextDetector,
        min_text_px: float = 6.0,
        max_aspect: float = 14.0,
    ) -> None:
        self.detector = detector
        self.min_text_px = min_text_px
        self.max_aspect = max_aspect

    def candidates(
        self, image: np.ndarray, side: int, area: Box | None = None
    ) -> list[PlateCandidate]:
        """Regions in image pixels; `area` limits the search to part of the image (a vehicle)."""
        height, width = image.shape[:2]
        if area is not None:
            area = clip_box(area, width, height)
            x0, y0 = int(area[0]), int(area[1])
            window = image[y0 : y0 + max(1, int(area[3])), x0 : x0 + max(1, int(area[2]))]
        else:
            x0 = y0 = 0
            window = image
        boxes = [
            _shift(b, x0, y0)
            for b in self.detector.detect(window, side)
            if self._plate_like(b, window.shape[0])
        ]
        return regions_from_lines(boxes, width, height)

    def _plate_like(self, box: TextBox, image_height: int) -> bool:
        long_side, short_side = box.size
        return (
            abs(box.angle) <= MAX_TILT_DEG
            and box.text_height >= self.min_text_px
            and box.text_height <= 0.5 * image_height
            and long_side <= self.max_aspect * max(short_side, 1.0)
        )


def regions_from_lines(boxes: list[TextBox], width: int, height: int) -> list[PlateCandidate]:
    """Grow each line into the window a plate around it would fill; merge overlapping ones.

    The window reaches one and a half character heights above and below (state names,
    slogans, the second row of a stacked plate) and half a height plus a tenth of the line to
    each side (band, the ends of a line the low-resolution pass cut short).
    """
    regions: list[tuple[Box, list[TextBox]]] = []
    for box in sorted(boxes, key=lambda b: -b.text_height * b.size[0]):
        x, y, w, h = box.xywh
        th = box.text_height
        grown = clip_box(grow_box((x, y, w, h), 0.6 * th + 0.1 * w, 1.6 * th), width, height)
        for index, (existing, lines) in enumerate(regions):
            if overlap(existing, grown) >= 0.5:
                regions[index] = (union_box([existing, grown]), [*lines, box])
                break
        else:
            regions.append((grown, [box]))
    return [
        PlateCandidate(region, "text", line_score(lines), tuple(lines))
        for region, lines in regions
        if region[2] >= 8 and region[3] >= 8
    ]


def line_score(lines: list[TextBox]) -> float:
    """Plate-likeness of a region from its largest line (see PLATE_LINE_ASPECT)."""
    main = max(lines, key=lambda b: b.text_height * b.size[0])
    aspect = main.size[0] / max(main.size[1], 1e-6)
    return main.score - 0.5 * abs(math.log(max(aspect, 1e-6) / PLATE_LINE_ASPECT))


def _shift(box: TextBox, dx: float, dy: float) -> TextBox:
    if not dx and not dy:
        return box
    return TextBox(
        (box.center[0] + dx, box.center[1] + dy), box.size, box.angle, box.score, box.text_height
    )


class OmzPlateDetector:
    """vehicle-license-plate-detection-barrier-0106: vehicles (label 1) and plates (label 2).

    NHWC 1x300x300x3 BGR input, 0..255, no mean or scale; output 1x1x200x7 SSD rows.
    """

    VEHICLE = 1
    PLATE = 2

    def __init__(self, xml_path: Path, device: str = "CPU", score_threshold: float = 0.3) -> None:
        import openvino as ov  # here, not at import: starting the CLI must not load OpenVINO

        try:
            core = ov.Core()
            model = core.read_model(str(xml_path))
        except Exception as error:  # openvino raises RuntimeError subclasses with long texts
            text = str(error).strip()
            first = text.splitlines()[0] if text else type(error).__name__
            raise ModelError(f"{xml_path}: cannot load model ({first})") from None
        shape = model.inputs[0].get_partial_shape().to_shape()
        if len(shape) != 4 or int(shape[3]) != 3:
            raise ModelError(f"{xml_path}: expected an NHWC image input, got {shape}")
        self.input_hw = (int(shape[1]), int(shape[2]))
        self.score_threshold = score_threshold
        self._compiled = core.compile_model(model, device, {"PERFORMANCE_HINT": "LATENCY"})
        self._output = self._compiled.outputs[0]
        self._local = threading.local()
        self.detect(np.zeros((*self.input_hw, 3), dtype=np.uint8))  # warm up on this thread

    def _request(self) -> Any:
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self._compiled.create_infer_request()
        return request

    def detect(self, image: np.ndarray) -> tuple[list[tuple[Box, float]], list[tuple[Box, float]]]:
        """(plates, vehicles), each [(box, score)] in image pixels."""
        height, width = image.shape[:2]
        blob = cv2.resize(image, (self.input_hw[1], self.input_hw[0]))[None].astype(np.float32)
        rows = np.asarray(self._request().infer({0: blob})[self._output]).reshape(-1, 7)
        rows = rows[(rows[:, 0] >= 0) & (rows[:, 2] >= self.score_threshold)]
        plates: list[tuple[Box, float]] = []
        vehicles: list[tuple[Box, float]] = []
        for _, label, score, x1, y1, x2, y2 in rows:
            box = clip_box(
                (x1 * width, y1 * height, (x2 - x1) * width, (y2 - y1) * height), width, height
            )
            if int(label) == self.PLATE:
                plates.append((box, float(score)))
            elif int(label) == self.VEHICLE:
                vehicles.append((box, float(score)))
        return plates, vehicles

    def candidates(self, image: np.ndarray) -> list[PlateCandidate]:
        plates, _ = self.detect(image)
        height, width = image.shape[:2]
        return [
            PlateCandidate(
                clip_box(grow_box(box, 0.1 * box[2], 0.5 * box[3]), width, height), "omz", score
            )
            for box, score in plates
        ]


class MorphologyLocaliser:
    """Classical plate finder: dark characters on a light band, dense vertical strokes.

    Black-hat (closing minus image) with a kernel a little wider than a stroke brings out dark
    characters on a lighter background; a horizontal Sobel keeps their vertical strokes; a
    wide closing joins a plate's characters into one blob; blobs shaped like a plate line
    (aspect 1.5-8, filled enough) are kept. Works at a fixed working width.
    """

    def __init__(self, work_width: int = 640, max_candidates: int = 8) -> None:
        self.work_width = work_width
        self.max_candidates = max_candidates

    def candidates(self, image: np.ndarray) -> list[PlateCandidate]:
        height, width = image.shape[:2]
        scale = min(1.0, self.work_width / width)
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        if scale < 1.0:
            grey = cv2.resize(
                grey, (int(width * scale), int(height * scale)), interpolation=cv2.INTER_AREA
            )
        blackhat = cv2.morphologyEx(
            grey, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (13, 5))
        )
        gradient = np.abs(cv2.Sobel(blackhat, cv2.CV_32F, 1, 0, ksize=3))
        peak = float(gradient.max())
        if peak <= 0:
            return []
        gradient = (255 * gradient / peak).astype(np.uint8)
        gradient = cv2.GaussianBlur(gradient, (5, 5), 0)
        _, mask = cv2.threshold(gradient, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        mask = cv2.morphologyEx(
            mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (17, 3))
        )
        square = np.ones((3, 3), np.uint8)
        mask = cv2.erode(mask, square, iterations=1)
        mask = cv2.dilate(mask, square, iterations=2)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        found: list[tuple[float, Box]] = []
        for contour in contours:
            x, y, w, h = cv2.boundingRect(contour)
            if h < 6 or w < 20:
                continue
            aspect = w / h
            fill = cv2.contourArea(contour) / float(w * h)
            if not 1.5 <= aspect <= 8.0 or fill < 0.45:
                continue
            # Dark strokes on light: black-hat strength (0..255) of 40 and more is plate-like.
            strength = float(blackhat[y : y + h, x : x + w].mean())
            box = (x / scale, y / scale, w / scale, h / scale)
            found.append((fill * min(1.0, strength / 40.0), box))
        found.sort(key=lambda item: -item[0])
        return [
            PlateCandidate(
                clip_box(grow_box(box, 0.1 * box[2], 0.4 * box[3]), width, height),
                "morphology",
                score,
            )
            for score, box in found[: self.max_candidates]
        ]


def vehicle_search_area(vehicle: Box) -> Box:
    """Where a vehicle's plate can be: the lower 70 % of its box, a little wider and deeper
    (plates at the edge of a tight box). Seen from the front or the back, a car's plate sits
    below its windscreen; the top 30 % is roof and glass, and badges above the plate."""
    x, y, w, h = vehicle
    return x - 0.05 * w, y + 0.3 * h, 1.1 * w, 0.75 * h
