"""Building each camera's stages from the configuration and what all cameras share.

Models and cross-camera state are made once (`SharedStages`: the face pipeline and watchlist
matcher, the person embedder and the identity association, the plate reader and hotlist);
each camera gets its own stage objects around them (`CameraStages`), because stages keep
per-track state and run on their camera's thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from citywatch.bus.local import LocalBus
from citywatch.config import CameraConfig, CitywatchConfig
from citywatch.pipeline.camera import CameraStages
from citywatch.pipeline.counts import CountPublisher
from citywatch.pipeline.events import EventRecorder
from citywatch.pipeline.face_stage import FaceStage
from citywatch.pipeline.reid_stage import AttributeReader, ReidStage
from citywatch.store import Store

if TYPE_CHECKING:
    from citywatch.faces.pipeline import FacePipeline
    from citywatch.pipeline.alerts import AlertPublisher
    from citywatch.pipeline.live_frames import FrameSink
    from citywatch.pipeline.plate_stage import HotlistWatcher
    from citywatch.plates.reader import PlateReader
    from citywatch.reid.association import Associator
    from citywatch.reid.base import PersonEmbedder
    from citywatch.watchlist.matcher import WatchlistMatcher


@dataclass
class SharedStages:
    config: CitywatchConfig
    run_id: str
    store: Store
    bus: LocalBus
    faces: FacePipeline | None = None
    matcher: WatchlistMatcher | None = None
    alerts: AlertPublisher | None = None
    reid: PersonEmbedder | None = None
    associator: Associator | None = None
    attributes: AttributeReader | None = None
    plates: PlateReader | None = None
    hotlist: HotlistWatcher | None = None
    frames: FrameSink | None = None  # the API's latest pictures, when it runs


def build_stages(camera: CameraConfig, shared: SharedStages) -> CameraStages:
    stages = CameraStages(counts=CountPublisher(camera, shared.bus))
    if shared.frames is not None:
        from citywatch.pipeline.live_frames import LiveFramePublisher

        stages.live = LiveFramePublisher(camera.id, shared.frames)
    if shared.faces is not None:
        stages.faces = FaceStage(
            shared.faces,
            camera.id,
            shared.run_id,
            shared.matcher,
            shared.alerts,
            best_shots=shared.config.faces.best_shots,
        )
    if shared.reid is not None and shared.associator is not None:
        stages.reid = _reid_stage(camera, shared)
    if shared.plates is not None:
        from citywatch.pipeline.plate_stage import PlateStage

        stages.plates = PlateStage(
            shared.plates, camera.id, shared.run_id, shared.hotlist, shared.bus
        )
    if camera.rules:
        from citywatch.pipeline.evidence import ClipRecorder
        from citywatch.rules import RuleStage

        storage = shared.config.storage
        if storage.clips:
            stages.clips = ClipRecorder(
                camera.id,
                shared.store.data_dir,
                pre_s=storage.clip_pre_s,
                post_s=storage.clip_post_s,
                fps=camera.fps,
            )
        plates = stages.plates
        stages.rules = RuleStage(
            camera, shared.run_id, plate_lookup=plates.current if plates is not None else None
        )
        stages.events = EventRecorder(shared.store, shared.bus, stages.clips)
    return stages


def _reid_stage(camera: CameraConfig, shared: SharedStages) -> ReidStage:
    assert shared.reid is not None and shared.associator is not None
    config = shared.config
    gait = None
    if config.gait.enabled:
        from citywatch.gait import GaitStage  # OpenCV's background models: only when asked

        gait = GaitStage(config.gait, camera.id)
    return ReidStage(
        shared.reid,
        shared.associator,
        camera.id,
        shared.run_id,
        best_crops=config.reid.best_crops,
        min_height_px=config.reid.min_height_px,
        min_frames=config.reid.min_frames,
        attributes=shared.attributes,
        gait=gait,
    )
