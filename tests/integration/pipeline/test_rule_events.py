"""Rule events through the live pipeline: stored with evidence clips and published on the bus.

traffic/input_video.mp4 (640x352): eight cars come down the near lane and cross a line drawn
across the road at y = 230 (counted by eye, see tests/integration/rules/test_rules_footage.py).
A person model and a vehicle model run together; the camera has a counting line and a
red-light rule on a timetable that is red from 6.3 s to 12 s, when the pickup and the white
SUV cross.
"""

from __future__ import annotations

import time

import av

from citywatch.bus import LocalBus
from citywatch.bus.messages import COUNTS_TOPIC, EVENTS_TOPIC
from citywatch.config import parse_config
from citywatch.detect import create_detector
from citywatch.models import ModelRegistry
from citywatch.pipeline.runner import PipelineRunner
from citywatch.store import open_store


def test_line_crossings_and_red_light_offences_are_stored_with_clips(data_dir, model_dir, tmp_path):
    detector = create_detector(
        parse_config({"detector": {"extra_models": ["vehicle-detection-0201"]}}).detector,
        ModelRegistry(model_dir),
    )
    phases = [
        {"state": "green", "duration_s": 5.3},
        {"state": "amber", "duration_s": 1.0},
        {"state": "red", "duration_s": 5.7},
        {"state": "green", "duration_s": 60.0},
    ]
    config = parse_config(
        {
            "detector": {"extra_models": ["vehicle-detection-0201"]},
            "faces": {"enabled": False},
            "reid": {"enabled": False},
            "storage": {"clip_pre_s": 1.0, "clip_post_s": 1.0},
            "cameras": [
                {
                    "id": "road",
                    "source": str(data_dir / "video/traffic/input_video.mp4"),
                    "fps": 8,
                    "queue_size": 1024,  # a file read at full speed: keep every sampled frame
                    "lines": [
                        {"name": "stop", "points": [[230, 230], [560, 230]], "direction": "a_to_b"}
                    ],
                    # The timetable starts with the clip: the file's frames are stamped from
                    # the moment it opens, a fraction of a second after this.
                    "signals": [
                        {"type": "schedule", "name": "plan", "phases": phases, "epoch": time.time()}
                    ],
                    "rules": [
                        {
                            "type": "line_crossing",
                            "name": "count",
                            "line": "stop",
                            "classes": ["vehicle"],
                        },
                        {
                            "type": "red_light",
                            "name": "red",
                            "signal": "plan",
                            "line": "stop",
                            "classes": ["vehicle"],
                        },
                    ],
                }
            ],
        }
    )
    store = open_store(None, tmp_path)
    bus = LocalBus()
    published = bus.subscribe(EVENTS_TOPIC, maxsize=100)
    counts = bus.subscribe(COUNTS_TOPIC, maxsize=1000)
    runner = PipelineRunner(config, store, detector, bus=bus)
    epoch = config.cameras[0].signals[0].epoch
    runner.start()
    runner.wait(timeout=120)
    runner.stop()
    try:
        events = store.events(limit=100)
        crossings = [e for e in events if e.rule == "count"]
        assert 7 <= len(crossings) <= 9
        assert max(e.values["counts"]["a_to_b"] for e in crossings) == len(crossings)
        for event in crossings:
            assert event.clip_path is not None and event.thumbnail_path is not None
            clip = tmp_path / event.clip_path
            assert clip.is_file()
            with av.open(str(clip)) as container:
                assert sum(1 for _ in container.decode(video=0)) >= 8  # ~1 s either side at 8 fps
        offences = [e for e in events if e.rule == "red"]
        assert 1 <= len(offences) <= 3  # the pickup and the white SUV, by eye
        for event in offences:
            assert event.values["offence"] is True and event.values["signal_state"] == "red"
            assert 5.3 <= event.values["crossed_at"] - epoch <= 13.0
            assert event.clip_path is not None
        messages = [m.payload for m in published.drain()]
        assert {m.event.rule for m in messages} >= {"count"}
        assert len(messages) == len(events)
        assert any(m.payload.objects.get("vehicle", 0) >= 1 for m in counts.drain())
    finally:
        store.close()
