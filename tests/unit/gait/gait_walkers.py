"""Synthetic walkers for the gait tests: stick figures whose legs swing with a known period.

A plain module (not conftest) so tests import it by a name no other test folder uses.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from citywatch.config.gait import GaitConfig
from citywatch.gait.signature import GaitSample
from citywatch.gait.silhouettes import Silhouette, judge


def draw_walker(canvas: np.ndarray, x: float, top: float, height: float, swing: float) -> None:
    """A figure `height` px tall, head at `top`, centred on `x`; legs `swing` radians apart.

    The legs swing about an offset (one step longer than the other), as in a real view that
    is not exactly side-on, so the full cycle, not the step, is what repeats.
    """
    unit = height / 8.0
    head = (int(round(x)), int(round(top + unit)))
    cv2.circle(canvas, head, max(1, int(round(unit))), 255, -1)
    hip_y = top + 4.2 * unit
    cv2.rectangle(
        canvas,
        (int(round(x - 1.1 * unit)), int(round(top + 2 * unit))),
        (int(round(x + 1.1 * unit)), int(round(hip_y))),
        255,
        -1,
    )
    leg = 3.8 * unit
    thickness = max(1, int(round(0.8 * unit)))
    for angle in (swing, -swing * 0.6):
        foot = (int(round(x + leg * math.sin(angle))), int(round(hip_y + leg * math.cos(angle))))
        cv2.line(canvas, (int(round(x)), int(round(hip_y))), foot, 255, thickness)


def swing(step: int, period: float, amplitude: float = 0.45) -> float:
    return amplitude * math.sin(2 * math.pi * step / period)


def walker_mask(height: int, width: int, angle: float, scale: float = 0.8) -> np.ndarray:
    """A region-sized mask with the walker filling about `scale` of its height."""
    canvas = np.zeros((height, width), dtype=np.uint8)
    figure = scale * height
    draw_walker(canvas, width / 2, (height - figure) / 2, figure, angle)
    return canvas


def walker_silhouette(angle: float, config: GaitConfig, height: int = 80) -> Silhouette:
    width = height // 2
    mask = walker_mask(height, width, angle, scale=0.95)
    box = np.array([0, 0, width, height], dtype=np.float32)
    result = judge(mask, box.astype(np.int32), box, config)
    assert isinstance(result, Silhouette), result
    return result


def walk_samples(
    count: int, period: float, interval: float, config: GaitConfig, speed_px: float = 8.0
) -> list[GaitSample]:
    """Samples of a walker crossing rightwards at `speed_px` per sample, 80 px tall."""
    out = []
    for step in range(count):
        x = 20.0 + speed_px * step
        silhouette = walker_silhouette(swing(step, period), config)
        out.append(GaitSample(step * interval, (x, 10.0, x + 30.0, 90.0), silhouette))
    return out
