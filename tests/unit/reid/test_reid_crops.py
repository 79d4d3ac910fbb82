"""Which ground-truth boxes become crops, what counts as junk, and track segments."""

from __future__ import annotations

import numpy as np

from citywatch.eval.motfile import MotRows
from citywatch.eval.reid import (
    PETS09,
    CropRule,
    junk_mask,
    overlap_share,
    segments,
    select_boxes,
)


def rows(table: list[list[float]]) -> MotRows:
    """MOT rows from [frame, id, x, y, w, h, conf]."""
    a = np.asarray(table, dtype=np.float64)
    return MotRows(a[:, 0].astype(int), a[:, 1].astype(int), a[:, 2:6], a[:, 6])


def test_small_border_cut_ignored_and_overlapped_boxes_are_left_out():
    boxes = rows(
        [
            [1, 1, 10, 10, 20, 60, 1],  # kept
            [1, 2, 100, 10, 20, 30, 1],  # under 40 px high
            [1, 3, -5, 10, 20, 60, 1],  # cut by the left border
            [1, 4, 190, 10, 20, 60, 1],  # cut by the right border (image 200 wide)
            [1, 5, 300, 10, 20, 60, 0],  # conf 0: not to be evaluated
            [2, 6, 50, 10, 20, 60, 1],  # half covered by id 7
            [2, 7, 60, 10, 40, 60, 1],  # a quarter covered by id 6: kept
            [2, 8, 150, 10, 20, 60, 1],  # covered by the conf-0 box below
            [2, 9, 155, 10, 20, 60, 0],
        ]
    )
    keep = select_boxes(boxes, width=200, height=100, rule=CropRule())
    assert boxes.track_id[keep].tolist() == [1, 7]
    keep = select_boxes(boxes, width=400, height=100, rule=CropRule())  # id 4 now inside
    assert boxes.track_id[keep].tolist() == [1, 4, 7]
    loose = CropRule(min_height_px=20, max_overlap=1.0)
    keep = select_boxes(boxes, width=200, height=100, rule=loose)
    assert boxes.track_id[keep].tolist() == [1, 2, 6, 7, 8]


def test_overlap_share_is_per_frame_and_relative_to_the_own_area():
    boxes = rows([[1, 1, 0, 0, 10, 10, 1], [1, 2, 5, 0, 20, 10, 1], [2, 3, 0, 0, 10, 10, 1]])
    assert overlap_share(boxes).tolist() == [0.5, 0.25, 0.0]


def test_same_person_close_in_time_is_junk_and_others_never_are():
    ids = np.array([1, 1, 1, 2])
    frames = np.array([10, 20, 40, 11])
    junk = junk_mask(ids, frames, frames, gap_frames=14)
    expected = [
        [True, True, False, False],  # itself, and id 1 ten frames later
        [True, True, False, False],
        [False, False, True, False],
        [False, False, False, True],  # a different person right beside is a distractor
    ]
    assert junk.tolist() == expected


def test_junk_gap_of_time_spans_is_zero_when_they_overlap():
    ids = np.array([1, 1, 1])
    starts, ends = np.array([0, 15, 60]), np.array([20, 30, 70])
    junk = junk_mask(ids, starts, ends, gap_frames=35)
    assert junk[0, 1] and junk[1, 0]  # overlapping
    assert junk[1, 2] and junk[2, 1]  # 30 frames apart
    assert not junk[0, 2] and not junk[2, 0]  # 40 frames apart


def test_segments_cut_each_track_in_time_order_and_drop_the_rest():
    ids = np.array([5, 5, 5, 5, 5, 9, 9])
    frames = np.array([50, 10, 40, 20, 30, 1, 2])
    runs = segments(ids, frames, length=2)
    assert [frames[r].tolist() for r in runs] == [[10, 20], [30, 40], [1, 2]]
    assert segments(ids, frames, length=3)[0].tolist() == [1, 3, 4]


def test_pets_ids_of_one_person_map_to_one():
    people = PETS09.person_ids(np.array([1, 19, 2, 13, 7, 15, 8]))
    assert people.tolist() == [1, 1, 2, 2, 7, 8, 8]
