"""Reading and writing MOTChallenge text files: `frame,id,x,y,w,h,conf,x,y,z` a line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from citywatch.core.errors import UsageError


@dataclass(frozen=True)
class MotRows:
    """Parallel arrays of one MOT file; `frame` is 1-based, boxes are pixel x, y, w, h."""

    frame: np.ndarray
    track_id: np.ndarray
    xywh: np.ndarray
    conf: np.ndarray

    def __len__(self) -> int:
        return len(self.frame)

    def select(self, mask: np.ndarray) -> MotRows:
        return MotRows(self.frame[mask], self.track_id[mask], self.xywh[mask], self.conf[mask])


def read_mot(path: str | Path, scale: float = 1.0) -> MotRows:
    """Read a MOT file. `scale` multiplies all four box values (PETS09 ground truth: 0.625)."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path}: MOT file not found")
    rows: list[list[float]] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.strip()
            if not line:
                continue
            fields = line.replace(" ", "").split(",")
            try:
                values = [float(v) for v in fields[:7]]
            except ValueError:
                raise UsageError(
                    f"{path}:{number}: not a MOT line (expected numbers): {line[:60]!r}"
                ) from None
            if len(values) < 6:
                raise UsageError(f"{path}:{number}: a MOT line needs at least 6 fields")
            if len(values) == 6:
                values.append(1.0)
            rows.append(values)
    table = np.asarray(rows, dtype=np.float64).reshape(-1, 7)
    return MotRows(
        frame=table[:, 0].astype(np.int64),
        track_id=table[:, 1].astype(np.int64),
        xywh=table[:, 2:6] * scale,
        conf=table[:, 6],
    )


def format_mot_line(frame: int, track_id: int, xywh: np.ndarray, conf: float) -> str:
    x, y, w, h = (float(v) for v in xywh)
    return f"{frame},{track_id},{x:.2f},{y:.2f},{w:.2f},{h:.2f},{conf:.4f},-1,-1,-1\n"
