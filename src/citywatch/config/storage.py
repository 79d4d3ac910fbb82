"""Where data goes: the database URL (SQLite in the data directory unless set) and media."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from citywatch.config.base import Section


class StorageConfig(Section):
    url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default sqlite:///<data_dir>/citywatch.db (WAL mode)",
    )
    thumbnails: bool = True
    thumbnail_size: int = Field(default=160, ge=32, le=1024)
    clips: bool = Field(default=True, description="short evidence clips around rule events")
    clip_pre_s: float = Field(default=3.0, ge=0, le=30, description="seconds before the event")
    clip_post_s: float = Field(default=3.0, ge=0, le=30, description="seconds after the event")
    vector_index: Literal["auto", "memory", "pgvector"] = Field(
        default="auto",
        description="where face vectors are searched: in this process (memory, persisted under "
        "the data dir) or in PostgreSQL with pgvector; auto: pgvector when the store is "
        "PostgreSQL with the extension, else memory",
    )
    pgvector_ef_search: int = Field(
        default=200,
        ge=10,
        le=1000,
        description="pgvector HNSW candidates per search: recall against latency (1M vectors on "
        "2 cores: 64 -> recall@1 0.85 at 7 ms, 200 -> 0.96 at 16 ms, 400 -> 0.98 at 28 ms)",
    )
