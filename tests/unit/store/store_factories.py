"""Records for the store's tests (imported by the test modules of this folder)."""

from __future__ import annotations

from typing import Any

import numpy as np

from citywatch.core.classes import ObjectClass
from citywatch.core.records import Event, Sighting, TrackPoint, TrackRecord

T0 = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC


def crop(height: int = 240, width: int = 120, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def sighting(
    camera: str = "gate", t: float = T0, kind: str = "object", image: bool = True, **kw: Any
) -> Sighting:
    values: dict[str, Any] = dict(
        camera_id=camera,
        kind=kind,
        first_seen=t,
        last_seen=t + 4.0,
        best_time=t + 1.5,
        best_box=(10.0, 20.0, 30.5, 60.25),
        best_score=0.875,
        thumbnail=crop() if image else None,
    )
    values.update(kw)
    return Sighting(**values)


def track(
    camera: str = "gate", local_id: int = 1, t: float = T0, run: str = "run-1", **kw: Any
) -> TrackRecord:
    values: dict[str, Any] = dict(
        camera_id=camera,
        run_id=run,
        local_id=local_id,
        class_id=ObjectClass.PERSON,
        started_at=t,
        ended_at=t + 4.0,
        frames=20,
        path=(TrackPoint(t, 1.0, 2.0), TrackPoint(t + 1.0, 3.5, 4.25)),
    )
    values.update(kw)
    return TrackRecord(**values)


def event(
    camera: str = "gate", t: float = T0, type: str = "zone", image: bool = False, **kw: Any
) -> Event:
    values: dict[str, Any] = dict(
        camera_id=camera,
        time=t,
        type=type,
        rule="door",
        values={"zone": "door", "count": 2},
        run_id="run-1",
        track_local_id=1,
        thumbnail=crop() if image else None,
    )
    values.update(kw)
    return Event(**values)
