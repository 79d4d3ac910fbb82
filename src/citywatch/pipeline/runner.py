"""All cameras of a configuration: a supervisor and an analysis worker each, one shared detector,
one store. `start`, then `wait` (files end by themselves) or `stop` (signals, duration).

A cluster's camera host runs one of these over the cameras placed on it (`cameras`), under a
run id of its own, and `add_camera` takes over a camera another host lost.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import TYPE_CHECKING

from citywatch.bus.local import LocalBus
from citywatch.config import CameraConfig, CitywatchConfig
from citywatch.core.errors import CitywatchError
from citywatch.detect.base import Detector
from citywatch.faces.pipeline import FacePipeline
from citywatch.ingest import CameraSupervisor
from citywatch.pipeline.alerts import AlertPublisher
from citywatch.pipeline.camera import CameraStats, CameraWorker
from citywatch.pipeline.reid_stage import AttributeReader
from citywatch.pipeline.stages import SharedStages, build_stages
from citywatch.reid.association import Associator, IdentityAssociator
from citywatch.reid.base import PersonEmbedder
from citywatch.reid.topology import CameraTopology
from citywatch.store import Store
from citywatch.store.watchlists import FaceRecords
from citywatch.watchlist.matcher import WatchlistMatcher

if TYPE_CHECKING:
    from citywatch.pipeline.live_frames import FrameSink
    from citywatch.plates.reader import PlateReader

log = logging.getLogger("citywatch.pipeline")

# Gait distances between different people are about a fifth of appearance ones (cosine,
# PETS09: 0.11-0.13 against ~0.6, bench/gait_eval.py), so they are scaled up by this before
# being mixed with appearance distances.
GAIT_DISTANCE_SCALE = 0.2


class PipelineRunner:
    def __init__(
        self,
        config: CitywatchConfig,
        store: Store,
        detector: Detector,
        faces: FacePipeline | None = None,
        bus: LocalBus | None = None,
        reid: PersonEmbedder | None = None,
        attributes: AttributeReader | None = None,
        plates: PlateReader | None = None,
        frames: FrameSink | None = None,
        cameras: list[CameraConfig] | None = None,
        run_id: str | None = None,
        associator: Associator | None = None,
    ) -> None:
        """`cameras`: the ones to run (None: every enabled camera of `config`, at least one);
        `associator`: a cluster's shared one (None: this runner's own, when re-ID runs)."""
        if cameras is None:
            cameras = [c for c in config.cameras if c.enabled]
            if not cameras:
                raise CitywatchError("no enabled cameras in the configuration")
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.store = store
        self._config = config
        self._detector = detector
        self._started = False
        self.bus = bus or LocalBus()
        shared = SharedStages(config, self.run_id, store, self.bus, faces=faces, frames=frames)
        self.matcher: WatchlistMatcher | None = None
        if faces is not None:
            records = FaceRecords(store)
            self.matcher = shared.matcher = WatchlistMatcher(
                records, faces.embedder.name, faces.threshold
            )
            self.matcher.reload()
            shared.alerts = AlertPublisher(records, self.bus)
            log.info(
                "faces: %s; watchlist: %d photos, match at distance <= %.2f",
                faces.name,
                self.matcher.size,
                faces.threshold,
            )
        self.associator: Associator | None = None
        if reid is not None:
            self.associator = associator or _associator(config, reid)
            shared.reid, shared.associator, shared.attributes = reid, self.associator, attributes
        if plates is not None:
            from citywatch.pipeline.plate_stage import HotlistWatcher
            from citywatch.store.plates import PlateRecords

            shared.plates, shared.hotlist = plates, HotlistWatcher(PlateRecords(store))
            log.info("plates: %s", plates.name)
        self._shared = shared
        self.workers: list[CameraWorker] = [self._worker(camera) for camera in cameras]

    def _worker(self, camera: CameraConfig, start_index: int = 0) -> CameraWorker:
        self.store.upsert_camera(camera)
        return CameraWorker(
            camera,
            CameraSupervisor.from_config(camera, start_index=start_index),
            self._detector,
            self._config.tracker,
            self.store,
            self.run_id,
            thumbnails=self._config.storage.thumbnails,
            stages=build_stages(camera, self._shared),
        )

    def start(self) -> PipelineRunner:
        self._started = True
        for worker in self.workers:
            worker.supervisor.start()
            worker.start()
        log.info("run %s: %d camera(s) started", self.run_id, len(self.workers))
        return self

    def add_camera(self, camera: CameraConfig, start_index: int = 0) -> CameraWorker:
        """Run one more camera (started at once if the runner is), from frame `start_index`
        of recorded media."""
        if any(w.camera.id == camera.id and not w.done for w in self.workers):
            raise CitywatchError(f"camera {camera.id} already runs here")
        worker = self._worker(camera, start_index)
        self.workers.append(worker)
        if self._started:
            worker.supervisor.start()
            worker.start()
        return worker

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


def reid_threshold(config: CitywatchConfig, embedder: PersonEmbedder) -> float:
    return config.reid.match_distance or embedder.default_threshold


def _associator(config: CitywatchConfig, embedder: PersonEmbedder) -> IdentityAssociator:
    associator = identity_associator(config, reid_threshold(config, embedder))
    log.info(
        "re-ID: %s; tracks joined across cameras at distance <= %.2f (%s)",
        embedder.name,
        associator.threshold,
        "configured neighbours" if associator.topology.configured else "no topology: any camera",
    )
    return associator


def identity_associator(config: CitywatchConfig, threshold: float) -> IdentityAssociator:
    """Cross-camera association over the configured cameras' topology."""
    from citywatch.store.people import new_identity_id

    topology = CameraTopology(
        config.cameras, config.reid.unlinked_window_s, config.reid.same_camera_gap_s
    )
    return IdentityAssociator(
        topology,
        threshold,
        new_identity_id,
        gait_weight=config.reid.gait_weight if config.gait.enabled else 0.0,
        gait_scale=GAIT_DISTANCE_SCALE,
    )
