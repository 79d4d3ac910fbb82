"""Live watchlist alert latency and per-stage cost per face, on real footage.

Footage: video/faces_walking.mp4 (people walking towards the camera), shrunk to 960x540 so
faces start small (a wide shot) and grow. Enrolment: face crops from the clip's LAST frame
(a different image of the same people, taken seconds later, larger and in another pose).
Latency: from the first frame in which an enrolled person's face is >= 40 px wide (found by an
offline pass over every frame) to the alert's publication on the bus, in `--runs` live runs
of the real pipeline (file paced in real time, analysed at `--fps`).

usage: python bench/alert_latency.py [--runs 5] [--fps 10]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import av
import cv2
import numpy as np

from _common import DATA, MODELS, emit, require_shared
from citywatch.bus import LocalBus
from citywatch.config import parse_config
from citywatch.detect import create_detector
from citywatch.faces.factory import create_face_pipeline
from citywatch.models import ModelRegistry
from citywatch.pipeline.alerts import ALERTS_TOPIC
from citywatch.pipeline.runner import PipelineRunner
from citywatch.search.footage import faces_in_frame
from citywatch.store import open_store
from citywatch.store.watchlists import FaceRecords, StoredVector
from citywatch.watchlist.enrol import prepare_image
from citywatch.watchlist.matcher import WatchlistMatcher

CLIP = DATA / "video/faces_walking.mp4"
SIZE = (960, 540)
MIN_FACE = 40.0
IDENTITY = 0.6  # loose bound for naming faces in the offline pass (not the alert threshold)


def shrink(clip: Path, out: Path) -> tuple[list[np.ndarray], float]:
    frames = []
    with av.open(str(clip)) as source, av.open(str(out), "w") as sink:
        rate = source.streams.video[0].average_rate
        stream = sink.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = *SIZE, "yuv420p"
        stream.options = {"crf": "20", "preset": "veryfast"}
        for frame in source.decode(video=0):
            image = cv2.resize(frame.to_ndarray(format="bgr24"), SIZE, interpolation=cv2.INTER_AREA)
            frames.append(image)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                sink.mux(packet)
        for packet in stream.encode():
            sink.mux(packet)
    return frames, float(rate)


def enrolment_crops(faces, clip: Path) -> list[np.ndarray]:
    with av.open(str(clip)) as source:
        last = [f.to_ndarray(format="bgr24") for f in source.decode(video=0)][-1]
    crops = []
    for face in faces.analyse(last, embed="none"):
        x1, y1, x2, y2 = face.box
        m = 0.6 * (x2 - x1)
        crop = last[int(max(y1 - m, 0)) : int(y2 + m), int(max(x1 - m, 0)) : int(x2 + m)]
        crops.append(np.ascontiguousarray(crop))
    return crops


def first_big_frames(frames, faces, people, photos) -> dict[int, int]:
    """Per enrolled photo: the first frame index where that person's face is >= 40 px."""
    first: dict[int, int] = {}
    for index, image in enumerate(frames):
        found = faces_in_frame(faces, people, image)
        for face in faces.observe(image, found, embed="all") if len(found) else []:
            distances = [1 - float(np.dot(face.embedding, p.embedding)) for p in photos]
            who = int(np.argmin(distances))
            if distances[who] <= IDENTITY and face.width >= MIN_FACE and who not in first:
                first[who] = index
    return first


def _p95(ordered: list[float]) -> float:
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fps", type=float, default=10.0)
    args = parser.parse_args()
    require_shared()
    work = Path(tempfile.mkdtemp(prefix="cw-bench-alerts-"))
    registry = ModelRegistry(MODELS)
    base = parse_config({})
    faces = create_face_pipeline(base.faces, registry)
    people = create_detector(base.detector, registry)
    video = work / "wide.mp4"
    frames, rate = shrink(CLIP, video)
    photos = [
        prepare_image(faces, crop, f"crop {i}")
        for i, crop in enumerate(enrolment_crops(faces, CLIP))
    ]
    first = first_big_frames(frames, faces, people, photos)
    latencies: list[float] = []
    misses = 0
    match_ms: list[float] = []
    stage_ms: dict[str, list[float]] = {}
    for run in range(args.runs):
        store = open_store(None, work / f"run{run}")
        records = FaceRecords(store)
        entry_of = {
            i: records.add_entry(f"person {i}", "bench", "bench", "bench", time.time() + 3600, [p])
            for i, p in enumerate(photos)
        }
        config = parse_config(
            {"cameras": [{"id": "arcade", "source": str(video), "fps": args.fps, "realtime": True}]}
        )
        bus = LocalBus()
        alerts = bus.subscribe(ALERTS_TOPIC)
        runner = PipelineRunner(config, store, people, faces, bus)
        runner.start()
        runner.wait(timeout=120)
        runner.stop()
        got = {}  # the first alert for each entry (later ones are other tracks of the person)
        for message in alerts.drain():
            got.setdefault(message.payload.alert.entry_id, message.payload)
        for person, index in first.items():
            message = got.get(entry_of[person])
            if message is None:
                misses += 1
                continue
            anchor = message.alert.time - message.alert.frame_index / rate
            latencies.append(message.published_at - (anchor + index / rate))
        store.close()
    # per-stage cost of one face, and of matching it against a 1000-photo watchlist
    for image in frames[::10]:
        persons = people.detect(image)
        persons = persons[persons.confidence >= 0.4]
        if not len(persons):
            continue
        started = time.perf_counter()
        faces.find(image, regions=persons)
        # region detection runs once per person box, whether or not a face is found there
        stage_ms.setdefault("detect_per_person_region", []).append(
            1000 * (time.perf_counter() - started) / len(persons)
        )
        for face in faces.analyse(image, regions=persons, embed="all"):
            for stage, ms in face.timings.items():
                if stage != "detect":  # charged per frame, not per face; measured above
                    stage_ms.setdefault(stage, []).append(ms)
    # matching one face against a 1000-photo watchlist (random unit vectors; no database)
    matcher = WatchlistMatcher(
        FaceRecords(open_store(None, work / "match")),
        faces.embedder.name,
        faces.threshold,
        refresh_s=float("inf"),
    )
    rng = np.random.default_rng(0)
    gallery = rng.normal(size=(1000, photos[0].embedding.size)).astype(np.float32)
    gallery /= np.linalg.norm(gallery, axis=1, keepdims=True)
    matcher.load(
        [StoredVector(i, i, v) for i, v in enumerate(gallery)], {i: str(i) for i in range(1000)}
    )
    for _ in range(200):
        started = time.perf_counter()
        matcher.match(photos[0].embedding)
        match_ms.append(1000 * (time.perf_counter() - started))
    ordered = sorted(latencies)
    emit(
        "alert_latency",
        {
            "footage": f"{CLIP.relative_to(DATA)} shrunk to {SIZE[0]}x{SIZE[1]}, {rate:g} fps",
            "enrolled_from": "face crops of the clip's last frame",
            "people": len(photos),
            "first_frame_face_at_least_40px": {str(k): v for k, v in first.items()},
            "runs": args.runs,
            "analysed_fps": args.fps,
            "alerts_measured": len(latencies),
            "missed": misses,
            "latency_ms_p50": round(1000 * statistics.median(ordered), 1) if ordered else None,
            "latency_ms_p95": round(1000 * _p95(ordered), 1) if ordered else None,
            "latency_ms_all": [round(1000 * v, 1) for v in ordered],
            "ms_per_face_median": {k: round(statistics.median(v), 2) for k, v in stage_ms.items()},
            "match_ms_1000_photos_median": round(statistics.median(match_ms), 3),
            "faces_timed": len(stage_ms.get("embed", [])),
        },
    )


if __name__ == "__main__":
    main()
