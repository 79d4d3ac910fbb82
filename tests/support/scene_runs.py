"""Running the demo scene's three cameras end to end, on either deployment (cluster tests).

`Deployment` says where: `embedded` (SQLite, the in-process bus, cameras in this process, the
default) or `ray` (PostgreSQL in a schema of the test's own, the Redis bus, camera hosts on the
local Ray cluster that `scripts/ray-cluster` starts). `run_scene` starts the pipeline as
`citywatch run` does, with the astronaut enrolled, and collects what the head's bus heard.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from citywatch.api.frames import LatestFrame, LatestFrames
from citywatch.bus.local import LocalBus
from citywatch.bus.messages import ALERTS_TOPIC, EVENTS_TOPIC
from citywatch.bus.payloads import to_payload
from citywatch.bus.redis import start_bridge
from citywatch.config import CitywatchConfig, parse_config
from citywatch.demo.scene import enrol_demo_person, scene_config, write_scene
from citywatch.models import ModelRegistry
from citywatch.pipeline.service import RunningPipeline, load_models, start_pipeline
from citywatch.store import Store, open_store_from_config


@dataclass
class Deployment:
    name: str
    overrides: dict[str, Any] = field(default_factory=dict)


def ray_deployment(request: pytest.FixtureRequest, **cluster: Any) -> Deployment:
    address = request.getfixturevalue("ray_cluster")
    return Deployment(
        "ray",
        {
            "storage": {"url": request.getfixturevalue("postgres_schema_url")},
            "bus": {
                "backend": "redis",
                "url": request.getfixturevalue("redis_url"),
                "stream_prefix": f"test-{uuid.uuid4().hex[:8]}",
            },
            "cluster": {
                "backend": "ray",
                "address": address,
                "workers": 2,
                "cpus_per_worker": 0.5,
                "cpus_per_detector": 0.5,
                "heartbeat_s": 0.5,
                "dead_after_s": 3.0,
                **cluster,
            },
        },
    )


class CountingFrames(LatestFrames):
    """The API's latest-frame store, counting what each camera delivered (and with tracks)."""

    def __init__(self) -> None:
        super().__init__()
        self.pictures: Counter[str] = Counter()
        self.with_tracks: Counter[str] = Counter()

    def put(self, camera_id: str, jpeg: bytes, *args: Any, **kwargs: Any) -> LatestFrame:
        frame = super().put(camera_id, jpeg, *args, **kwargs)
        self.pictures[camera_id] += 1
        self.with_tracks[camera_id] += bool(frame.tracks)
        return frame


@dataclass
class SceneRun:
    config: CitywatchConfig
    store: Store
    running: RunningPipeline
    heard: dict[str, list[dict[str, Any]]]
    frames: CountingFrames


def run_scene(
    deployment: Deployment,
    tmp_path: Path,
    model_dir: Path,
    during: Callable[[RunningPipeline, Store], None] | None = None,
) -> SceneRun:
    """Play the scene once to its end; `during` runs on this thread while the cameras run."""
    raw = scene_config(write_scene(tmp_path / "demo"), loop=False) | deployment.overrides
    config = parse_config(raw, origin=f"demo scene ({deployment.name})")
    models = load_models(config, ModelRegistry(model_dir))
    store = open_store_from_config(config.storage, tmp_path / "data")
    bus = LocalBus()
    topics = {topic: bus.subscribe(topic) for topic in (ALERTS_TOPIC, EVENTS_TOPIC)}
    bridge = start_bridge(config.bus, bus)
    frames = CountingFrames()  # as the API's live wall gets them
    try:
        running = start_pipeline(
            config,
            store,
            models,
            bus=bus,
            before_start=enrol_demo_person,
            model_dir=model_dir,
            frames=frames,
        )
        try:
            if during is not None:
                during(running, store)
            assert running.runner.wait(timeout=240), "the scene did not finish in 4 minutes"
        finally:
            running.stop()
        heard: dict[str, list[dict[str, Any]]] = {topic: [] for topic in topics}
        alerts = store_alert_ids(store)
        deadline = time.monotonic() + 15  # messages from hosts come over Redis
        while time.monotonic() < deadline:
            for topic, subscription in topics.items():
                heard[topic] += [to_payload(m.payload) for m in subscription.drain()]
            if {a["alert_id"] for a in heard[ALERTS_TOPIC]} >= alerts:
                break
            time.sleep(0.2)
    finally:
        if bridge is not None:
            bridge.stop()
    return SceneRun(config, store, running, heard, frames)


def store_alert_ids(store: Store) -> set[int]:
    from citywatch.store.watchlists import FaceRecords

    return {alert.id for alert in FaceRecords(store).alerts()}
