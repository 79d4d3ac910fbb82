"""`Detections`: the one value every stage takes and returns.

Parallel arrays, one row per object in a frame. A stage adds what it knows (a tracker fills
`tracker_id`, a face stage adds an embedding column to `data`) and hands the value on. Model
outputs are adapted to it at the edge (`from_*` functions live beside each backend), so nothing
downstream knows which model ran.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

NO_TRACK = -1


def _as_rows(name: str, value: Any, n: int, dtype: Any, shape: tuple[int, ...] = ()) -> np.ndarray:
    array = np.asarray(value, dtype=dtype)
    if array.shape != (n, *shape):
        raise ValueError(f"Detections.{name}: expected shape {(n, *shape)}, got {array.shape}")
    return array


@dataclass(frozen=True)
class Detections:
    """Boxes in pixel `xyxy` (x1, y1, x2, y2), with scores, class ids and optional track ids."""

    xyxy: np.ndarray
    confidence: np.ndarray
    class_id: np.ndarray
    tracker_id: np.ndarray
    data: Mapping[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        xyxy = np.asarray(self.xyxy, dtype=np.float32).reshape(-1, 4)
        n = len(xyxy)
        object.__setattr__(self, "xyxy", xyxy)
        object.__setattr__(
            self, "confidence", _as_rows("confidence", self.confidence, n, np.float32)
        )
        object.__setattr__(self, "class_id", _as_rows("class_id", self.class_id, n, np.int32))
        object.__setattr__(self, "tracker_id", _as_rows("tracker_id", self.tracker_id, n, np.int64))
        checked = {}
        for key, column in self.data.items():
            column = np.asarray(column)
            if len(column) != n:
                raise ValueError(f"Detections.data[{key!r}]: {len(column)} rows for {n} boxes")
            checked[key] = column
        object.__setattr__(self, "data", checked)

    @classmethod
    def empty(cls) -> Detections:
        return cls.create(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0))

    @classmethod
    def create(
        cls,
        xyxy: Any,
        confidence: Any,
        class_id: Any,
        tracker_id: Any | None = None,
        data: Mapping[str, np.ndarray] | None = None,
    ) -> Detections:
        xyxy = np.asarray(xyxy, dtype=np.float32).reshape(-1, 4)
        if tracker_id is None:
            tracker_id = np.full(len(xyxy), NO_TRACK, dtype=np.int64)
        return cls(xyxy, confidence, class_id, tracker_id, dict(data or {}))

    @classmethod
    def concat(cls, parts: list[Detections]) -> Detections:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        keys = set(parts[0].data)
        if any(set(p.data) != keys for p in parts):
            raise ValueError("Detections.concat: parts carry different data columns")
        return cls(
            np.concatenate([p.xyxy for p in parts]),
            np.concatenate([p.confidence for p in parts]),
            np.concatenate([p.class_id for p in parts]),
            np.concatenate([p.tracker_id for p in parts]),
            {k: np.concatenate([p.data[k] for p in parts]) for k in keys},
        )

    def __len__(self) -> int:
        return len(self.xyxy)

    def __getitem__(self, index: Any) -> Detections:
        """Rows selected by a boolean mask, an index array or a slice, as a new value."""
        if isinstance(index, int | np.integer):
            index = [int(index)]
        return Detections(
            self.xyxy[index],
            self.confidence[index],
            self.class_id[index],
            self.tracker_id[index],
            {k: v[index] for k, v in self.data.items()},
        )

    def __iter__(self) -> Iterator[Detections]:
        for i in range(len(self)):
            yield self[i]

    def with_tracker_id(self, tracker_id: np.ndarray) -> Detections:
        return Detections(self.xyxy, self.confidence, self.class_id, tracker_id, self.data)

    def with_data(self, **columns: np.ndarray) -> Detections:
        return Detections(
            self.xyxy, self.confidence, self.class_id, self.tracker_id, {**self.data, **columns}
        )

    @property
    def xywh(self) -> np.ndarray:
        """Top-left x, y, width, height (the MOT and API box format)."""
        out = self.xyxy.copy()
        out[:, 2:] -= out[:, :2]
        return out

    @property
    def area(self) -> np.ndarray:
        wh = np.clip(self.xyxy[:, 2:] - self.xyxy[:, :2], 0, None)
        return wh[:, 0] * wh[:, 1]

    @property
    def bottom_center(self) -> np.ndarray:
        """Foot points: where a person stands, used for zones and distances."""
        return np.stack([(self.xyxy[:, 0] + self.xyxy[:, 2]) / 2, self.xyxy[:, 3]], axis=1)

    def clip(self, width: int, height: int) -> Detections:
        xyxy = self.xyxy.copy()
        xyxy[:, [0, 2]] = np.clip(xyxy[:, [0, 2]], 0, width)
        xyxy[:, [1, 3]] = np.clip(xyxy[:, [1, 3]], 0, height)
        return Detections(xyxy, self.confidence, self.class_id, self.tracker_id, self.data)
