"""Signal state read from the picture: which lamp of a signal head is lit."""

from __future__ import annotations

import cv2
import numpy as np

from citywatch.config.rules import ImageSignalConfig
from citywatch.core.frame import Frame
from citywatch.rules.signals.types import UNKNOWN, SignalSample, SignalState

# OpenCV hue runs 0-179; red wraps round 0.
_HUES: dict[SignalState, tuple[tuple[int, int], ...]] = {
    SignalState.RED: ((0, 10), (165, 179)),
    SignalState.AMBER: ((11, 34),),
    SignalState.GREEN: ((40, 100),),
}


class ImageSignal:
    """Reads the lit lamp of a signal head inside a polygon of the frame (see the config)."""

    def __init__(self, config: ImageSignalConfig) -> None:
        self.name = config.name
        self.config = config
        polygon = np.asarray(config.polygon, np.float64)
        x0, y0 = np.floor(polygon.min(axis=0)).astype(int)
        x1, y1 = np.ceil(polygon.max(axis=0)).astype(int)
        self._box = (max(int(x0), 0), max(int(y0), 0), int(x1) + 1, int(y1) + 1)
        self._polygon = polygon

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass

    def lit_fractions(self, image: np.ndarray) -> dict[str, float]:
        left, top, right, bottom = self._box
        patch = image[top:bottom, left:right]
        if patch.size == 0:
            return {}
        mask = np.zeros(patch.shape[:2], np.uint8)
        cv2.fillPoly(mask, [np.round(self._polygon - (left, top)).astype(np.int32)], (1,))
        inside = mask.astype(bool)
        total = int(inside.sum())
        if total == 0:
            return {}
        hsv = cv2.cvtColor(patch, cv2.COLOR_BGR2HSV)
        hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
        bright = inside & (val >= self.config.min_value) & (sat >= self.config.min_saturation)
        out = {}
        for state, ranges in _HUES.items():
            in_hue = np.zeros_like(bright)
            for low, high in ranges:
                in_hue |= (hue >= low) & (hue <= high)
            out[state.value] = round(float((bright & in_hue).sum()) / total, 4)
        return out

    def sample(self, frame: Frame) -> SignalSample:
        fractions = self.lit_fractions(frame.image)
        if not fractions:
            return UNKNOWN
        ranked = sorted(fractions.items(), key=lambda item: item[1], reverse=True)
        (best, best_share), (_, second_share) = ranked[0], ranked[1]
        lit = best_share >= self.config.min_lit_fraction and second_share < best_share / 2
        state = SignalState(best) if lit else SignalState.UNKNOWN
        return SignalSample(state, detail={"lit": fractions})
