"""Where data goes: the database URL (SQLite in the data directory unless set) and media."""

from __future__ import annotations

from pydantic import Field

from citywatch.config.base import Section


class StorageConfig(Section):
    url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default sqlite:///<data_dir>/citywatch.db (WAL mode)",
    )
    thumbnails: bool = True
    thumbnail_size: int = Field(default=160, ge=32, le=1024)
