"""A decoded video frame as it leaves ingest."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Frame:
    """One decoded picture from one camera.

    `index` counts decoded frames from 0 in stream order (the MOT frame number is index + 1);
    `ts` is the stream time in seconds from the container's timestamps; `wall_time` is the
    Unix time the frame stands for (capture time for live sources, start of the run plus `ts`
    for files), which is what storage and events use.
    """

    camera_id: str
    index: int
    ts: float
    wall_time: float
    image: np.ndarray  # HxWx3 uint8, BGR (OpenCV's order, also what the OMZ models take)

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        return int(self.image.shape[1])
