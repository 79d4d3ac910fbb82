"""The tracker on synthetic scenes where the right answer is known."""

import numpy as np

from citywatch.config.pipeline import TrackerConfig
from citywatch.core.detections import Detections
from citywatch.track.bytetrack import ByteTracker, TrackState


def people(*boxes_scores: tuple[tuple[float, float, float, float], float]) -> Detections:
    if not boxes_scores:
        return Detections.empty()
    boxes = np.array([b for b, _ in boxes_scores], dtype=np.float32)
    scores = np.array([s for _, s in boxes_scores], dtype=np.float32)
    return Detections.create(boxes, scores, np.zeros(len(boxes)))


def walker(x0: float, y0: float, vx: float, t: int) -> tuple[float, float, float, float]:
    x = x0 + vx * t
    return (x, y0, x + 30, y0 + 80)


def test_two_walkers_keep_their_ids_and_tentative_tracks_are_hidden():
    tracker = ByteTracker(TrackerConfig(), frame_rate=10)
    first = tracker.update(people((walker(0, 0, 5, 0), 0.9), (walker(300, 200, -5, 0), 0.9)))
    assert len(first) == 0  # min_hits=2: a track is shown from its second matched frame
    ids = None
    for t in range(1, 30):
        out = tracker.update(people((walker(0, 0, 5, t), 0.9), (walker(300, 200, -5, t), 0.9)))
        assert len(out) == 2
        order = np.argsort(out.xyxy[:, 1])
        now = tuple(out.tracker_id[order])
        ids = ids or now
        assert now == ids


def test_weak_detections_continue_a_track_but_never_start_one():
    tracker = ByteTracker(TrackerConfig(), frame_rate=10)
    for t in range(5):
        tracker.update(people((walker(0, 0, 4, t), 0.9)))
    (track_id,) = tracker.update(people((walker(0, 0, 4, 5), 0.9))).tracker_id
    for t in range(6, 12):  # partly hidden: the detector is unsure, the track carries on
        out = tracker.update(people((walker(0, 0, 4, t), 0.2)))
        assert list(out.tracker_id) == [track_id]
    fresh = ByteTracker(TrackerConfig(), frame_rate=10)
    for t in range(5):
        assert len(fresh.update(people((walker(0, 0, 4, t), 0.3)))) == 0


def test_a_person_hidden_for_a_second_gets_their_id_back():
    tracker = ByteTracker(TrackerConfig(), frame_rate=10)
    for t in range(10):
        out = tracker.update(people((walker(0, 0, 6, t), 0.9)))
    (track_id,) = out.tracker_id
    for _ in range(10, 20):  # a pillar hides them for ten frames
        assert len(tracker.update(people())) == 0
    assert tracker.tracks[0].state is TrackState.LOST
    out = tracker.update(people((walker(0, 0, 6, 20), 0.9)))
    assert list(out.tracker_id) == [track_id]
    assert tracker.pop_ended() == []


def test_tracks_end_after_max_lost_and_on_end_all():
    tracker = ByteTracker(TrackerConfig(max_lost_s=1.0), frame_rate=10)
    for t in range(5):
        out = tracker.update(people((walker(0, 0, 2, t), 0.9), (walker(200, 0, 0, t), 0.9)))
    ids = sorted(out.tracker_id)
    for t in range(5, 17):  # the first walker leaves; 12 frames > 1 s at 10 fps
        tracker.update(people((walker(200, 0, 0, t), 0.9)))
    assert tracker.pop_ended() == [ids[0]]
    assert tracker.end_all() == [ids[1]]
    assert tracker.tracks == []


def test_classes_never_match_each_other():
    tracker = ByteTracker(TrackerConfig(), frame_rate=10)
    box = (10, 10, 50, 100)
    for _ in range(3):
        out = tracker.update(Detections.create([box], [0.9], [0]))
    (person_id,) = out.tracker_id
    for _ in range(3):
        out = tracker.update(Detections.create([box], [0.9], [1]))
    assert person_id not in out.tracker_id


def test_data_columns_follow_their_track():
    tracker = ByteTracker(TrackerConfig(), frame_rate=10)
    for t in range(3):
        d = people((walker(0, 0, 5, t), 0.9)).with_data(tag=np.array([t]))
        out = tracker.update(d)
    assert list(out.data["tag"]) == [2]
