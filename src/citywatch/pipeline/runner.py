"""All cameras of a configuration: a supervisor and an analysis worker each, one shared detector,
one store. `start`, then `wait` (files end by themselves) or `stop` (signals, duration)."""

from __future__ import annotations

import logging
import time
import uuid

from citywatch.config import CitywatchConfig
from citywatch.core.errors import CitywatchError
from citywatch.detect.base import Detector
from citywatch.ingest import CameraSupervisor
from citywatch.pipeline.camera import CameraStats, CameraWorker
from citywatch.store import Store

log = logging.getLogger("citywatch.pipeline")


class PipelineRunner:
    def __init__(self, config: CitywatchConfig, store: Store, detector: Detector) -> None:
        cameras = [c for c in config.cameras if c.enabled]
        if not cameras:
            raise CitywatchError("no enabled cameras in the configuration")
        self.run_id = uuid.uuid4().hex[:12]
        self.store = store
        self.workers: list[CameraWorker] = []
        for camera in cameras:
            store.upsert_camera(camera)
            supervisor = CameraSupervisor.from_config(camera)
            self.workers.append(
                CameraWorker(
                    camera,
                    supervisor,
                    detector,
                    config.tracker,
                    store,
                    self.run_id,
                    thumbnails=config.storage.thumbnails,
                )
            )

    def start(self) -> PipelineRunner:
        for worker in self.workers:
            worker.supervisor.start()
            worker.start()
        log.info("run %s: %d camera(s) started", self.run_id, len(self.workers))
        return self

    def wait(self, timeout: float | None = None, report_every_s: float = 10.0) -> bool:
        """Block until every worker has finished (file sources end) or `timeout` passes."""
        deadline = None if timeout is None else time.monotonic() + timeout
        next_report = time.monotonic() + report_every_s
        while not all(w.done for w in self.workers):
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(0.1)
            # The store commits by batch size or age, checked on writes; a quiet camera's last
            # records would wait for the next write, so nudge it here.
            self.store.flush()
            if time.monotonic() >= next_report:
                next_report += report_every_s
                for stats in self.stats():
                    log.info(
                        "%s: %s, analysed %d, dropped %d, %.1f ms/frame, %d live tracks",
                        stats.camera_id,
                        stats.ingest_state,
                        stats.frames_analysed,
                        stats.frames_dropped,
                        stats.analysis_ms,
                        stats.live_tracks,
                    )
        return True

    def stop(self, timeout: float = 10.0) -> None:
        """Stop ingest, let each worker finish its open tracks, and write everything out."""
        for worker in self.workers:
            worker.supervisor.stop(timeout=timeout)
        for worker in self.workers:
            worker.stop()
        for worker in self.workers:
            if not worker.join(timeout):
                log.warning(
                    "camera %s: analysis did not stop within %.0f s", worker.camera.id, timeout
                )
        self.store.flush()

    def stats(self) -> list[CameraStats]:
        return [w.stats() for w in self.workers]

    def failures(self) -> list[str]:
        return [f"{w.camera.id}: {w.failure}" for w in self.workers if w.failure is not None]
