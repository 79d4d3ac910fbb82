"""Plates through the live pipeline: a hotlisted plate read on a vehicle track raises an alert.

plates/yolov4_custom_functions/license_plate.mp4 (1280x720, 140 frames): a car with the UK
plate LS15 EBC (read by eye, LABELS.tsv). The vehicle model runs beside the person model; the
plate is voted over the track's reads, stored with the track, and matched against the hotlist.
"""

from __future__ import annotations

import time

from citywatch.bus import LocalBus
from citywatch.bus.messages import PLATE_ALERTS_TOPIC
from citywatch.config import parse_config
from citywatch.detect import create_detector
from citywatch.models import ModelRegistry
from citywatch.pipeline.runner import PipelineRunner
from citywatch.plates.reader import create_plate_reader
from citywatch.store import open_store
from citywatch.store.plates import PlateRecords


def test_a_hotlisted_plate_raises_one_alert_and_is_searchable(data_dir, model_dir, tmp_path):
    config = parse_config(
        {
            "detector": {"extra_models": ["vehicle-detection-0201"]},
            "faces": {"enabled": False},
            "reid": {"enabled": False},
            "cameras": [
                {
                    "id": "street",
                    "source": str(data_dir / "plates/yolov4_custom_functions/license_plate.mp4"),
                    "fps": 10,
                    "queue_size": 1024,
                }
            ],
        }
    )
    registry = ModelRegistry(model_dir)
    store = open_store(None, tmp_path)
    records = PlateRecords(store)
    records.add_hotlist("LS15*", "stolen vehicle", "police request 17", "test", time.time() + 600)
    bus = LocalBus()
    inbox = bus.subscribe(PLATE_ALERTS_TOPIC)
    runner = PipelineRunner(
        config,
        store,
        create_detector(config.detector, registry),
        bus=bus,
        plates=create_plate_reader(config.plates, registry),
    )
    runner.start()
    runner.wait(timeout=120)
    runner.stop()
    try:
        reads = records.search("*")
        assert "LS15EBC" in [r.text for r in reads]
        [read] = [r for r in reads if r.text == "LS15EBC"]
        assert read.votes >= 3 and read.confidence >= 0.8 and read.thumbnail_path
        alerts = records.alerts()
        assert [a.plate for a in alerts] == ["LS15EBC"]  # one alert for the track, not a frame
        assert alerts[0].evidence_path is not None and alerts[0].review == "pending"
        [message] = [m.payload for m in inbox.drain()]
        assert (message.plate, message.reason) == ("LS15EBC", "stolen vehicle")
    finally:
        store.close()
