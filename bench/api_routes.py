"""What the API's data routes cost: blurring a frame for a viewer, the live feed's latency,
and a face search by photo over a store of face sightings.

- blur: a 1920x1080 frame of real street footage, as JPEG: decode, blur 5 faces and the heads
  of 10 people, encode (what a viewer's snapshot or MJPEG frame costs once per frame; every
  other viewer of that frame shares it), and the same with no boxes known (the whole frame).
- sse: alerts published on the bus to their arrival at an HTTP client of /api/live/alerts,
  over a real uvicorn server (the route polls the bus every 100 ms).
- face search: POST /api/search/face with a real photo, real models (OMZ face detection and
  re-identification), over `--sightings` stored face sightings (synthetic unit vectors, four
  of them the person's), request to answer; the first request builds the index.

usage: python bench/api_routes.py [--sightings 20000] [--runs 30]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import av
import cv2
import httpx
import numpy as np
import uvicorn

from _common import DATA, MODELS, emit, require_shared

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from api_seed import IN_CASE, as_role, clients_for, make_app, make_services, seed_cases  # noqa: E402

from citywatch.api.redaction import redact_jpeg  # noqa: E402
from citywatch.api.roles import Role  # noqa: E402
from citywatch.bus.messages import ALERTS_TOPIC, AlertMessage  # noqa: E402
from citywatch.core.classes import ObjectClass  # noqa: E402
from citywatch.core.images import load_image  # noqa: E402
from citywatch.core.records import Alert, Sighting, TrackRecord  # noqa: E402
from citywatch.models import ModelRegistry  # noqa: E402

STREET = DATA / "video" / "faces_walking.mp4"
PHOTOS = DATA / "faces" / "face_recognition_examples" / "examples"


def stats(values_ms: list[float]) -> dict[str, float]:
    ordered = sorted(values_ms)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
    }


def first_frame_1080p() -> np.ndarray:
    with av.open(str(STREET)) as source:
        frame = next(source.decode(video=0)).to_ndarray(format="bgr24")
    return np.ascontiguousarray(cv2.resize(frame, (1920, 1080), interpolation=cv2.INTER_AREA))


def bench_blur(runs: int) -> dict[str, object]:
    jpeg = cv2.imencode(".jpg", first_frame_1080p(), [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()
    faces = [(200.0 + 300 * i, 300.0, 60.0, 70.0) for i in range(5)]
    persons = [(100.0 + 170 * i, 250.0, 120.0, 400.0) for i in range(10)]
    boxes, whole, codec = [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        redact_jpeg(jpeg, faces, persons)
        boxes.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        redact_jpeg(jpeg, None, None)
        whole.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
        codec.append((time.perf_counter() - started) * 1000)
    return {
        "frame": "1920x1080",
        "jpeg_kb": round(len(jpeg) / 1024, 1),
        "faces_and_heads": {"faces": 5, "persons": 10, **stats(boxes)},
        "whole_frame": stats(whole),
        "decode_encode_only": stats(codec),
    }


def bench_sse(messages: int, workdir: Path) -> dict[str, object]:
    services = make_services(workdir / "sse")
    app = make_app(services)
    as_role(app, Role.VIEWER)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    sent: dict[int, float] = {}
    latencies: list[float] = []
    alert = Alert("gate", 0.0, "run", 1, 1, "x", 0.2, 0.4, "m", (0, 0, 1, 1))

    def publish() -> None:
        while len(services.bus._subscriptions) < 1:
            time.sleep(0.005)
        for i in range(messages):
            sent[i] = time.perf_counter()
            services.bus.publish(ALERTS_TOPIC, AlertMessage(i, alert, time.time()))
            time.sleep(0.013)  # off the poll period, so arrivals spread over it

    publisher = threading.Thread(target=publish)
    with (
        httpx.Client(timeout=30) as client,
        client.stream("GET", f"http://127.0.0.1:{port}/api/live/alerts") as response,
    ):
        publisher.start()
        for line in response.iter_lines():
            if line.startswith("data: "):
                alert_id = json.loads(line[6:])["alert_id"]
                latencies.append((time.perf_counter() - sent[alert_id]) * 1000)
                if len(latencies) == messages:
                    break
    publisher.join()
    server.should_exit = True
    thread.join(timeout=10)
    services.store.close()
    return {"messages": messages, "poll_ms": 100, **stats(latencies)}


def bench_face_search(sightings: int, runs: int, workdir: Path) -> dict[str, object]:
    services = make_services(workdir / "faces")
    seed_cases(services.store)  # a face search is made within a case the investigator is in
    services.registry = ModelRegistry(MODELS)
    store = services.store
    for camera in services.config.cameras:
        store.upsert_camera(camera)
    faces = services.faces()
    name = faces.embedder.name
    person, _ = faces.main_face(load_image(PHOTOS / "obama.jpg"))
    assert person is not None and person.embedding is not None
    rng = np.random.default_rng(0)
    dim = int(person.embedding.shape[0])
    started = time.perf_counter()
    for i in range(sightings + 3):
        vector = person.embedding if i % (sightings // 3) == 0 else rng.normal(size=dim)
        vector = np.asarray(vector / np.linalg.norm(vector), np.float32)
        t = 1_700_000_000.0 + i
        camera = ("gate", "yard")[i % 2]
        track = TrackRecord(camera, "bench", i, ObjectClass.PERSON, t, t + 2, 5)
        face = Sighting(camera, "face", t, t + 2, t + 1, (0, 0, 50, 50), 0.9, None, vector, name)
        store.save_track(track, [face])
    store.flush()
    seed_s = time.perf_counter() - started
    photo = (PHOTOS / "obama-480p.jpg").read_bytes()
    timings: list[float] = []
    found = 0
    for client in clients_for(make_app(services)):
        investigator = client(Role.INVESTIGATOR)
        for run in range(runs + 1):
            started = time.perf_counter()
            answer = investigator.post(
                "/api/search/face", files={"photo": ("q.jpg", photo)}, data=IN_CASE
            )
            elapsed = (time.perf_counter() - started) * 1000
            assert answer.status_code == 200, answer.text
            found = len(answer.json()["items"])
            if run == 0:
                first_ms = elapsed
            else:
                timings.append(elapsed)
    store.close()
    return {
        "sightings": sightings + 3,
        "dim": dim,
        "embedder": name,
        "seed_s": round(seed_s, 1),
        "first_request_ms": round(first_ms, 1),
        "appearances_found": found,
        **stats(timings),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sightings", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    require_shared()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        result = {
            "blur": bench_blur(args.runs),
            "sse": bench_sse(200, workdir),
            "face_search": bench_face_search(args.sightings, args.runs, workdir),
        }
    emit("api_routes", result)


if __name__ == "__main__":
    main()
