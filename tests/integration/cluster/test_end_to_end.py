"""The same end-to-end test on the embedded default and on Ray + PostgreSQL + Redis.

The demo scene: the astronaut (enrolled from her photograph) walks past the entrance, through
the hall and onto the yard's flowerbed. Either way every frame of the three cameras is
analysed, she raises a watchlist alert on each camera, re-identification joins her tracks
into one identity across the three, the flowerbed rule fires, and the
process that started the run (the API's process) hears every stored alert and event on its bus:
in-process when embedded, over Redis from the camera hosts when on Ray; and the live wall gets
every camera's pictures with the tracked people on them.
"""

from __future__ import annotations

import pytest
from scene_runs import run_scene

from citywatch.bus.messages import ALERTS_TOPIC, EVENTS_TOPIC
from citywatch.store.people import PersonRecords
from citywatch.store.watchlists import FaceRecords

pytestmark = pytest.mark.slow

CAMERAS = {"entrance", "hall", "yard"}
FRAMES = 210  # 21 s at 10 fps, each camera


def test_the_scene_end_to_end(deployment, tmp_path, model_dir):
    run = run_scene(deployment, tmp_path, model_dir)
    store, runner = run.store, run.running.runner
    try:
        assert runner.failures() == []
        stats = {s.camera_id: s for s in runner.stats()}
        assert set(stats) == CAMERAS
        for camera in stats.values():
            assert camera.ingest_state == "finished"
            assert camera.last_frame_index == FRAMES - 1
            # Real time at 10 fps leaves time for every frame, on either deployment.
            assert camera.frames_analysed >= 0.95 * FRAMES, camera

        alerts = FaceRecords(store).alerts()
        assert {a.camera_id for a in alerts} == CAMERAS
        assert {a.entry_name for a in alerts} == {"Eileen Collins (demo)"}
        heard = {a["alert_id"]: a for a in run.heard[ALERTS_TOPIC]}
        assert set(heard) == {a.id for a in alerts}
        assert {heard[a.id]["camera"] for a in alerts} == CAMERAS

        events = store.events(limit=100)
        assert [(e.camera_id, e.rule) for e in events] == [("yard", "keep off the flowerbed")]
        heard_events = [e for e in run.heard[EVENTS_TOPIC] if e.get("type") == "event"]
        assert [(e["camera"], e["rule"], e["run_id"]) for e in heard_events] == [
            ("yard", "keep off the flowerbed", events[0].run_id)
        ]

        # Re-ID follows her from camera to camera: one identity on all three, whichever host
        # ran each camera (on Ray, one association actor serves every host).
        people = PersonRecords(store).identities(limit=100)
        assert max(cameras for *_, cameras in people) == 3, people

        # The live wall has every camera's pictures (a few a second) with the tracked people
        # drawn: from this process, or relayed from the hosts through Redis.
        for camera in CAMERAS:
            assert run.frames.pictures[camera] >= 20, run.frames.pictures
            assert run.frames.with_tracks[camera] >= 5, run.frames.with_tracks

        counts = store.counts()
        assert counts.cameras == 3
        assert counts.tracks >= 3  # at least her track on each camera
    finally:
        store.close()
