"""Run citywatch's detector, tracker and rules over a clip, as a camera worker would.

One pass per clip and camera configuration; the tests then look at the events it gave.
Times in the tests are seconds into the clip (`ClipRun.at`), which is what was read off the
frames by eye.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from citywatch.config import DetectorConfig, TrackerConfig
from citywatch.config.cameras import CameraConfig
from citywatch.core.frame import Frame
from citywatch.core.records import Event
from citywatch.detect import create_detector
from citywatch.ingest import open_source
from citywatch.models import ModelRegistry
from citywatch.rules import RuleStage
from citywatch.track.bytetrack import ByteTracker


@dataclass
class ClipRun:
    events: list[Event]
    counts: dict[str, dict[str, int]]
    frames: int
    wall0: float  # wall time of the clip's start (ts = 0)
    seconds: float  # stream time of the last frame
    track_classes: dict[int, int] = field(default_factory=dict)

    def at(self, event: Event) -> float:
        """Seconds into the clip."""
        return round(event.time - self.wall0, 2)

    def of(self, rule: str) -> list[Event]:
        return [e for e in self.events if e.rule == rule]

    def times(self, rule: str) -> list[float]:
        return [self.at(e) for e in self.of(rule)]


_DETECTORS: dict[tuple[str, float], Any] = {}


def detector_for(model_dir: Path, model: str, score_threshold: float) -> Any:
    key = (model, score_threshold)
    if key not in _DETECTORS:
        config = DetectorConfig(backend="openvino", model=model, score_threshold=score_threshold)
        _DETECTORS[key] = create_detector(config, ModelRegistry(model_dir))
    return _DETECTORS[key]


def run_clip(
    data_dir: Path,
    model_dir: Path,
    clip: str,
    camera: dict[str, Any] | Callable[[float], dict[str, Any]],
    *,
    model: str = "person-detection-0201",
    fps: float = 5.0,
    seconds: float | None = None,
    score_threshold: float = 0.1,
    classes: set[int] | None = None,
    paint: Callable[[Frame], np.ndarray] | None = None,
    plate_lookup: Callable[[int], str | None] | None = None,
) -> ClipRun:
    """Detect, track and apply `camera`'s rules to `clip` at `fps`, up to `seconds` in.

    `camera` may be a function of the clip's start in wall time (for a signal timetable that
    starts with the clip). `paint` may return a changed picture for a frame (a signal head
    drawn in), which is what the detector and the rules then see. `classes` keeps only those
    detector classes.
    """
    detector = detector_for(model_dir, model, score_threshold)
    tracker = ByteTracker(TrackerConfig(), frame_rate=fps)
    stage: RuleStage | None = None
    events: list[Event] = []
    frames = 0
    wall0 = last_ts = 0.0
    track_classes: dict[int, int] = {}
    try:
        with open_source(str(data_dir / clip), "cam", fps=fps) as source:
            for frame in source.frames():
                if seconds is not None and frame.ts > seconds:
                    break
                if paint is not None:
                    frame = dataclasses.replace(frame, image=paint(frame))
                if stage is None:
                    wall0 = frame.wall_time - frame.ts
                    fields = camera(wall0) if callable(camera) else camera
                    config = CameraConfig.model_validate(
                        {"id": "cam", "source": clip, "fps": fps, **fields}
                    )
                    stage = RuleStage(config, "test-run", plate_lookup=plate_lookup)
                detections = detector.detect(frame.image)
                if classes is not None:
                    detections = detections[np.isin(detections.class_id, list(classes))]
                tracks = tracker.update(detections)
                for track_id, class_id in zip(tracks.tracker_id, tracks.class_id, strict=True):
                    track_classes[int(track_id)] = int(class_id)
                events += stage.process(frame, tracks)
                events += stage.finish(tracker.pop_ended())
                frames += 1
                last_ts = frame.ts
        assert stage is not None, f"{clip}: no frames"
        events += stage.finish(tracker.end_all())
    finally:
        if stage is not None:
            stage.close()
    return ClipRun(events, stage.counts(), frames, wall0, last_ts, track_classes)
