"""How fast one machine analyses video, and how many cameras it serves at 5 analysed fps.

1. Decode only: the 1080p street clip through citywatch's file source (BGR frames out).
2. Decode + detect + track of every frame (what `citywatch track` does), in-process.
3. Cameras: N copies of the clip as live cameras (real-time paced, looping, 30 fps decoded,
   5 fps analysed) through the real multi-camera runner for `--seconds`, N rising until a
   camera holds less than 95 % of 5 fps or drops more than 1 % of its sampled frames.

usage: python bench/throughput.py [--repeats 3] [--seconds 20] [--max-cameras 12]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import DATA, MODELS, emit, median, require_shared
from citywatch.config import DetectorConfig, TrackerConfig, parse_config
from citywatch.detect import create_detector
from citywatch.ingest import open_source
from citywatch.models import ModelRegistry
from citywatch.pipeline.file_tracking import track_frames
from citywatch.pipeline.runner import PipelineRunner
from citywatch.store import open_store

CLIP = DATA / "video/street/test.mp4"


def decode_fps(path: Path) -> float:
    with open_source(str(path)) as source:
        started = time.perf_counter()
        count = sum(1 for _ in source.frames())
    return count / (time.perf_counter() - started)


def track_fps(path: Path, detector) -> float:
    with open_source(str(path)) as source:
        started = time.perf_counter()
        run = track_frames(
            source.frames(), detector, TrackerConfig(), frame_rate=source.frame_rate or 30
        )
    return run.frames / (time.perf_counter() - started)


def cameras_run(n: int, seconds: float, work: Path) -> dict:
    cameras = [
        {"id": f"cam{i}", "source": str(CLIP), "fps": 5, "realtime": True, "loop": True}
        for i in range(n)
    ]
    config = parse_config({"cameras": cameras, "storage": {"thumbnails": False}})
    store = open_store(None, work / f"n{n}", thumbnails=False)
    runner = PipelineRunner(config, store, create_detector(config.detector, ModelRegistry(MODELS)))
    runner.start()
    time.sleep(2)  # start-up: opening files, first inference
    first = {s.camera_id: s for s in runner.stats()}
    time.sleep(seconds)
    last = {s.camera_id: s for s in runner.stats()}
    runner.stop()
    store.close()
    per_camera = []
    for camera_id, end in last.items():
        start = first[camera_id]
        analysed = end.frames_analysed - start.frames_analysed
        dropped = end.frames_dropped - start.frames_dropped
        per_camera.append(
            {
                "fps": analysed / seconds,
                "drop_ratio": dropped / max(analysed + dropped, 1),
                "ms": end.analysis_ms,
            }
        )
    worst_fps = min(c["fps"] for c in per_camera)
    worst_drop = max(c["drop_ratio"] for c in per_camera)
    return {
        "cameras": n,
        "worst_camera_fps": round(worst_fps, 2),
        "worst_drop_ratio": round(worst_drop, 4),
        "mean_analysis_ms": round(sum(c["ms"] for c in per_camera) / n, 1),
        "held": worst_fps >= 0.95 * 5 and worst_drop <= 0.01,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--max-cameras", type=int, default=12)
    args = parser.parse_args()
    require_shared()
    detector = create_detector(DetectorConfig(backend="openvino"), ModelRegistry(MODELS))
    decode = [decode_fps(CLIP) for _ in range(args.repeats)]
    full = [track_fps(CLIP, detector) for _ in range(args.repeats)]
    work = Path(tempfile.mkdtemp(prefix="cw-bench-cams-"))
    runs = []
    n = 1
    while n <= args.max_cameras:
        result = cameras_run(n, args.seconds, work)
        runs.append(result)
        if not result["held"]:
            break
        n += 1 if n < 4 else 2
    held = [r["cameras"] for r in runs if r["held"]]
    emit(
        "throughput",
        {
            "clip": str(CLIP.relative_to(DATA)),
            "resolution": "1920x1080",
            "decode_only_fps_median": round(median(decode), 1),
            "decode_only_fps": [round(v, 1) for v in decode],
            "decode_detect_track_fps_median": round(median(full), 1),
            "decode_detect_track_fps": [round(v, 1) for v in full],
            "ratio_full_over_decode": round(median(full) / median(decode), 3),
            "cameras_at_5fps_held": max(held) if held else 0,
            "camera_runs": runs,
            "camera_setup": "30 fps 1080p file paced in real time, looping, analysed at 5 fps",
        },
    )


if __name__ == "__main__":
    main()
