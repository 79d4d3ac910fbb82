import numpy as np
import pytest
from gait_walkers import swing, walker_mask

from citywatch.config.gait import GaitConfig
from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections
from citywatch.core.frame import Frame
from citywatch.gait import GaitSignature, GaitStage


class _Walkers:
    """A source that sees, in every region, a walker at the phase of the frame counter."""

    name = "fake"

    def __init__(self, period: float = 10.0) -> None:
        self.period = period
        self.frames = 0

    def masks(self, image, regions):
        self.frames += 1
        angle = swing(self.frames, self.period)
        return [walker_mask(int(y2 - y1), int(x2 - x1), angle, 0.85) for x1, y1, x2, y2 in regions]


def frame(index: int, fps: float = 10.0) -> Frame:
    return Frame("cam", index, index / fps, 1000.0 + index / fps, np.zeros((240, 640, 3), np.uint8))


def walking(index: int, track_ids: list[int], classes: list[int] | None = None) -> Detections:
    """People 80 px tall, 200 px apart, walking right at 8 px a frame (1 height/s at 10 fps)."""
    x = 20.0 + 8 * (index % 40)
    boxes = [[x + 200 * k, 60, x + 200 * k + 36, 140] for k in range(len(track_ids))]
    classes = classes or [ObjectClass.PERSON] * len(track_ids)
    return Detections.create(boxes, [0.9] * len(boxes), classes, tracker_id=track_ids)


def test_signature_when_a_long_walk_ends():
    stage = GaitStage(GaitConfig(), "cam", source=_Walkers())
    for index in range(40):
        stage.process(frame(index), walking(index, [7, 8]))
    assert len(stage) == 2 and stage.frame_interval == pytest.approx(0.1)
    out = stage.finish([7, 99])  # 99 was never seen
    assert list(out) == [7]
    signature = out[7]
    assert isinstance(signature, GaitSignature)
    assert abs(signature.period_s - 1.0) < 0.05 and signature.cycles >= 3
    assert len(stage) == 1 and stage.accepted == 80
    assert list(stage.finish_all()) == [8]
    assert len(stage) == 0


def test_ring_bounds_memory_per_track():
    stage = GaitStage(GaitConfig(ring_frames=32), "cam", source=_Walkers())
    for index in range(200):
        stage.process(frame(index), walking(index, [3]))
        assert stage.buffered(3) <= 32
    assert stage.buffered(3) == 32
    assert stage.buffered(4) == 0
    signature = stage.finish([3])[3]  # from the latest 32 frames: three whole cycles
    assert signature.frames_used == 30 and signature.cycles == 3


def test_no_signature_for_too_short_tracks():
    stage = GaitStage(GaitConfig(min_cycles=2), "cam", source=_Walkers())
    for index in range(15):  # 1.5 s: one whole cycle
        stage.process(frame(index), walking(index, [5]))
    assert stage.finish([5]) == {}


def test_only_tracked_people_are_looked_at():
    stage = GaitStage(GaitConfig(), "cam", source=_Walkers())
    for index in range(5):
        tracks = walking(index, [1, 2, -1], [ObjectClass.PERSON, ObjectClass.VEHICLE, 0])
        stage.process(frame(index), tracks)
    assert stage.buffered(1) == 5 and stage.buffered(2) == 0 and len(stage) == 1


def test_overlapping_people_are_not_used():
    stage = GaitStage(GaitConfig(), "cam", source=_Walkers())
    boxes = [[100, 60, 136, 140], [110, 60, 146, 140]]
    for index in range(10):
        tracks = Detections.create(boxes, [0.9, 0.9], [0, 0], tracker_id=[1, 2])
        stage.process(frame(index), tracks)
    assert stage.buffered(1) == 0 and stage.rejected["occluded"] == 20


def test_real_background_source_by_default():
    stage = GaitStage(GaitConfig(warmup_frames=3), "cam")
    assert stage.source.name == "background"
    for index in range(5):
        stage.process(frame(index), walking(index, [1]))
    assert stage.rejected["not_ready"] == 3  # then a black frame: no foreground at all
    assert stage.rejected["empty"] == 2
