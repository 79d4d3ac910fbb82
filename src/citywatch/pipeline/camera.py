"""One camera's analysis loop: frames from its queue -> detect -> track -> stages -> store.

It runs in its own thread and takes the newest frames the supervisor queued; when analysis
is slower than the camera, the queue drops old frames (counted) rather than falling behind.
The detector is shared by all cameras (one model in memory, like Frigate's shared detector).
The optional stages (`CameraStages`) each see every tracked frame; when tracks end, their
results are stored with the track (faces, appearance, plate), and rule events as they fire.
A camera's privacy masks are blacked out in each frame first, before detection, so nothing in
them is analysed, stored (thumbnails, clips) or shown (live frames).
"""

from __future__ import annotations

import logging
import queue as queues
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from citywatch.config.cameras import CameraConfig
from citywatch.config.pipeline import TrackerConfig
from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections
from citywatch.core.frame import Frame
from citywatch.detect.base import Detector
from citywatch.ingest import CameraSupervisor, QueueClosed
from citywatch.pipeline.trackbook import TrackBook
from citywatch.privacy.masks import PrivacyMask
from citywatch.store import Store
from citywatch.track.bytetrack import ByteTracker

if TYPE_CHECKING:  # stages are built by the runner; a camera without them never imports them
    from citywatch.pipeline.counts import CountPublisher
    from citywatch.pipeline.events import EventRecorder
    from citywatch.pipeline.evidence import ClipRecorder
    from citywatch.pipeline.face_stage import FaceStage
    from citywatch.pipeline.live_frames import LiveFramePublisher
    from citywatch.pipeline.plate_stage import PlateStage
    from citywatch.pipeline.reid_stage import ReidStage
    from citywatch.rules import RuleStage

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
    last_frame_index: int = -1  # the newest frame analysed (where a moved camera resumes)


@dataclass
class CameraStages:
    """What a camera does beyond detect and track; each part is optional."""

    faces: FaceStage | None = None
    reid: ReidStage | None = None
    plates: PlateStage | None = None
    rules: RuleStage | None = None
    events: EventRecorder | None = None  # where rule events go (needed with `rules`)
    clips: ClipRecorder | None = None  # pre-roll for evidence clips (fed every frame)
    counts: CountPublisher | None = None
    live: LiveFramePublisher | None = None  # latest pictures for the API's live view


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
        stages: CameraStages | None = None,
    ) -> None:
        self.camera = camera
        self.supervisor = supervisor
        self.detector = detector
        self.tracker = ByteTracker(tracker_config, frame_rate=camera.fps)
        self.book = TrackBook(camera.id, run_id, thumbnails=thumbnails)
        self.store = store
        self.stages = stages or CameraStages()
        if self.stages.rules is not None and self.stages.events is None:
            raise ValueError("a camera with rules needs an EventRecorder for their events")
        self.faces = self.stages.faces
        self.reid = self.stages.reid
        self.mask = PrivacyMask(camera.privacy_masks) if camera.privacy_masks else None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"analyse-{camera.id}", daemon=True)
        self._analysed = 0
        self._last_index = -1
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
            last_frame_index=self._last_index,
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
                if self.mask is not None:  # before anything looks at the frame
                    frame = self.mask.frame(frame)
                # Frames the queue dropped widen the step the motion model predicts over.
                dt = 1.0 if last_ts is None else max((frame.ts - last_ts) * self.camera.fps, 0.1)
                last_ts = frame.ts
                detections = self.detector.detect(frame.image)
                tracks = self.tracker.update(detections, dt=dt)
                self._process(frame, tracks)
                self._save(self.tracker.pop_ended())
                self._analysed += 1
                self._last_index = frame.index
                self._busy_s += time.perf_counter() - started
        except BaseException as error:  # kept for the runner to report; the camera stops
            self.failure = error
            log.exception("camera %s: analysis failed", self.camera.id)
        finally:
            # A clean stop or the end of a file: every open track is finished and stored.
            self._save(self.tracker.end_all())
            self._close_stages()

    def _process(self, frame: Frame, tracks: Detections) -> None:
        stages = self.stages
        self.book.observe(frame, tracks)
        if stages.clips is not None:
            stages.clips.push(frame)
        if stages.faces is not None:
            stages.faces.process(frame, tracks)
        if stages.reid is not None:
            stages.reid.process(frame, tracks)
        if stages.plates is not None:
            stages.plates.process(frame, tracks)
        if stages.rules is not None and stages.events is not None:
            stages.events.record(stages.rules.process(frame, tracks))
        if stages.counts is not None:
            stages.counts.process(frame, tracks)
        if stages.live is not None:
            stages.live.process(frame, tracks)

    def _save(self, ended: list[int]) -> None:
        stages = self.stages
        # Rules first: a red-light event held for its vehicle's plate is released now, while
        # the plate stage still has that track's votes.
        if stages.rules is not None and stages.events is not None:
            stages.events.record(stages.rules.finish(ended))
        faces = stages.faces.finish(ended) if stages.faces is not None else {}
        plates = stages.plates.finish(ended) if stages.plates is not None else {}
        if stages.reid is not None:
            stages.reid.finish(ended)
        for record, sightings in self.book.finish(ended):
            sightings = sightings + faces.get(record.local_id, [])
            appearance = None
            if stages.reid is not None and record.class_id == ObjectClass.PERSON:
                appearance = stages.reid.appearance(record, sightings)
            plate = plates.get(record.local_id)
            self.store.save_track(record, sightings, appearance, plate)
            self._stored += 1
        if stages.reid is not None:
            stages.reid.discard(ended)

    def _close_stages(self) -> None:
        if self.stages.rules is not None:
            self.stages.rules.close()
        if self.stages.clips is not None:
            self.stages.clips.close()
