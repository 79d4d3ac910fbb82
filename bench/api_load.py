"""What the API answers under load: the event list and a face search, with many clients at once.

- server: a real uvicorn server on 127.0.0.1 (a free port) over the data routers, every request
  as an investigator, over a store of `--events` rule events (three shapes: an intrusion, a
  crowd, a red-light offence; two cameras) and `--sightings` face sightings (synthetic unit
  vectors, a few of them the person's), with real models (OMZ face detection and
  re-identification).
- load: `--clients` clients, each on its own keep-alive connection, each sending its next
  request as soon as the last is answered, for `--duration` seconds. Of every 10 requests a
  client sends, 9 are GET /api/events?limit=50 (a random page; a third of them for one camera)
  and 1 is POST /api/search/face with a real photo. The clients run in a process of their
  own, so they do not take the server's interpreter lock.
- baseline: the same mix from one client for `--baseline-duration` seconds, before the load.
- warm-up (left out of the figures): the first face search, which builds the index, and a few
  of each request.

For each operation: requests, errors (not 2xx, or no answer), p50/p95/p99 of request to
answer in ms and requests a second; and p95 under load / p95 of one client. Without `--out`
the JSON goes to bench/results/api_load.json.

usage: python bench/api_load.py [--duration 30] [--clients 8] [--events 20000]
       [--sightings 20000] [--out FILE]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import uvicorn

from _common import MODELS, emit, require_shared
from api_routes import PHOTOS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from api_seed import IN_CASE, T0, as_role, make_app, make_services, seed_cases  # noqa: E402

from citywatch.api.roles import Role  # noqa: E402
from citywatch.api.services import ApiServices  # noqa: E402
from citywatch.core.classes import ObjectClass  # noqa: E402
from citywatch.core.images import load_image  # noqa: E402
from citywatch.core.records import Event, Sighting, TrackRecord  # noqa: E402
from citywatch.models import ModelRegistry  # noqa: E402

NAME = "api_load"
EVENTS = "events_list"
FACE = "face_search"
FACE_EVERY = 10  # one request in this many is a face search
PAGE = 50
CAMERAS = ("gate", "yard")
PERSON_PHOTO = "obama.jpg"  # whose face is seeded
QUERY_PHOTO = "obama-480p.jpg"  # the photo searched with

# (op, seconds from the phase's start to the request, ms to the answer, HTTP status; 0: none)
Sample = tuple[str, float, float, int]


# -- the store and the server -------------------------------------------------------------------


def seed_events(services: ApiServices, n: int) -> None:
    """`n` rule events, one every 3 s on alternate cameras, of three shapes."""
    thumb = np.full((48, 32, 3), 90, np.uint8)
    for i in range(n):
        camera, t = CAMERAS[i % 2], T0 + 3.0 * i
        shape = i % 3
        if shape == 0:
            event = Event(camera, t, "intrusion", "flowerbed", {"zone": "bed"}, "bench", i,
                          thumbnail=thumb)  # fmt: skip
        elif shape == 1:
            event = Event(camera, t, "crowding", "yard-crowd", {"count": 5 + i % 7}, "bench")
        else:
            values = {"offence": True, "plate": f"AB{i % 100:02d}CDE", "light": "red"}
            event = Event(camera, t, "red_light", "junction-red", values, "bench", i,
                          thumbnail=thumb)  # fmt: skip
        services.store.save_event(event)
    services.store.flush()


def seed_sightings(services: ApiServices, n: int) -> dict[str, Any]:
    """`n` face sightings of the real embedder: unit vectors, every (n // 3)th the person's."""
    faces = services.faces()
    person, _ = faces.main_face(load_image(PHOTOS / PERSON_PHOTO))
    assert person is not None and person.embedding is not None
    name = faces.embedder.name
    dim = int(person.embedding.shape[0])
    rng = np.random.default_rng(0)
    every = max(n // 3, 1)
    for i in range(n):
        vector = person.embedding if i % every == 0 else rng.normal(size=dim)
        vector = np.asarray(vector / np.linalg.norm(vector), np.float32)
        t = T0 + i
        camera = CAMERAS[i % 2]
        track = TrackRecord(camera, "bench-faces", i, ObjectClass.PERSON, t, t + 2, 5)
        face = Sighting(camera, "face", t, t + 2, t + 1, (0, 0, 50, 50), 0.9, None, vector, name)
        services.store.save_track(track, [face])
    services.store.flush()
    return {"embedder": name, "dim": dim}


@contextmanager
def serving(services: ApiServices) -> Iterator[str]:
    """The data routers on a real uvicorn server (a thread of this process); yields its URL."""
    app = make_app(services)
    as_role(app, Role.INVESTIGATOR)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


# -- the clients (in a process of their own) ----------------------------------------------------


def events_params(rng: random.Random, n_events: int) -> dict[str, str | int]:
    """A random page of the list; a third of the time one camera's (half the events)."""
    if rng.random() < 1 / 3:
        pages = max(n_events // len(CAMERAS) // PAGE, 1)
        return {"limit": PAGE, "offset": rng.randrange(pages) * PAGE, "camera": rng.choice(CAMERAS)}
    return {"limit": PAGE, "offset": rng.randrange(max(n_events // PAGE, 1)) * PAGE}


def one_request(
    client: httpx.Client, op: str, rng: random.Random, n_events: int, photo: bytes
) -> int:
    """Sends one request of `op` and reads the whole answer; its status, 0 for none."""
    try:
        if op == FACE:
            answer = client.post(
                "/api/search/face", files={"photo": ("q.jpg", photo)}, data=IN_CASE
            )
        else:
            answer = client.get("/api/events", params=events_params(rng, n_events))
        answer.read()
        return answer.status_code
    except httpx.HTTPError:
        return 0


def run_client(
    index: int, url: str, deadline: float, n_events: int, photo: bytes, origin: float
) -> list[Sample]:
    """One client: requests back to back until `deadline`, one in FACE_EVERY a face search
    (clients start at different points of the cycle, so their face searches are staggered)."""
    rng = random.Random(index)
    samples: list[Sample] = []
    with httpx.Client(base_url=url, timeout=120) as client:
        sent = index
        while time.perf_counter() < deadline:
            op = FACE if sent % FACE_EVERY == 0 else EVENTS
            started = time.perf_counter()
            code = one_request(client, op, rng, n_events, photo)
            samples.append((op, started - origin, (time.perf_counter() - started) * 1000, code))
            sent += 1
    return samples


def warm_up(url: str, n_events: int, photo: bytes) -> dict[str, float]:
    """The first face search (it builds the index) and a few of each request; not counted."""
    rng = random.Random(-1)
    with httpx.Client(base_url=url, timeout=600) as client:
        started = time.perf_counter()
        code = one_request(client, FACE, rng, n_events, photo)
        first_ms = (time.perf_counter() - started) * 1000
        if code != 200:
            raise RuntimeError(f"warm-up face search answered {code}")
        answer = client.post("/api/search/face", files={"photo": ("q.jpg", photo)}, data=IN_CASE)
        found = len(answer.json()["items"])
        for _ in range(3):
            one_request(client, FACE, rng, n_events, photo)
        for _ in range(20):
            if one_request(client, EVENTS, rng, n_events, photo) != 200:
                raise RuntimeError("warm-up event listing failed")
    return {"first_face_search_ms": round(first_ms, 1), "appearances_found": found}


def cpu_s() -> float:
    """CPU seconds this process has used, all its threads (user and system)."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def run_phase(
    url: str, clients: int, duration: float, n_events: int, photo: bytes
) -> tuple[float, list[Sample], float]:
    """`clients` clients at once for `duration` s; the phase's wall time, every request and
    the CPU seconds the clients used."""
    cpu_before = cpu_s()
    origin = time.perf_counter()
    deadline = origin + duration
    results: list[list[Sample]] = [[] for _ in range(clients)]

    def client(i: int) -> None:
        results[i] = run_client(i, url, deadline, n_events, photo, origin)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall_s = time.perf_counter() - origin
    return wall_s, [s for r in results for s in r], cpu_s() - cpu_before


# -- figures ------------------------------------------------------------------------------------


def phase(
    pool: Pool, url: str, clients: int, duration: float, n_events: int, photo: bytes
) -> dict[str, Any]:
    """One phase run by the client process, with the CPU each side used (in cores: CPU
    seconds a second), to show the clients are not what limits the server."""
    server_before = cpu_s()
    wall_s, samples, client_cpu_s = pool.apply(run_phase, (url, clients, duration, n_events, photo))
    out = summarise(wall_s, samples)
    out["cpu_cores"] = {
        "server": round((cpu_s() - server_before) / wall_s, 2),
        "clients": round(client_cpu_s / wall_s, 2),
    }
    return out


def summarise(wall_s: float, samples: list[Sample]) -> dict[str, Any]:
    out: dict[str, Any] = {"wall_s": round(wall_s, 1)}
    for op in (EVENTS, FACE):
        mine = [s for s in samples if s[0] == op]
        ok = np.array([ms for _, _, ms, code in mine if 200 <= code < 300])
        figures: dict[str, Any] = {"requests": len(mine), "errors": len(mine) - len(ok)}
        if len(ok):
            p50, p95, p99 = np.percentile(ok, [50, 95, 99])
            figures |= {
                "p50_ms": round(float(p50), 1),
                "p95_ms": round(float(p95), 1),
                "p99_ms": round(float(p99), 1),
                "max_ms": round(float(ok.max()), 1),
            }
        figures["per_s"] = round(len(mine) / wall_s, 1)
        out[op] = figures
    out["total_per_s"] = round(len(samples) / wall_s, 1)
    return out


def ratio(load: dict[str, Any], single: dict[str, Any], op: str) -> float | None:
    if "p95_ms" not in load[op] or "p95_ms" not in single[op]:
        return None
    return round(load[op]["p95_ms"] / single[op]["p95_ms"], 2)


def measure(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    services = make_services(workdir)
    seed_cases(services.store)  # a face search is made within a case the investigator is in
    services.registry = ModelRegistry(MODELS)
    for camera in services.config.cameras:
        services.store.upsert_camera(camera)
    started = time.perf_counter()
    seed_events(services, args.events)
    model = seed_sightings(services, args.sightings)
    seed_s = time.perf_counter() - started
    photo = (PHOTOS / QUERY_PHOTO).read_bytes()
    try:
        with (
            serving(services) as url,
            multiprocessing.get_context("spawn").Pool(1) as pool,
        ):
            warm = pool.apply(warm_up, (url, args.events, photo))
            single = phase(pool, url, 1, args.baseline_duration, args.events, photo)
            load = phase(pool, url, args.clients, args.duration, args.events, photo)
    finally:
        services.store.close()
    return {
        "config": {
            "clients": args.clients,
            "duration_s": args.duration,
            "baseline_duration_s": args.baseline_duration,
            "events": args.events,
            "sightings": args.sightings,
            "face_search_every": FACE_EVERY,
            "events_page": PAGE,
            "query_photo": QUERY_PHOTO,
            "cpus": os.cpu_count(),
            "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
            **model,
        },
        "seed_s": round(seed_s, 1),
        "warm_up": warm,
        "single_client": single,
        "under_load": load,
        "p95_load_over_single": {op: ratio(load, single, op) for op in (EVENTS, FACE)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--clients", type=int, default=8, help="clients at once under load")
    parser.add_argument("--baseline-duration", type=float, default=15.0, help="one client, s")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--sightings", type=int, default=20_000)
    parser.add_argument("--out", type=Path, help="write the JSON here, not to bench/results")
    args = parser.parse_args()
    if args.duration <= 0 or args.baseline_duration <= 0 or args.clients < 1:
        parser.error("need --duration and --baseline-duration > 0 and --clients >= 1")
    if args.events < 1 or args.sightings < 3:
        parser.error("need --events >= 1 and --sightings >= 3")
    require_shared()
    with tempfile.TemporaryDirectory() as tmp:
        result = measure(args, Path(tmp))
    emit(NAME, result, args.out)


if __name__ == "__main__":
    main()
