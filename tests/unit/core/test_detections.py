import numpy as np
import pytest

from citywatch.core.boxes import box_iou, nms, xywh_to_xyxy, xyxy_to_xywh
from citywatch.core.detections import NO_TRACK, Detections


def make(n: int = 3) -> Detections:
    xyxy = np.array([[0, 0, 10, 20], [5, 5, 15, 25], [100, 100, 110, 130]][:n], dtype=np.float32)
    return Detections.create(
        xyxy, np.array([0.9, 0.5, 0.3][:n]), np.zeros(n), data={"k": np.arange(n)}
    )


def test_create_fills_untracked_ids_and_validates_shapes():
    d = make()
    assert len(d) == 3
    assert (d.tracker_id == NO_TRACK).all()
    with pytest.raises(ValueError, match="confidence"):
        Detections.create(np.zeros((2, 4)), np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="data"):
        Detections.create(np.zeros((2, 4)), np.zeros(2), np.zeros(2), data={"x": np.zeros(3)})


def test_mask_and_index_select_rows_with_their_data():
    d = make()
    high = d[d.confidence > 0.4]
    assert len(high) == 2 and list(high.data["k"]) == [0, 1]
    one = d[2]
    assert len(one) == 1 and one.data["k"][0] == 2
    assert [len(x) for x in d] == [1, 1, 1]


def test_concat_and_derived_geometry():
    d = Detections.concat([make(2), make(1), Detections.empty().with_data(k=np.zeros(0))])
    assert len(d) == 3
    assert np.allclose(d.xywh[0], [0, 0, 10, 20])
    assert np.allclose(d.area[:2], [200, 200])
    assert np.allclose(d.bottom_center[0], [5, 20])
    clipped = Detections.create([[-5, -5, 50, 50]], [1.0], [0]).clip(20, 30)
    assert np.allclose(clipped.xyxy[0], [0, 0, 20, 30])


def test_box_iou_and_nms():
    a = np.array([[0, 0, 10, 10]], dtype=np.float32)
    b = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30]], dtype=np.float32)
    assert np.allclose(box_iou(a, b)[0], [1.0, 50 / 150, 0.0])
    assert box_iou(a, np.zeros((0, 4))).shape == (1, 0)
    keep = nms(b, np.array([0.5, 0.9, 0.1]), iou_threshold=0.3)
    assert list(keep) == [1, 2]  # the 0.5 box overlaps the 0.9 one by 1/3 and goes
    assert np.allclose(xywh_to_xyxy(xyxy_to_xywh(b)), b)
