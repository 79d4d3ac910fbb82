"""All cameras of a configuration: a supervisor and an analysis worker each, one shared detector,
one store. `start`, then `wait` (files end by themselves) or `stop` (signals, duration)."""

from __future__ import annotations

import logging
import time
import uuid

from citywatch.bus.local import LocalBus
from citywatch.config import CitywatchConfig
from citywatch.core.errors import CitywatchError
from citywatch.detect.base import Detector
from citywatch.faces.pipeline import FacePipeline
from citywatch.ingest import CameraSupervisor
from citywatch.pipeline.alerts import AlertPublisher
from citywatch.pipeline.camera import CameraStats, CameraWorker
from citywatch.pipeline.face_stage import FaceStage
from citywatch.store import Store
from citywatch.store.watchlists import FaceRecords
from citywatch.watchlist.matcher import WatchlistMatcher

log = logging.getLogger("citywatch.pipeline")


class PipelineRunner:
    def __init__(
        self,
        config: CitywatchConfig,
        store: Store,
        detector: Detector,
        faces: FacePipeline | None = None,
        bus: LocalBus | None = None,
    ) -> None:
        cameras = [c for c in config.cameras if c.enabled]
        if not cameras:
            raise CitywatchError("no enabled cameras in the configuration")
        self.run_id = uuid.uuid4().hex[:12]
        self.store = store
        self.bus = bus or LocalBus()
        self.matcher: WatchlistMatcher | None = None
        publisher: AlertPublisher | None = None
        if faces is not None:
            records = FaceRecords(store)
            self.matcher = WatchlistMatcher(records, faces.embedder.name, faces.threshold)
            self.matcher.reload()
            publisher = AlertPublisher(records, self.bus)
            log.info(
                "faces: %s; watchlist: %d photos, match at distance <= %.2f",
                faces.name,
                self.matcher.size,
                faces.threshold,
            )
        self.workers: list[CameraWorker] = []
        for camera in cameras:
            store.upsert_camera(camera)
            supervisor = CameraSupervisor.from_config(camera)
            face_stage = (
                FaceStage(
                    faces,
                    camera.id,
                    self.run_id,
                    self.matcher,
                    publisher,
                    best_shots=config.faces.best_shots,
                )
                if faces is not None
                else None
            )
            self.workers.append(
                CameraWorker(
                    camera,
                    supervisor,
                    detector,
                    config.tracker,
                    store,
                    self.run_id,
                    thumbnails=config.storage.thumbnails,
                    faces=face_stage,
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
