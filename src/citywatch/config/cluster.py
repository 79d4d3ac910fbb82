"""Where the cameras run: in this process (the default) or spread over a Ray cluster.

With `backend: ray` the process that starts (`serve`, `run`) is the head: it places camera
hosts (Ray actors, each running some cameras) across the cluster's nodes, serves the detector
from batching actors, watches the hosts' heartbeats and moves the cameras of a host that stops
answering to the others. Hosts write to the shared database and publish on the shared bus, so
the head's API sees everything; that is why Ray needs a PostgreSQL `storage.url` and
`bus.backend: redis` (checked when the file loads).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from citywatch.config.base import Section


class ClusterConfig(Section):
    backend: Literal["embedded", "ray"] = Field(
        default="embedded", description="embedded: cameras run in this process; ray: on a cluster"
    )
    address: str | None = Field(
        default=None,
        min_length=1,
        description="Ray to join: 'auto' (the cluster `ray start` made on this machine), "
        "host:port of a head node, or ray://host:10001; null starts a Ray of its own here",
    )
    namespace: str = Field(default="citywatch", min_length=1, max_length=64)
    workers: int = Field(default=2, ge=1, le=4096, description="camera hosts (Ray actors)")
    cpus_per_worker: float = Field(default=1.0, gt=0, le=256)
    detector_servers: int = Field(
        default=1, ge=1, le=1024, description="detector actors; hosts share them round-robin"
    )
    cpus_per_detector: float = Field(default=1.0, gt=0, le=256)
    batch_size: int = Field(
        default=8, ge=1, le=256, description="frames a detector server takes in one batch"
    )
    batch_wait_ms: float = Field(
        default=5.0, ge=0, le=1000, description="how long a batch waits to fill once it has one"
    )
    heartbeat_s: float = Field(default=1.0, gt=0, le=60, description="how often hosts report")
    dead_after_s: float = Field(
        default=5.0, gt=0, le=600, description="a host silent this long has its cameras moved"
    )
    start_timeout_s: float = Field(
        default=120.0, gt=0, le=3600, description="time for hosts to load their models"
    )

    @model_validator(mode="after")
    def _dead_after_heartbeats(self) -> ClusterConfig:
        if self.dead_after_s <= self.heartbeat_s:
            raise ValueError("dead_after_s must be longer than heartbeat_s")
        return self
