"""A face alert as the bus tests send it: one record, the fields a test cares about overridden.

message = AlertMessage(41, face_alert(), NOW + 0.2, evidence_path="alerts/gate/a.jpg")
"""

from __future__ import annotations

from typing import Any

import numpy as np

from citywatch.core.records import Alert

NOW = 1_700_000_000.0


def face_alert(**overrides: Any) -> Alert:
    """A watchlist match on camera `gate` at `NOW`, with an 8x8 evidence crop."""
    fields: dict[str, Any] = {
        "camera_id": "gate",
        "time": NOW,
        "run_id": "run1",
        "track_local_id": 3,
        "entry_id": 2,
        "entry_name": "Person of interest",
        "distance": 0.31,
        "threshold": 0.4,
        "embedder": "face-reidentification-retail-0095",
        "face_box": (10, 20, 30, 40),
        "evidence": np.full((8, 8, 3), 200, np.uint8),
    }
    fields.update(overrides)
    return Alert(**fields)
