"""Constant-velocity Kalman filter over a box's centre, width and height.

State: (cx, cy, w, h, vcx, vcy, vw, vh); measurement: (cx, cy, w, h). Noise scales with the
box size so near and far people are treated alike (the width/height form rather than the
aspect-ratio form, which follows a person's width better when they turn).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_MEASURE = np.hstack([np.eye(4), np.zeros((4, 4))])


@dataclass(frozen=True)
class KalmanNoise:
    position: float = 1.0 / 20.0  # std of position noise, as a fraction of box size
    velocity: float = 1.0 / 160.0  # std of velocity noise, likewise


class BoxKalman:
    """One track's filter. `dt` is in frame intervals (1 = the next analysed frame)."""

    def __init__(self, xyxy: np.ndarray, noise: KalmanNoise = KalmanNoise()) -> None:
        self.noise = noise
        z = _xyxy_to_cxcywh(xyxy)
        self.mean = np.concatenate([z, np.zeros(4)])
        w, h = z[2], z[3]
        scale = np.array([w, h, w, h])
        std = np.concatenate([2 * noise.position * scale, 10 * noise.velocity * scale])
        self.covariance = np.diag(std**2)

    def predict(self, dt: float = 1.0) -> None:
        transition = np.eye(8)
        transition[:4, 4:] = dt * np.eye(4)
        w, h = self.mean[2], self.mean[3]
        scale = np.array([w, h, w, h])
        std = np.concatenate([self.noise.position * scale, self.noise.velocity * scale])
        process = np.diag((std * max(dt, 1.0)) ** 2)
        self.mean = transition @ self.mean
        self.covariance = transition @ self.covariance @ transition.T + process
        # A box cannot shrink through zero; clamp so IoU stays meaningful after long gaps.
        self.mean[2:4] = np.maximum(self.mean[2:4], 1.0)

    def update(self, xyxy: np.ndarray) -> None:
        z = _xyxy_to_cxcywh(xyxy)
        w, h = self.mean[2], self.mean[3]
        std = self.noise.position * np.array([w, h, w, h])
        projected_cov = _MEASURE @ self.covariance @ _MEASURE.T + np.diag(std**2)
        gain = np.linalg.solve(projected_cov, _MEASURE @ self.covariance).T
        self.mean = self.mean + gain @ (z - _MEASURE @ self.mean)
        self.covariance = self.covariance - gain @ projected_cov @ gain.T

    @property
    def xyxy(self) -> np.ndarray:
        cx, cy, w, h = self.mean[:4]
        return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dtype=np.float32)


def _xyxy_to_cxcywh(xyxy: np.ndarray) -> np.ndarray:
    x1, y1, x2, y2 = (float(v) for v in np.asarray(xyxy).reshape(4))
    return np.array([(x1 + x2) / 2, (y1 + y2) / 2, max(x2 - x1, 1.0), max(y2 - y1, 1.0)])
