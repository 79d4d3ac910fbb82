"""The detector as a service: `DetectorServer` actors batch frames from every camera host.

A host's cameras call a `RemoteDetector`, which sends the frame and waits for the answer on the
camera's own thread. So each camera has at most one frame at the server: when the servers are
the bottleneck, frames pile up nowhere but in each camera's drop-oldest queue, where they are
dropped and counted (Frigate's rule: drop frames rather than fall behind). Servers hold no
state but the model, so Ray restarts one that dies and callers retry meanwhile.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from citywatch.cluster.batching import BatchingDetector, BatchStats
from citywatch.cluster.connect import ClusterError
from citywatch.config import DetectorConfig
from citywatch.core.detections import Detections
from citywatch.models import ModelRegistry

log = logging.getLogger("citywatch.cluster")

RETRY_PAUSE_S = 0.5


def model_registry(model_dir: str | None, configured: str | None) -> ModelRegistry:
    """The head's model folder when it named one, else what this node's settings say."""
    return ModelRegistry(Path(model_dir)) if model_dir else ModelRegistry.from_settings(configured)


class DetectorServer:
    """Ray actor (async): one detector model, called by many cameras, run in batches."""

    def __init__(
        self,
        detector_json: str,
        model_dir: str | None,
        configured_model_dir: str | None,
        batch_size: int,
        batch_wait_ms: float,
    ) -> None:
        from citywatch.detect import create_detector
        from citywatch.logs import configure_logging

        configure_logging()
        config = DetectorConfig.model_validate_json(detector_json)
        registry = model_registry(model_dir, configured_model_dir)
        detector = create_detector(config, registry, concurrency=batch_size)
        self._batcher = BatchingDetector(detector, batch_size, batch_wait_ms / 1000)

    async def describe(self) -> str:
        return self._batcher.name

    async def detect(self, image: np.ndarray) -> Detections:
        return await self._batcher.detect(image)

    async def stats(self) -> BatchStats:
        return self._batcher.stats()


class RemoteDetector:
    """The `Detector` protocol over a `DetectorServer` handle; used on a camera's thread."""

    def __init__(self, server: Any, name: str, timeout_s: float = 30.0) -> None:
        self.name = f"{name} (served)"
        self._server = server
        self._timeout_s = timeout_s

    def detect(self, image: np.ndarray) -> Detections:
        import ray
        from ray.exceptions import GetTimeoutError, RayActorError

        deadline = time.monotonic() + self._timeout_s
        while True:
            remaining = deadline - time.monotonic()
            try:
                result: Detections = ray.get(
                    self._server.detect.remote(image), timeout=max(remaining, 0.01)
                )
                return result
            except GetTimeoutError:
                raise ClusterError(
                    f"detector server did not answer within {self._timeout_s:g} s"
                ) from None
            except RayActorError as error:  # restarting: frames wait in the camera's queue
                if time.monotonic() + RETRY_PAUSE_S >= deadline:
                    raise ClusterError(f"detector server unavailable: {error}") from None
                log.warning("detector server unavailable, retrying: %s", type(error).__name__)
                time.sleep(RETRY_PAUSE_S)
