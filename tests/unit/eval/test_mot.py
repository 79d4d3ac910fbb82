from pathlib import Path

import motmetrics as mm
import numpy as np
import pytest

from citywatch.core.errors import UsageError
from citywatch.eval.mot import evaluate_mot
from citywatch.eval.motfile import read_mot

GT = """1,1,0,0,10,20,1,-1,-1,-1
1,2,50,0,10,20,1,-1,-1,-1
2,1,2,0,10,20,1,-1,-1,-1
2,2,48,0,10,20,1,-1,-1,-1
3,1,4,0,10,20,1,-1,-1,-1
3,2,46,0,10,20,1,-1,-1,-1
3,3,100,100,10,20,0,-1,-1,-1
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_perfect_tracks_score_one(tmp_path):
    gt = read_mot(write(tmp_path, "gt.txt", GT))
    s = evaluate_mot(gt, gt.select(gt.conf != 0))
    assert s.mota == pytest.approx(1.0) and s.idf1 == pytest.approx(1.0) and s.hota > 0.99
    assert s.gt_ids == 2 and s.id_switches == 0


def test_swap_miss_and_ignore_regions(tmp_path):
    gt = read_mot(write(tmp_path, "gt.txt", GT))
    res_text = GT.replace("3,1,4,0", "3,2,4,0").replace(
        "3,2,46,0", "3,1,46,0"
    )  # ids swap at frame 3
    res_text = res_text.replace(
        "3,3,100,100,10,20,0", "3,9,100,100,10,20,1"
    )  # a box on the ignored person
    res = read_mot(write(tmp_path, "res.txt", res_text))
    regions = evaluate_mot(gt, res, ignore="regions")
    dropped = evaluate_mot(gt, res, ignore="drop")
    assert regions.id_switches == 2 and regions.false_positives == 0
    assert dropped.false_positives == 1  # the ignored person's box is now a false positive
    assert regions.mota == pytest.approx(1 - 2 / 6)
    assert dropped.mota == pytest.approx(1 - 3 / 6)


def test_mota_agrees_with_motmetrics_on_real_ground_truth(data_dir):
    """Two libraries, one answer: TrackEval's MOTA equals py-motmetrics' on a perturbed GT."""
    gt = read_mot(data_dir / "tracking/tud_campus/gt/gt.txt")
    rng = np.random.default_rng(0)
    keep = rng.random(len(gt)) > 0.1  # 10 % misses
    res = gt.select(keep)
    res = type(res)(res.frame, res.track_id, res.xywh + rng.normal(0, 2, res.xywh.shape), res.conf)
    ours = evaluate_mot(gt, res, ignore="drop")
    acc = mm.MOTAccumulator(auto_id=False)
    for t in range(1, int(gt.frame.max()) + 1):
        g, r = gt.select(gt.frame == t), res.select(res.frame == t)
        acc.update(
            g.track_id, r.track_id, mm.distances.iou_matrix(g.xywh, r.xywh, max_iou=0.5), frameid=t
        )
    theirs = mm.metrics.create().compute(acc, metrics=["mota", "idf1"], name="x")
    assert ours.mota == pytest.approx(float(theirs["mota"].iloc[0]), abs=1e-6)
    assert ours.idf1 == pytest.approx(float(theirs["idf1"].iloc[0]), abs=1e-6)


def test_read_mot_scales_and_rejects_garbage(tmp_path):
    rows = read_mot(write(tmp_path, "gt.txt", "1,1,10,20,30,40,1,-1,-1,-1\n"), scale=0.5)
    assert np.allclose(rows.xywh[0], [5, 10, 15, 20])
    with pytest.raises(UsageError, match="not a MOT line"):
        read_mot(write(tmp_path, "bad.txt", "hello,world\n"))
    with pytest.raises(UsageError, match="not found"):
        read_mot(tmp_path / "missing.txt")
