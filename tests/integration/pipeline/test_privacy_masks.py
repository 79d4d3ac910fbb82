"""Privacy masks on the live pipeline (real footage, real detector): nobody inside a camera's
mask is detected or stored, and the masked area is black in thumbnails and live frames."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from citywatch.api.frames import LatestFrames
from citywatch.config import parse_config
from citywatch.detect import create_detector
from citywatch.models import ModelRegistry
from citywatch.pipeline.runner import PipelineRunner
from citywatch.store import open_store

MASK_RIGHT = 320  # TUD-Campus is 640x480; the mask is its left half
LEFT_HALF = [[0, 0], [MASK_RIGHT, 0], [MASK_RIGHT, 480], [0, 480]]


def run(data_dir: Path, model_dir: Path, data: Path, masks: list) -> LatestFrames:
    config = parse_config(
        {
            "cameras": [
                {
                    "id": "campus",
                    "source": str(data_dir / "tracking/tud_campus/img1"),
                    "fps": 25,
                    "queue_size": 128,  # holds every frame: none dropped, the same each run
                    "privacy_masks": masks,
                }
            ]
        }
    )
    store = open_store(None, data)
    frames = LatestFrames()
    runner = PipelineRunner(
        config, store, create_detector(config.detector, ModelRegistry(model_dir)), frames=frames
    )
    runner.start()
    try:
        assert runner.wait(timeout=120)
    finally:
        runner.stop()
        store.close()
    return frames


def inside_share(box: tuple[float, float, float, float]) -> float:
    """How much of an (x, y, w, h) box lies left of the mask's edge."""
    x, _, w, _ = box
    return float(np.clip((MASK_RIGHT - x) / max(w, 1e-6), 0.0, 1.0))


def test_nobody_inside_a_mask_is_detected_or_stored_and_the_mask_is_black(
    data_dir: Path, model_dir: Path, tmp_path: Path
) -> None:
    # Without the mask, people stand and walk in the left half (the control).
    run(data_dir, model_dir, tmp_path / "open", [])
    store = open_store(None, tmp_path / "open")
    open_sightings = store.sightings(limit=1000)
    store.close()
    assert sum(inside_share(s.box) > 0.8 for s in open_sightings) >= 2

    frames = run(data_dir, model_dir, tmp_path / "masked", [LEFT_HALF])
    store = open_store(None, tmp_path / "masked")
    sightings = store.sightings(limit=1000)
    tracks = store.tracks(limit=1000)
    store.close()
    assert sightings, "people in the right half are still tracked"
    # Nothing stored is mostly inside the mask (a person crossing its edge shows half a body).
    assert all(inside_share(s.box) < 0.5 for s in sightings), [s.box for s in sightings]
    for track in tracks:
        assert all(p.x > MASK_RIGHT - 40 for p in track.path), track.path

    # Thumbnails: the part of a crop that lies in the mask is black.
    checked = 0
    for sighting in sightings:
        x, _, w, _ = sighting.box
        if not sighting.thumbnail_path:
            continue
        thumbnail = cv2.imread(str(tmp_path / "masked" / sighting.thumbnail_path))
        assert thumbnail is not None
        # The crop (pipeline/trackbook.py: 10 % margin), scaled to the stored thumbnail's size.
        left, right = max(0, int(x - 0.1 * w)), min(640, int(np.ceil(x + 1.1 * w)))
        scale = thumbnail.shape[1] / (right - left)
        masked_columns = int((MASK_RIGHT - left) * scale) - 1  # JPEG bleeds over the edge
        if masked_columns < 2:
            continue
        assert thumbnail[:, :masked_columns].mean() < 6, sighting.box
        checked += 1

    # The live frame the API would show: the left half black, the right half a picture.
    latest = frames.get("campus")
    assert latest is not None
    image = cv2.imdecode(np.frombuffer(latest.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (480, 640, 3)
    assert image[:, : MASK_RIGHT - 2].mean() < 3
    assert image[:, MASK_RIGHT + 2 :].std() > 20
    print(f"{len(sightings)} sightings, {checked} thumbnails crossing the mask's edge checked")
