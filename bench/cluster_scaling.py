"""Cluster mode's throughput with 1, 2 and 4 Ray camera hosts, against the embedded runner.

Each deployment runs N copies of the 1080p street clip as live cameras (paced in real time,
looping, analysed at `--fps`; detect + track + store, faces and re-ID off so every deployment
does the same work per frame) for `--seconds` after a warm-up, N rising by 2 until a camera
holds less than 95 % of the rate or drops more than 1 % of its frames. The most cameras held
times the rate is the deployment's held throughput (analysed frames a second without drops).

- embedded: the default runner in this process (SQLite, one detector), the baseline.
- ray-W: W camera hosts and W detector servers (batch 8, 5 ms) on a Ray started here with
  this machine's cores, PostgreSQL (`--database-url`, a schema of its own, dropped afterwards)
  and the Redis bus (`--redis-url`). Actors ask for 0.25 CPU each, so all fit on 2 cores.

Failover: ray-2 with 4 cameras; after the warm-up the process of host 0 is killed (SIGKILL)
and the run reports when the head noticed, when every moved camera was analysing again on the
other host (as its heartbeats show, so up to one heartbeat late), and at which frame.

Scaling efficiency = held(ray-W) / (W x held(ray-1)); `vs_embedded` = held(ray-W) / held
(embedded). On a 2-core machine both show what the process split costs, not what more nodes
buy: more hosts than cores only add processes competing for the same two.

usage: python bench/cluster_scaling.py [--seconds 15] [--fps 5] [--max-cameras 16]
       [--workers 1,2,4] [--database-url URL] [--redis-url URL]
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from _common import DATA, MODELS, emit, require_shared
from citywatch.bus.local import LocalBus
from citywatch.config import parse_config
from citywatch.models import ModelRegistry
from citywatch.pipeline.service import load_models, start_pipeline
from citywatch.store import open_store_from_config

CLIP = DATA / "video/street/test.mp4"
WARM_UP_S = 4.0


def deployment_config(n: int, fps: float, workers: int, urls: dict[str, str]) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "faces": {"enabled": False},
        "reid": {"enabled": False},
        "storage": {"thumbnails": False},
        "cameras": [
            {"id": f"cam{i}", "source": str(CLIP), "fps": fps, "realtime": True, "loop": True}
            for i in range(n)
        ],
    }
    if workers:
        raw["storage"]["url"] = urls["database"]
        raw["bus"] = {"backend": "redis", "url": urls["redis"], "stream_prefix": urls["prefix"]}
        raw["cluster"] = {
            "backend": "ray",
            "workers": workers,
            "detector_servers": workers,
            "cpus_per_worker": 0.25,
            "cpus_per_detector": 0.25,
        }
    return raw


def cameras_run(
    n: int, fps: float, seconds: float, workers: int, urls: dict[str, str], work: Path
) -> dict[str, Any]:
    config = parse_config(deployment_config(n, fps, workers, urls))
    registry = ModelRegistry(MODELS)
    models = load_models(config, registry)
    store = open_store_from_config(config.storage, work / f"w{workers}-n{n}")
    running = start_pipeline(config, store, models, bus=LocalBus(), model_dir=MODELS)
    try:
        time.sleep(WARM_UP_S)
        first = {s.camera_id: s for s in running.runner.stats()}
        time.sleep(seconds)
        last = {s.camera_id: s for s in running.runner.stats()}
        batches = None
        if workers:
            stats = running.runner.detector_stats()  # type: ignore[union-attr]
            batches = round(sum(s.frames for s in stats) / max(sum(s.batches for s in stats), 1), 2)
    finally:
        running.stop()
        store.close()
    worst_fps, worst_drop = float("inf"), 0.0
    for camera_id, end in last.items():
        start = first.get(camera_id)
        analysed = end.frames_analysed - (start.frames_analysed if start else 0)
        dropped = end.frames_dropped - (start.frames_dropped if start else 0)
        worst_fps = min(worst_fps, analysed / seconds)
        worst_drop = max(worst_drop, dropped / max(analysed + dropped, 1))
    if len(last) < n:
        worst_fps = 0.0  # a camera that never reported held nothing
    return {
        "cameras": n,
        "worst_camera_fps": round(worst_fps, 2),
        "worst_drop_ratio": round(worst_drop, 4),
        "mean_frames_per_batch": batches,
        "held": worst_fps >= 0.95 * fps and worst_drop <= 0.01,
    }


def failover_run(fps: float, urls: dict[str, str], work: Path) -> dict[str, Any]:
    from citywatch.cluster.runner import ClusterRunner

    config = parse_config(deployment_config(4, fps, 2, urls))
    store = open_store_from_config(config.storage, work / "failover")
    models = load_models(config, ModelRegistry(MODELS))
    running = start_pipeline(config, store, models, bus=LocalBus(), model_dir=MODELS)
    runner = running.runner
    assert isinstance(runner, ClusterRunner)
    try:
        time.sleep(WARM_UP_S)
        host = runner.hosts()[0]
        assert host.report is not None
        killed_wall, killed = time.time(), time.monotonic()
        os.kill(host.report.pid, signal.SIGKILL)
        resumed_s = None
        while time.monotonic() - killed < 60 and resumed_s is None:
            time.sleep(0.1)
            if not runner.failovers:
                continue
            stats = {s.camera_id: s for s in runner.stats()}
            moved = runner.failovers[0].moved
            # A moved camera shows in the new host's next report (a heartbeat later).
            if all(
                c in stats and stats[c].last_frame_index >= start for c, (_, start) in moved.items()
            ):
                resumed_s = time.monotonic() - killed
        failover = runner.failovers[0]
    finally:
        running.stop()
        store.close()
    return {
        "hosts": 2,
        "cameras": 4,
        "cameras_moved": len(failover.moved),
        "noticed_after_s": round(failover.detected_at - killed_wall, 2),
        "moved_in_s": round(failover.took_s, 3),
        "resumed_after_s": None if resumed_s is None else round(resumed_s, 2),
        "resumed_at_frames": {c: start for c, (_, start) in failover.moved.items()},
    }


def ramp(
    workers: int, fps: float, seconds: float, top: int, urls: dict[str, str], work: Path
) -> dict[str, Any]:
    runs = []
    n = 2
    while n <= top:
        result = cameras_run(n, fps, seconds, workers, urls, work)
        runs.append(result)
        logging.getLogger("bench").warning("%s: %s", workers or "embedded", result)
        if not result["held"]:
            break
        n += 2
    held = max((r["cameras"] for r in runs if r["held"]), default=0)
    return {"cameras_held": held, "held_fps": held * fps, "runs": runs}


def schema_url(base: str) -> tuple[str, str]:
    schema = f"bench_cluster_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema},public"})
    return url.render_as_string(hide_password=False), schema


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--fps", type=float, default=5.0)
    parser.add_argument("--max-cameras", type=int, default=16)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--database-url", default=os.environ.get("CITYWATCH_TEST_POSTGRES_URL"))
    parser.add_argument("--redis-url", default=os.environ.get("CITYWATCH_TEST_REDIS_URL"))
    args = parser.parse_args()
    require_shared()
    if not args.database_url or not args.redis_url:
        raise SystemExit("bench: --database-url and --redis-url (PostgreSQL, Redis) are needed")
    import ray

    ray.init(include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
    database, schema = schema_url(args.database_url)
    urls = {"database": database, "redis": args.redis_url, "prefix": f"bench-{schema}"}
    work = Path(tempfile.mkdtemp(prefix="cw-bench-cluster-"))
    try:
        results = {"embedded": ramp(0, args.fps, args.seconds, args.max_cameras, urls, work)}
        for workers in [int(w) for w in args.workers.split(",")]:
            results[f"ray-{workers}"] = ramp(
                workers, args.fps, args.seconds, args.max_cameras, urls, work
            )
        failover = failover_run(args.fps, urls, work)
    finally:
        ray.shutdown()
        engine = create_engine(args.database_url)
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
    one = results.get("ray-1", {}).get("held_fps") or 0
    base = results["embedded"]["held_fps"] or 0
    summary = {}
    for name, result in results.items():
        if name == "embedded":
            continue
        workers = int(name.split("-")[1])
        summary[name] = {
            "held_fps": result["held_fps"],
            "scaling_efficiency": round(result["held_fps"] / (workers * one), 3) if one else None,
            "vs_embedded": round(result["held_fps"] / base, 3) if base else None,
        }
    emit(
        "cluster_scaling",
        {
            "clip": str(CLIP.relative_to(DATA)),
            "camera_setup": f"1080p 30 fps file paced in real time, looping, analysed at "
            f"{args.fps:g} fps; detect + track + store",
            "cores": os.cpu_count(),
            "seconds_per_run": args.seconds,
            "embedded_held_fps": base,
            "ray": summary,
            "failover": failover,
            "deployments": results,
        },
    )


if __name__ == "__main__":
    main()
