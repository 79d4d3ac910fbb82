"""Configuration: pydantic models that reject unknown keys, one module per concern."""

from citywatch.config.cameras import CameraConfig, Neighbour, Point, Zone
from citywatch.config.loader import load_config, parse_config
from citywatch.config.pipeline import DetectorConfig, TrackerConfig
from citywatch.config.root import CitywatchConfig, SitePlan
from citywatch.config.storage import StorageConfig

__all__ = [
    "CameraConfig",
    "CitywatchConfig",
    "DetectorConfig",
    "Neighbour",
    "Point",
    "SitePlan",
    "StorageConfig",
    "TrackerConfig",
    "Zone",
    "load_config",
    "parse_config",
]
