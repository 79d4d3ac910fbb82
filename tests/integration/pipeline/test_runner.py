"""The live pipeline on real footage: cameras, shared detector, store, clean stop, reconnects."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from stream_servers import LiveTsServer, encode_mpegts

from citywatch.config import parse_config
from citywatch.detect import create_detector
from citywatch.models import ModelRegistry
from citywatch.pipeline.runner import PipelineRunner
from citywatch.store import open_store


def runner_for(cameras: list[dict], store, model_dir: Path) -> PipelineRunner:
    config = parse_config({"cameras": cameras})
    detector = create_detector(config.detector, ModelRegistry(model_dir))
    return PipelineRunner(config, store, detector)


def test_two_cameras_store_tracks_with_thumbnails(data_dir, model_dir, tmp_path):
    store = open_store(None, tmp_path)
    runner = runner_for(
        [
            {
                "id": "campus",
                "source": str(data_dir / "tracking/tud_campus/img1"),
                "fps": 25,
                "realtime": True,
            },
            {
                "id": "square",
                "source": str(data_dir / "tracking/tud_campus/TUD-Campus.mp4"),
                "fps": 12.5,
                "realtime": True,
            },
        ],
        store,
        model_dir,
    )
    runner.start()
    assert runner.wait(timeout=60)
    runner.stop()
    stats = {s.camera_id: s for s in runner.stats()}
    assert stats["campus"].frames_analysed + stats["campus"].frames_dropped == 71
    assert (
        stats["square"].frames_analysed + stats["square"].frames_dropped == 36
    )  # every other frame
    store.close()

    reopened = open_store(None, tmp_path)
    tracks = reopened.tracks(limit=1000)
    by_camera = {c: [t for t in tracks if t.camera_id == c] for c in ("campus", "square")}
    assert 5 <= len(by_camera["campus"]) <= 15, len(by_camera["campus"])  # 8 people walk through
    assert len(by_camera["square"]) >= 4
    sightings = reopened.sightings(limit=1000)
    assert len(sightings) == len(tracks)
    for sighting in sightings:
        assert sighting.thumbnail_path and (tmp_path / sighting.thumbnail_path).is_file()
    assert all(t.path for t in tracks)
    reopened.close()


def test_clean_stop_stores_every_live_track(data_dir, model_dir, tmp_path):
    store = open_store(None, tmp_path)
    runner = runner_for(
        [
            {
                "id": "pets",
                "source": str(data_dir / "tracking/pets09_s2l1/vtest.mp4"),
                "fps": 10,
                "realtime": True,
                "loop": True,
            }
        ],
        store,
        model_dir,
    )
    runner.start()
    time.sleep(4)
    (worker,) = runner.workers
    assert len(worker.book) >= 3  # several people are mid-walk when we stop
    runner.stop()
    assert len(worker.book) == 0
    stored = runner.stats()[0].tracks_stored
    store.close()
    reopened = open_store(None, tmp_path)
    assert reopened.counts().tracks == stored >= 3
    reopened.close()


@pytest.mark.slow
def test_a_camera_that_drops_and_returns_is_analysed_again(data_dir, model_dir, tmp_path):
    payload = encode_mpegts(data_dir / "tracking/pets09_s2l1/vtest.mp4", frames=300, fps=10)
    server = LiveTsServer(payload, duration=30)
    server.start()
    store = open_store(None, tmp_path)
    try:
        runner = runner_for([{"id": "gate", "source": server.url, "fps": 5}], store, model_dir)
        runner.start()
        deadline = time.monotonic() + 20
        while runner.stats()[0].frames_analysed < 10 and time.monotonic() < deadline:
            time.sleep(0.2)
        before = runner.stats()[0].frames_analysed
        assert before >= 10, runner.stats()
        server.drop()
        time.sleep(2.5)
        server.resume()
        deadline = time.monotonic() + 20
        while runner.stats()[0].frames_analysed < before + 10 and time.monotonic() < deadline:
            time.sleep(0.2)
        after = runner.stats()[0]
        runner.stop()
        assert after.reconnects >= 1
        assert after.frames_analysed >= before + 10, after
    finally:
        server.close()
        store.close()
