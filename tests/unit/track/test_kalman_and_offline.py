import numpy as np

from citywatch.core.detections import Detections
from citywatch.track.kalman import BoxKalman
from citywatch.track.offline import TrackLog


def test_kalman_learns_a_constant_velocity():
    kalman = BoxKalman(np.array([0, 0, 20, 40]))
    for t in range(1, 15):
        kalman.predict()
        kalman.update(np.array([3 * t, 0, 3 * t + 20, 40]))
    kalman.predict()
    assert np.allclose(kalman.xyxy, [45, 0, 65, 40], atol=1.0)
    kalman.predict(dt=2.0)  # two frames ahead when one was skipped
    assert abs(kalman.xyxy[0] - 51) < 1.5


def test_gaps_are_filled_on_a_straight_line_only_when_short():
    log = TrackLog()
    for frame in (1, 2, 5, 20):
        x = 10.0 * frame
        log.add(frame, Detections.create([[x, 0, x + 10, 30]], [0.8], [0], tracker_id=[7]))
    boxes = log.interpolated(max_gap=3)
    frames = [b.frame for b in boxes]
    assert frames == [1, 2, 3, 4, 5, 20]  # 3 and 4 filled; the 14-frame gap is left alone
    filled = [b for b in boxes if b.interpolated]
    assert np.allclose(filled[0].xyxy, [30, 0, 40, 30]) and np.allclose(
        filled[1].xyxy, [40, 0, 50, 30]
    )
    assert [b.frame for b in log.interpolated(max_gap=0)] == [1, 2, 5, 20]
