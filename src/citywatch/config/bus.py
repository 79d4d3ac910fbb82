"""The bus between processes: in-process only (the default), or Redis Streams shared by nodes.

With `backend: redis` every node forwards its alerts, events, plate alerts and counts to Redis
and hears those of the others (citywatch.bus.redis), so each node's live feed and outputs see
the whole site. A password belongs in the environment: `url: redis://:${REDIS_PASSWORD}@host`.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from citywatch.config.base import Section

REDIS_SCHEMES = ("redis", "rediss", "unix")


class BusConfig(Section):
    backend: Literal["local", "redis"] = Field(
        default="local", description="local: this process only; redis: shared between nodes"
    )
    url: str | None = Field(
        default=None, description="redis://[:password@]host:port/db (rediss:// for TLS)"
    )
    stream_prefix: str = Field(
        default="citywatch", min_length=1, max_length=64, description="streams: <prefix>:<topic>"
    )
    max_stream_length: int = Field(
        default=10_000,
        ge=100,
        le=100_000_000,
        description="messages kept per stream (approximately; the oldest are trimmed)",
    )
    node: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="this node's name on the bus; null: <hostname>-<pid>",
    )

    @field_validator("url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises on a bad port
        except ValueError as error:
            raise ValueError(f"not a URL ({error})") from None
        if parts.scheme not in REDIS_SCHEMES:
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        if parts.scheme != "unix" and not parts.hostname:
            raise ValueError("must name a host, e.g. redis://127.0.0.1:6379/0")
        return value

    @field_validator("stream_prefix")
    @classmethod
    def _plain_prefix(cls, value: str) -> str:
        if any(c.isspace() for c in value) or any(c in value for c in "*?[]"):
            raise ValueError("must not contain spaces or glob characters (* ? [ ])")
        return value

    @model_validator(mode="after")
    def _redis_needs_url(self) -> BusConfig:
        if self.backend == "redis" and self.url is None:
            raise ValueError("backend is redis but url is not set (e.g. redis://host:6379/0)")
        return self
