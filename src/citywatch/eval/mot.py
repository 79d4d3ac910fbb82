"""MOTA, IDF1 and HOTA of a tracker's MOT file against ground truth, computed by TrackEval.

Ground-truth rows with conf 0 are ignore regions. `ignore="regions"` treats them the way the
MOTChallenge benchmark does: a tracker box that matches an ignored person (IoU >= 0.5) is
neither a hit nor a false positive. `ignore="drop"` only deletes them from the ground truth, so
such boxes count as false positives (what some published figures do; it is harsher).
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

from citywatch.core.boxes import box_iou, xywh_to_xyxy
from citywatch.eval.motfile import MotRows
from citywatch.track.matching import assign

IgnoreMode = Literal["regions", "drop"]


@dataclass(frozen=True)
class MotScores:
    mota: float
    idf1: float
    hota: float
    deta: float
    assa: float
    motp: float
    recall: float
    precision: float
    id_switches: int
    false_positives: int
    misses: int
    gt_ids: int
    tracker_ids: int
    frames: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _sequence_data(gt: MotRows, res: MotRows, ignore: IgnoreMode) -> dict:
    frames = int(max(gt.frame.max(initial=0), res.frame.max(initial=0)))
    gt_ids_all = np.unique(gt.track_id[gt.conf != 0])
    res_ids_all = np.unique(res.track_id)
    gt_index = {int(v): i for i, v in enumerate(gt_ids_all)}
    res_index = {int(v): i for i, v in enumerate(res_ids_all)}
    data: dict = {"gt_ids": [], "tracker_ids": [], "similarity_scores": [], "num_timesteps": frames}
    kept_res_ids: set[int] = set()
    gt_dets = res_dets = 0
    for t in range(1, frames + 1):
        g = gt.select(gt.frame == t)
        r = res.select(res.frame == t)
        g_boxes, r_boxes = xywh_to_xyxy(g.xywh), xywh_to_xyxy(r.xywh)
        ignored = g.conf == 0
        keep_r = np.ones(len(r), dtype=bool)
        if ignore == "regions" and ignored.any() and len(r):
            matches = assign(box_iou(g_boxes, r_boxes), 0.5)
            for gi, ri in matches.pairs:
                if ignored[gi]:
                    keep_r[ri] = False
        g_boxes, g_ids = g_boxes[~ignored], g.track_id[~ignored]
        r_boxes, r_ids = r_boxes[keep_r], r.track_id[keep_r]
        data["gt_ids"].append(np.array([gt_index[int(i)] for i in g_ids], dtype=int))
        data["tracker_ids"].append(np.array([res_index[int(i)] for i in r_ids], dtype=int))
        data["similarity_scores"].append(box_iou(g_boxes, r_boxes).astype(float))
        kept_res_ids.update(int(i) for i in r_ids)
        gt_dets += len(g_ids)
        res_dets += len(r_ids)
    data.update(
        num_gt_ids=len(gt_ids_all),
        num_tracker_ids=len(res_ids_all),
        num_gt_dets=gt_dets,
        num_tracker_dets=res_dets,
    )
    return data


def evaluate_mot(gt: MotRows, res: MotRows, ignore: IgnoreMode = "regions") -> MotScores:
    data = _sequence_data(gt, res, ignore)
    quiet = {"PRINT_CONFIG": False}
    # TrackEval prints on import (optional dataset loaders we do not use) and its config on
    # construction; keep stdout for our results.
    with contextlib.redirect_stdout(io.StringIO()):
        from trackeval.metrics import CLEAR, HOTA, Identity

        clear = CLEAR(quiet).eval_sequence(data)
        identity = Identity(quiet).eval_sequence(data)
        hota = HOTA().eval_sequence(data)
    return MotScores(
        mota=float(clear["MOTA"]),
        idf1=float(identity["IDF1"]),
        hota=float(np.mean(hota["HOTA"])),
        deta=float(np.mean(hota["DetA"])),
        assa=float(np.mean(hota["AssA"])),
        motp=float(clear["MOTP"]),
        recall=float(clear["CLR_Re"]),
        precision=float(clear["CLR_Pr"]),
        id_switches=int(clear["IDSW"]),
        false_positives=int(clear["CLR_FP"]),
        misses=int(clear["CLR_FN"]),
        gt_ids=int(data["num_gt_ids"]),
        tracker_ids=int(data["num_tracker_ids"]),
        frames=int(data["num_timesteps"]),
    )
