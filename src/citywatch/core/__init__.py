"""Types every stage shares: `Frame`, `Detections`, object classes and errors."""

from citywatch.core.classes import ObjectClass
from citywatch.core.detections import NO_TRACK, Detections
from citywatch.core.errors import (
    CitywatchError,
    ConfigError,
    ModelError,
    SourceError,
    SourceUsageError,
    StoreError,
    UsageError,
)
from citywatch.core.frame import Frame
from citywatch.core.records import Box, Event, Sighting, TrackPoint, TrackRecord

__all__ = [
    "Box",
    "Event",
    "Sighting",
    "TrackPoint",
    "TrackRecord",
    "NO_TRACK",
    "CitywatchError",
    "ConfigError",
    "Detections",
    "Frame",
    "ModelError",
    "ObjectClass",
    "SourceError",
    "SourceUsageError",
    "StoreError",
    "UsageError",
]
