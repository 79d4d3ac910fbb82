"""Gait on real footage: PETS09-S2L1 frames, ground-truth boxes standing in for the tracker.

The pair: identities 11 and 12 walk side by side across the view from frame ~17 and again
from frame ~297 (same place, direction and light for both, clothes unlike). Each person's
two 4 s stretches, 28 s apart, must be nearer to each other than to the other person's.
This is a clear pair, not a claim about gait in general (bench/gait_eval.py measures that).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from citywatch.config.gait import GaitConfig
from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections
from citywatch.core.frame import Frame
from citywatch.eval.motfile import read_mot
from citywatch.gait import GaitSignature, GaitStage, gait_distance

pytestmark = pytest.mark.slow

# stage track id -> (ground-truth identity, first frame, last frame), MOT frame numbers
STRETCHES = {
    1101: (11, 17, 56),
    1102: (11, 297, 336),
    1201: (12, 22, 61),
    1202: (12, 302, 341),
}


@pytest.fixture(scope="module")
def signatures(data_dir: Path) -> dict[int, GaitSignature]:
    folder = data_dir / "tracking/pets09_s2l1"
    truth = read_mot(folder / "gt/gt.txt", scale=0.625)
    stage = GaitStage(GaitConfig(), "pets")
    capture = cv2.VideoCapture(str(folder / "vtest.mp4"))
    out: dict[int, GaitSignature] = {}
    last = max(end for _, _, end in STRETCHES.values())
    try:
        for number in range(1, last + 1):
            ok, image = capture.read()
            assert ok, f"vtest.mp4 ended at frame {number}"
            rows = np.flatnonzero(truth.frame == number)
            ids = truth.track_id[rows].copy()
            for key, (identity, first, end) in STRETCHES.items():
                ids[(ids == identity) & (first <= number) & (number <= end)] = key
            xywh = truth.xywh[rows]
            tracks = Detections.create(
                np.hstack([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]]),
                np.ones(len(rows)),
                np.full(len(rows), ObjectClass.PERSON),
                tracker_id=ids,
            )
            stage.process(Frame("pets", number - 1, (number - 1) / 10, 0.0, image), tracks)
            ended = [key for key, (_, _, end) in STRETCHES.items() if end == number]
            out.update(stage.finish(ended))
    finally:
        capture.release()
    return out


def test_every_stretch_has_a_signature(signatures):
    assert sorted(signatures) == sorted(STRETCHES)
    for signature in signatures.values():
        assert signature.cycles >= 2
        assert 0.7 <= signature.period_s <= 1.6  # ~0.8-1.0 s on this 7 fps footage played at 10


def test_the_same_walker_is_nearer_than_the_one_beside_them(signatures):
    same_11 = gait_distance(signatures[1101], signatures[1102])
    same_12 = gait_distance(signatures[1201], signatures[1202])
    for other in (1201, 1202):
        assert same_11 < gait_distance(signatures[1101], signatures[other])
        assert same_11 < gait_distance(signatures[1102], signatures[other])
    for other in (1101, 1102):
        assert same_12 < gait_distance(signatures[1201], signatures[other])
        assert same_12 < gait_distance(signatures[1202], signatures[other])
