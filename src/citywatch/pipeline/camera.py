"""One camera's analysis loop: frames from its queue -> detect -> track -> remember -> store.

It runs in its own thread and takes the newest frames the supervisor queued; when analysis
is slower than the camera, the queue drops old frames (counted) rather than falling behind.
The detector is shared by all cameras (one model in memory, like Frigate's shared detector).
"""

from __future__ import annotations

import logging
import queue as queues
import threading
import time
from dataclasses import dataclass

from citywatch.config.cameras import CameraConfig
from citywatch.config.pipeline import TrackerConfig
from citywatch.core.classes import ObjectClass
from citywatch.detect.base import Detector
from citywatch.ingest import CameraSupervisor, QueueClosed
from citywatch.pipeline.face_stage import FaceStage
from citywatch.pipeline.reid_stage import ReidStage
from citywatch.pipeline.trackbook import TrackBook
from citywatch.store import Store
from citywatch.track.bytetrack import ByteTracker

log = logging.getLogger("citywatch.pipeline")


@dataclass(frozen=True)
class CameraStats:
    camera_id: str
    ingest_state: str
    frames_read: int
    frames_dropped: int
    frames_analysed: int
    reconnects: int
    live_tracks: int
    tracks_stored: int
    analysis_ms: float  # mean detect+track time per analysed frame
    last_error: str | None
    reid_ms_per_track: float = 0.0


class CameraWorker:
    def __init__(
        self,
        camera: CameraConfig,
        supervisor: CameraSupervisor,
        detector: Detector,
        tracker_config: TrackerConfig,
        store: Store,
        run_id: str,
        thumbnails: bool = True,
        faces: FaceStage | None = None,
        reid: ReidStage | None = None,
    ) -> None:
        self.camera = camera
        self.supervisor = supervisor
        self.detector = detector
        self.tracker = ByteTracker(tracker_config, frame_rate=camera.fps)
        self.book = TrackBook(camera.id, run_id, thumbnails=thumbnails)
        self.store = store
        self.faces = faces
        self.reid = reid
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"analyse-{camera.id}", daemon=True)
        self._analysed = 0
        self._stored = 0
        self._busy_s = 0.0
        self.failure: BaseException | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def stats(self) -> CameraStats:
        ingest = self.supervisor.stats
        return CameraStats(
            camera_id=self.camera.id,
            ingest_state=str(ingest.state),
            frames_read=ingest.frames_read,
            frames_dropped=ingest.frames_dropped,
            frames_analysed=self._analysed,
            reconnects=ingest.reconnects,
            live_tracks=len(self.book),
            tracks_stored=self._stored,
            analysis_ms=1000 * self._busy_s / max(self._analysed, 1),
            last_error=ingest.last_error,
            reid_ms_per_track=self.reid.ms_per_track if self.reid is not None else 0.0,
        )

    def _run(self) -> None:
        queue = self.supervisor.queue
        last_ts: float | None = None
        try:
            while not self._stop.is_set():
                try:
                    frame = queue.get(timeout=0.2)
                except QueueClosed:
                    break
                except queues.Empty:  # nothing yet: look at the stop flag again
                    continue
                started = time.perf_counter()
                # Frames the queue dropped widen the step the motion model predicts over.
                dt = 1.0 if last_ts is None else max((frame.ts - last_ts) * self.camera.fps, 0.1)
                last_ts = frame.ts
                detections = self.detector.detect(frame.image)
                tracks = self.tracker.update(detections, dt=dt)
                self.book.observe(frame, tracks)
                if self.faces is not None:
                    self.faces.process(frame, tracks)
                if self.reid is not None:
                    self.reid.process(frame, tracks)
                self._save(self.tracker.pop_ended())
                self._analysed += 1
                self._busy_s += time.perf_counter() - started
        except BaseException as error:  # kept for the runner to report; the camera stops
            self.failure = error
            log.exception("camera %s: analysis failed", self.camera.id)
        finally:
            # A clean stop or the end of a file: every open track is finished and stored.
            self._save(self.tracker.end_all())

    def _save(self, ended: list[int]) -> None:
        faces = self.faces.finish(ended) if self.faces is not None else {}
        if self.reid is not None:
            self.reid.finish(ended)
        for record, sightings in self.book.finish(ended):
            sightings = sightings + faces.get(record.local_id, [])
            appearance = None
            if self.reid is not None and record.class_id == ObjectClass.PERSON:
                appearance = self.reid.appearance(record, sightings)
            self.store.save_track(record, sightings, appearance)
            self._stored += 1
        if self.reid is not None:
            self.reid.discard(ended)
