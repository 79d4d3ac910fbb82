"""`CameraHost`: a Ray actor that runs the cameras placed on it, on the shared store and bus.

A host is an ordinary pipeline (`PipelineRunner`) under a run id of its own, whose detector is
a `RemoteDetector`. It writes tracks, sightings and events to the shared PostgreSQL store and
publishes alerts and events on its own bus, which the Redis bridge carries to the head (and
every other node); its outputs (webhooks, MQTT) send what its own cameras raise. Its cameras'
latest pictures go to Redis too, for the head's live wall (cluster/live_frames.py).

Each `report()` first commits what the store holds buffered, then gives each camera's progress:
the newest frame analysed is where that camera resumes if this host is lost.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citywatch.pipeline.camera import CameraStats

log = logging.getLogger("citywatch.cluster")


@dataclass(frozen=True)
class Placement:
    """A camera given to a host, resuming (recorded media) at frame `start_index`."""

    camera_id: str
    start_index: int = 0


@dataclass(frozen=True)
class CameraProgress:
    stats: CameraStats
    done: bool
    failure: str | None = None


@dataclass(frozen=True)
class HostReport:
    node: str
    pid: int
    cameras: list[CameraProgress] = field(default_factory=list)


class CameraHost:
    """Ray actor. Models load in the constructor; `add` starts cameras; `stop` ends them."""

    def __init__(
        self,
        config_json: str,
        data_dir: str,
        model_dir: str | None,
        run_id: str,
        detector_server: Any,
        association_server: Any = None,
        reid_threshold: float | None = None,
    ) -> None:
        import ray

        from citywatch.bus.local import LocalBus
        from citywatch.bus.outputs import start_outputs
        from citywatch.bus.redis import start_bridge
        from citywatch.cluster.detector_server import RemoteDetector, model_registry
        from citywatch.config import CitywatchConfig
        from citywatch.logs import configure_logging
        from citywatch.pipeline.runner import PipelineRunner
        from citywatch.pipeline.service import load_models
        from citywatch.store import open_store_from_config

        configure_logging()
        self.config = CitywatchConfig.model_validate_json(config_json)
        registry = model_registry(model_dir, self.config.model_dir)
        detector = RemoteDetector(detector_server, ray.get(detector_server.describe.remote()))
        models = load_models(self.config, registry, detector=detector)
        self.store = open_store_from_config(self.config.storage, Path(data_dir))
        self.bus = LocalBus()
        self.bridge = start_bridge(self.config.bus, self.bus)
        self.outputs = start_outputs(self.config.outputs, self.bus)
        frames = None
        if self.config.bus.url is not None:  # the live wall's pictures, to the head via Redis
            from citywatch.cluster.live_frames import RedisFrameSink

            frames = RedisFrameSink(self.config.bus.url, self.config.bus.stream_prefix)
        associator = None
        if association_server is not None and reid_threshold is not None:
            from citywatch.cluster.association import RemoteAssociator

            associator = RemoteAssociator(association_server, reid_threshold)
        self.runner = PipelineRunner(
            self.config,
            self.store,
            detector,
            models.faces,
            bus=self.bus,
            reid=models.reid,
            attributes=models.attributes,
            plates=models.plates,
            frames=frames,
            cameras=[],
            run_id=run_id,
            associator=associator,
        ).start()
        self.node = socket.gethostname()
        log.info("camera host %s ready on %s (pid %d)", run_id, self.node, os.getpid())

    def add(self, placements: list[Placement]) -> None:
        for placement in placements:
            camera = self.config.camera(placement.camera_id)
            self.runner.add_camera(camera, start_index=placement.start_index)
            log.info(
                "camera %s started on host %s at frame %d",
                camera.id,
                self.runner.run_id,
                placement.start_index,
            )

    def report(self) -> HostReport:
        self.store.flush()  # what is reported as analysed is committed too
        cameras = [
            CameraProgress(
                worker.stats(),
                worker.done,
                None if worker.failure is None else str(worker.failure),
            )
            for worker in self.runner.workers
        ]
        return HostReport(self.node, os.getpid(), cameras)

    def stop(self) -> HostReport:
        try:
            self.runner.stop()
            return self.report()
        finally:
            self.outputs.stop(timeout=5.0)
            if self.bridge is not None:
                self.bridge.stop()
            self.store.close()
