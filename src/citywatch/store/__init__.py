"""Storage: tracks, sightings and events in SQL (SQLite in WAL mode by default, PostgreSQL by
URL), thumbnails on disk. Open with `open_store`; the schema is created and upgraded by the
Alembic migrations shipped in `store/migrations/`."""

from citywatch.store.readmodels import (
    CameraInfo,
    EventInfo,
    SightingInfo,
    StoreCounts,
    TrackInfo,
)
from citywatch.store.repository import Store, open_store, open_store_from_config

__all__ = [
    "CameraInfo",
    "EventInfo",
    "SightingInfo",
    "Store",
    "StoreCounts",
    "TrackInfo",
    "open_store",
    "open_store_from_config",
]
