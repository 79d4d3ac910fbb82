"""Where alerts, events and counts leave the process: signed webhooks and an MQTT broker.

Secrets (webhook secrets, the broker password) belong in the environment: write `${NAME}` in
the file and the loader substitutes it, so the file can be shared without them.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from citywatch.config.base import Section

# The bus topics an output can take (citywatch.bus.messages); kept literal here so a typo in
# the file is an error that names the key, not an output that silently hears nothing.
BusTopic = Literal["alerts", "events", "plate_alerts", "counts"]
ALL_TOPICS: tuple[BusTopic, ...] = ("alerts", "events", "plate_alerts", "counts")
# Counts change every frame; a webhook receiver has to ask for them.
WEBHOOK_TOPICS: tuple[BusTopic, ...] = ("alerts", "events", "plate_alerts")


class WebhookConfig(Section):
    """One HTTP endpoint: each message is POSTed as JSON, signed with HMAC-SHA256 of the body."""

    url: str = Field(description="http:// or https:// endpoint")
    secret: str = Field(
        min_length=16, description="HMAC key shared with the receiver (write ${ENV_NAME})"
    )
    name: str | None = Field(default=None, description="how logs and stats name it")
    topics: list[BusTopic] = Field(default_factory=lambda: list(WEBHOOK_TOPICS), min_length=1)
    timeout_s: float = Field(default=5.0, gt=0, le=120, description="per request")
    max_attempts: int = Field(default=5, ge=1, le=20, description="tries before giving up")
    backoff_s: float = Field(default=0.5, gt=0, le=60, description="first retry delay")
    max_backoff_s: float = Field(default=30.0, gt=0, le=3600, description="longest retry delay")
    queue_size: int = Field(
        default=1000, ge=1, le=1_000_000, description="messages held; the oldest drop beyond"
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises on a bad port
        except ValueError as error:
            raise ValueError(f"not a URL ({error})") from None
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        return value

    @model_validator(mode="after")
    def _backoff_ordered(self) -> WebhookConfig:
        if self.max_backoff_s < self.backoff_s:
            raise ValueError("max_backoff_s must be at least backoff_s")
        return self


class MqttConfig(Section):
    """An MQTT broker, with Frigate-style topics under `prefix` (see citywatch.bus.mqtt)."""

    host: str = Field(min_length=1)
    port: int = Field(default=1883, ge=1, le=65535)
    username: str | None = None
    password: str | None = Field(default=None, description="write ${ENV_NAME}")
    prefix: str = Field(default="citywatch", min_length=1, max_length=64)
    qos: Literal[0, 1, 2] = 1
    tls: bool = False
    ca_file: str | None = Field(default=None, description="CA bundle for tls; system CAs if null")
    client_id: str | None = Field(
        default=None, description="null: citywatch-<random>, so two instances never collide"
    )
    topics: list[BusTopic] = Field(default_factory=lambda: list(ALL_TOPICS), min_length=1)
    keepalive_s: int = Field(default=30, ge=5, le=3600)
    connect_timeout_s: float = Field(default=5.0, gt=0, le=120)
    reconnect_max_s: int = Field(default=60, ge=1, le=3600, description="longest reconnect wait")
    queue_size: int = Field(
        default=1000, ge=1, le=1_000_000, description="messages held; the oldest drop beyond"
    )

    @field_validator("prefix")
    @classmethod
    def _plain_prefix(cls, value: str) -> str:
        if any(c in value for c in "+#\0") or value.startswith("/") or value.endswith("/"):
            raise ValueError("must be topic levels without wildcards or a leading/trailing '/'")
        return value

    @model_validator(mode="after")
    def _password_needs_user(self) -> MqttConfig:
        if self.password is not None and self.username is None:
            raise ValueError("password is set but username is not")
        if self.ca_file is not None and not self.tls:
            raise ValueError("ca_file is set but tls is false")
        return self


class OutputsConfig(Section):
    include_media_paths: bool = Field(
        default=False,
        description="add relative evidence paths (never images) to alerts; offences never",
    )
    webhooks: list[WebhookConfig] = []
    mqtt: MqttConfig | None = None
