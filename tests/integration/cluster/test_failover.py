"""A camera host killed mid-run (SIGKILL, as the kernel or a lost node would): its cameras move
to the other host within seconds and resume where it was; nothing it stored is lost.

The demo scene on two hosts: host 0 runs the entrance and the yard, host 1 the hall. Host 0 is
killed 6 s in, after the entrance alert and before the astronaut reaches the yard, so the yard's
alert and its flowerbed event can only come from host 1 after the move.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
from scene_runs import run_scene

from citywatch.cluster.runner import ClusterRunner
from citywatch.store.watchlists import FaceRecords

pytestmark = pytest.mark.slow

FRAMES = 210
KILL_AFTER_S = 6.0


def test_a_killed_host_loses_nothing_and_its_cameras_resume(ray_only, tmp_path, model_dir):
    before: dict[str, object] = {}

    def kill_host_0(running, store) -> None:  # type: ignore[no-untyped-def]
        runner = running.runner
        assert isinstance(runner, ClusterRunner)
        time.sleep(KILL_AFTER_S)
        host = runner.hosts()[0]
        assert set(host.cameras) == {"entrance", "yard"}
        assert host.report is not None
        store.flush()
        before["alerts"] = {a.id for a in FaceRecords(store).alerts()}
        before["tracks"] = store.counts().tracks
        before["killed_at"] = time.time()
        os.kill(host.report.pid, signal.SIGKILL)

    run = run_scene(ray_only, tmp_path, model_dir, during=kill_host_0)
    store, runner = run.store, run.running.runner
    try:
        assert isinstance(runner, ClusterRunner)
        assert len(runner.failovers) == 1
        failover = runner.failovers[0]
        assert failover.host == 0
        assert set(failover.moved) == {"entrance", "yard"}
        for host, start in failover.moved.values():
            assert host == 1
            assert 0 < start < FRAMES  # after what host 0 reported analysed, not from zero
        # Noticed at the next heartbeat (the dead actor fails its report at once), moved at once.
        assert failover.detected_at - before["killed_at"] < 3.0
        assert failover.took_s < 5.0

        assert runner.failures() == []
        stats = {s.camera_id: s for s in runner.stats()}
        for camera_id, (_, start) in failover.moved.items():
            resumed = stats[camera_id]
            assert resumed.ingest_state == "finished"
            assert resumed.last_frame_index == FRAMES - 1
            assert resumed.frames_read == FRAMES - start  # resumed, not replayed
            assert resumed.frames_analysed >= 0.9 * (FRAMES - start)

        alerts = FaceRecords(store).alerts()
        assert before["alerts"] <= {a.id for a in alerts}  # nothing stored was lost
        assert "entrance" in {a.camera_id for a in alerts if a.id in before["alerts"]}
        yard = [a for a in alerts if a.camera_id == "yard"]
        assert yard and all(a.id not in before["alerts"] for a in yard)  # raised after the move
        assert store.counts().tracks >= before["tracks"]
        events = store.events(limit=100)
        assert [(e.camera_id, e.rule) for e in events] == [("yard", "keep off the flowerbed")]
    finally:
        store.close()
