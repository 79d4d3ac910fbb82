"""Real crops of the eye-labelled identities (PETS09-S2L1, TUD-Campus) and the OMZ models.

Crops are chosen as bench/attributes_eval.py chooses them (8 ground-truth boxes spread over
each track, inside the frame), then every other one, as its 4-crop figures are measured.
"""

from __future__ import annotations

import csv
from pathlib import Path

import av
import numpy as np
import pytest

from citywatch.eval.motfile import read_mot
from citywatch.models import ModelRegistry

LABELS = Path(__file__).resolve().parents[2] / "data/attributes/eye_labels.tsv"
SEQUENCES = {
    "pets09_s2l1": ("tracking/pets09_s2l1/vtest.mp4", "tracking/pets09_s2l1/gt/gt.txt", 0.625),
    "tud_campus": ("tracking/tud_campus/TUD-Campus.mp4", "tracking/tud_campus/gt/gt.txt", 1.0),
}


@pytest.fixture(scope="session")
def registry(model_dir: Path) -> ModelRegistry:
    return ModelRegistry(model_dir)


@pytest.fixture(scope="session")
def eye_labels() -> dict[tuple[str, int], dict[str, str]]:
    lines = [line for line in LABELS.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    return {(r["dataset"], int(r["track_id"])): r for r in csv.DictReader(lines, delimiter="\t")}


@pytest.fixture(scope="session")
def labelled_crops(data_dir: Path) -> dict[tuple[str, int], list[np.ndarray]]:
    out = {}
    for dataset, (video, gt_path, scale) in SEQUENCES.items():
        for track_id, crops in _track_crops(data_dir / video, data_dir / gt_path, scale).items():
            out[(dataset, track_id)] = crops[::2]
    return out


def _track_crops(video: Path, gt_path: Path, scale: float) -> dict[int, list[np.ndarray]]:
    gt = read_mot(gt_path, scale)
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        height, width = stream.height, stream.width
        chosen = {}
        for track_id in np.unique(gt.track_id):
            rows = gt.select((gt.track_id == track_id) & (gt.conf > 0))
            x, y, w, h = rows.xywh.T
            inside = np.flatnonzero((x >= 0) & (y >= 0) & (x + w <= width) & (y + h <= height))
            chosen[int(track_id)] = rows.select(
                inside[np.linspace(0, len(inside) - 1, min(8, len(inside))).astype(int)]
            )
        wanted = {int(f) for rows in chosen.values() for f in rows.frame}
        frames = {
            index: frame.to_ndarray(format="bgr24")
            for index, frame in enumerate(container.decode(stream), start=1)
            if index in wanted
        }
    out = {}
    for track_id, rows in chosen.items():
        out[track_id] = [
            frames[int(f)][
                int(round(y)) : int(round(y + h)), int(round(x)) : int(round(x + w))
            ].copy()
            for f, (x, y, w, h) in zip(rows.frame, rows.xywh, strict=True)
        ]
    return out
