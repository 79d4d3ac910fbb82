"""Cameras and API together under load: what the cameras hold and what the API answers.

- site: the demo scene (`citywatch demo`'s three clips, 640x360 at 10 fps, made from
  scikit-image pictures), its clips cycled over `--cameras` cameras (entrance-0, hall-1,
  yard-2, entrance-3, ...), each looping at real time; the astronaut in them is enrolled on the
  watchlist from her original photograph, so every camera that shows her raises a watchlist
  alert on each pass of its clip (every 21 s). The yard cameras keep their flowerbed rule.
- server: the HTTP API (the whole app, real sign-in) and the pipeline in one process on one
  store and bus, started by `cli/serve.py: RunningSite` as `citywatch serve` starts them
  (ApiServer on a thread, the retention scheduler, `start_pipeline` with the API's live-frame
  sink and the demo's enrolment before the cameras start), with the configured models
  (detector, faces, re-ID, attributes) from `--model-dir`, else CITYWATCH_MODEL_DIR, else
  ../shared/models. The
  store is seeded with `--events` rule events (the last hour) so event pages have content.
- clients: `--clients` processes, each signed in as an investigator (POST /api/auth/login, a
  bearer token) on its own keep-alive connection, each sending its next request as soon as the
  last is answered. Of every 10 requests a client sends, 5 are GET /api/events?limit=50 (a
  random page; a third for one camera), 4 are GET /api/alerts?limit=50 (a third for one
  camera) and 1 is POST /api/search/face with the astronaut's photograph (within the demo case,
  with a purpose; clients start at different points of the cycle, so searches are staggered).
- warm-up (not counted): every camera analysing, the first face search (it loads the API's
  face models and builds the index) and a few of each request, for at least `--warm-up` s.
- windows, back to back: cameras alone (`--baseline-duration` s, no clients), mixed
  (`--duration` s, cameras and clients), cameras alone again (`--baseline-duration` s); then
  the cameras are stopped and API alone (`--api-baseline-duration` s, the same clients, no
  cameras, the store as the cameras left it). The two camera baselines bracket the mixed
  window; their mean is the baseline (both are shown, and their alerts are pooled).

Figures per window: per camera and overall analysed fps against the configured fps, frames
dropped and drop ratio (deltas of `runner.stats()` over the window), mean analysis ms a frame,
and "held" (every camera >= 95 % of its fps and <= 1 % dropped, as bench/throughput.py);
watchlist alert latency p50/p95/max: the alert's publication on the bus (`AlertMessage.
published_at`, the end point bench/alert_latency.py uses) minus the alert's `time`, the wall
time of the frame that matched (so frame queueing and analysis count; bench/alert_latency.py
starts earlier, at the face's first sight, which needs an offline pass), each alert in the
window in which it reached a subscriber on the bus; source lag (now minus the newest frame's
wall time, sampled every 0.5 s: a check that frame times keep up with the clock); per API
operation requests, errors (not 2xx, or no answer), status codes, p50/p95/p99/max ms and
requests a second; CPU cores used by the server process, by the clients and by everything
else on the machine (/proc/stat: the figures are only as good as that is small). Ratios: mixed
over cameras alone (fps, alert p95) and mixed over API alone (p95 per operation, requests a
second).

Without `--out` the JSON goes to bench/results/load_mixed.json.

usage: python bench/load_mixed.py [--cameras 6] [--clients 4] [--duration 60]
       [--baseline-duration 20] [--api-baseline-duration 20] [--warm-up 10] [--events 5000]
       [--model-dir DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import secrets
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from _common import MODELS, emit

NAME = "load_mixed"
EVENTS = "events_list"
ALERTS = "alerts_list"
FACE = "face_search"
OPS = (EVENTS, ALERTS, FACE)
# What a client sends, in turn: of every 10 requests 5 event pages, 4 alert pages, 1 search.
CYCLE = (FACE, EVENTS, ALERTS, EVENTS, ALERTS, EVENTS, ALERTS, EVENTS, ALERTS, EVENTS)
PAGE = 50
INVESTIGATOR = "load-investigator"
PURPOSE = "load test: where has the enrolled person been"
HELD_SHARE = 0.95  # of the configured fps, as bench/throughput.py
HELD_DROPS = 0.01

# (op, seconds from the window's start to the request, ms to the answer, HTTP status; 0: none)
Sample = tuple[str, float, float, int]


# -- the clients (processes of their own) -------------------------------------------------------


@dataclass(frozen=True)
class ClientJob:
    url: str
    token: str
    photo: bytes
    case: str
    cameras: tuple[str, ...]
    events: int  # seeded events, for the range of pages asked for


def cpu_s() -> float:
    """CPU seconds this process has used, all its threads (user and system)."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def busy_cores_s() -> float | None:
    """CPU seconds the whole machine has been busy (every process; Linux), None elsewhere."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [int(v) for v in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle and iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def page_params(rng: random.Random, job: ClientJob, rows: int) -> dict[str, str | int]:
    """A random page of `rows` rows; a third of the time one camera's."""
    pages = max(rows // PAGE, 1)
    params: dict[str, str | int] = {"limit": PAGE, "offset": rng.randrange(pages) * PAGE}
    if rng.random() < 1 / 3:
        params["camera"] = rng.choice(job.cameras)
        params["offset"] = rng.randrange(max(pages // len(job.cameras), 1)) * PAGE
    return params


def one_request(client: httpx.Client, op: str, rng: random.Random, job: ClientJob) -> int:
    """Sends one request of `op` and reads the whole answer; its status, 0 for none."""
    try:
        if op == FACE:
            answer = client.post(
                "/api/search/face",
                files={"photo": ("astronaut.jpg", job.photo, "image/jpeg")},
                data={"case": job.case, "purpose": PURPOSE},
            )
        elif op == ALERTS:
            params = page_params(rng, job, 0)  # alerts are few: the first page
            answer = client.get("/api/alerts", params=params)
        else:
            answer = client.get("/api/events", params=page_params(rng, job, job.events))
        answer.read()
        return answer.status_code
    except httpx.HTTPError:
        return 0


def run_client(index: int, job: ClientJob, start_at: float, end_at: float) -> tuple[list, float]:
    """One client from `start_at` to `end_at` (Unix times): requests back to back; every
    request and the CPU seconds this client used."""
    rng = random.Random(index)
    samples: list[Sample] = []
    headers = {"Authorization": f"Bearer {job.token}"}
    with httpx.Client(base_url=job.url, headers=headers, timeout=120) as client:
        time.sleep(max(start_at - time.time(), 0.0))
        used = cpu_s()
        sent = index * 3  # a different point of CYCLE for each client
        while time.time() < end_at:
            op = CYCLE[sent % len(CYCLE)]
            began, started = time.time(), time.perf_counter()
            code = one_request(client, op, rng, job)
            samples.append((op, began - start_at, (time.perf_counter() - started) * 1000, code))
            sent += 1
        return samples, cpu_s() - used


def warm_client(job: ClientJob) -> dict[str, Any]:
    """The first face search (API face models load, the index builds), then a few of each
    request; not counted. Fails loudly when a request does not answer 200."""
    rng = random.Random(-1)
    headers = {"Authorization": f"Bearer {job.token}"}
    with httpx.Client(base_url=job.url, headers=headers, timeout=600) as client:
        started = time.perf_counter()
        codes = [one_request(client, FACE, rng, job)]
        first_ms = (time.perf_counter() - started) * 1000
        codes += [one_request(client, op, rng, job) for op in (FACE, FACE, *[EVENTS, ALERTS] * 10)]
    if set(codes) != {200}:
        raise RuntimeError(f"warm-up requests answered {sorted(set(codes))}")
    return {"first_face_search_ms": round(first_ms, 1)}


# -- the site: API and pipeline in one process ---------------------------------------------------


def camera_config(paths: dict[str, Path], n: int) -> dict[str, Any]:
    """The demo scene's configuration with its cameras cycled over `n` cameras, each with an
    id of its own (neighbours dropped: the copies' topology means nothing)."""
    from citywatch.demo.scene import scene_config

    scene = scene_config(paths, loop=True)
    cameras = []
    for k in range(n):
        base = dict(scene["cameras"][k % len(scene["cameras"])])
        base.pop("neighbours", None)
        base["id"] = f"{base['id']}-{k}"
        base["name"] = f"{base['name']} {k}"
        cameras.append(base)
    return {**scene, "cameras": cameras}


@dataclass
class AlertLog:
    """Every watchlist alert, as it reached a subscriber on the bus: (received, latency s)."""

    seen: list[tuple[float, float]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def follow(self, subscription: Any) -> threading.Thread:
        def run() -> None:
            while not self._stop.is_set():
                message = subscription.get(timeout=0.2)
                if message is None:
                    continue
                alert = message.payload
                self.seen.append((time.time(), alert.published_at - alert.alert.time))

        thread = threading.Thread(target=run, name="bench-alerts", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def between(self, start: float, end: float) -> list[float]:
        return [latency for received, latency in list(self.seen) if start <= received < end]


class Site:
    """The site as `citywatch serve` runs it (cli/serve.py: RunningSite, without the signal
    handling), with the alerts followed from before the cameras start."""

    def __init__(self, config: Any, store: Any, registry: Any, models: Any) -> None:
        from citywatch.bus.local import LocalBus
        from citywatch.bus.messages import ALERTS_TOPIC
        from citywatch.cli.serve import RunningSite
        from citywatch.cli.serve import Site as SiteSettings
        from citywatch.demo.scene import enrol_demo_person

        bus = LocalBus()
        self.alerts = AlertLog()
        self.alerts.follow(bus.subscribe(ALERTS_TOPIC))
        settings = SiteSettings(config, store, registry, models, before_start=enrol_demo_person)
        self.started = time.time()
        try:
            self.site = RunningSite(settings, "127.0.0.1", 0, bus=bus)
        except BaseException:
            self.alerts.stop()
            raise
        self.services = self.site.services

    @property
    def url(self) -> str:
        return self.site.url

    @property
    def running(self) -> Any:
        return self.site.pipeline

    def stats(self) -> dict[str, Any]:
        return {s.camera_id: s for s in self.running.runner.stats()}

    def source_lags(self) -> list[float]:
        """Per camera: seconds from the newest frame's wall time to now."""
        now = time.time()
        lags = []
        for worker in self.running.runner.workers:
            last = worker.supervisor.stats.last_frame_wall_time
            if last is not None:
                lags.append(now - last)
        return lags

    def stop_cameras(self) -> None:
        running = self.site.pipeline
        if running is not None:
            failures = running.runner.failures()
            self.site.stop_cameras()
            if failures:
                raise RuntimeError(f"analysis failed: {'; '.join(failures)}")

    def close(self) -> None:
        try:
            self.stop_cameras()
        finally:
            self.alerts.stop()
            self.site.close()


def sign_in(url: str, password: str) -> str:
    answer = httpx.post(
        f"{url}/api/auth/login",
        json={"username": INVESTIGATOR, "password": password},
        timeout=60,
    )
    answer.raise_for_status()
    return str(answer.json()["token"])


def seed_events(store: Any, cameras: list[str], n: int) -> None:
    """`n` intrusion events over the last hour, on the cameras in turn (no thumbnails)."""
    from citywatch.core.records import Event

    start = time.time() - 3600
    for i in range(n):
        camera = cameras[i % len(cameras)]
        values = {"zone": "flowerbed"}
        store.save_event(Event(camera, start + 3500 * i / max(n, 1), "intrusion", "seeded",
                               values, "bench-seed", i))  # fmt: skip
    store.flush()


def astronaut_jpeg() -> bytes:
    import cv2
    from skimage import data

    ok, encoded = cv2.imencode(".jpg", np.ascontiguousarray(data.astronaut()[:, :, ::-1]))
    assert ok
    return bytes(encoded.tobytes())


# -- windows and figures ------------------------------------------------------------------------


def percentiles(values: list[float], scale: float = 1.0) -> dict[str, Any]:
    if not values:
        return {"count": 0}
    p50, p95, p99 = np.percentile(np.asarray(values) * scale, [50, 95, 99])
    return {
        "count": len(values),
        "p50_ms": round(float(p50), 1),
        "p95_ms": round(float(p95), 1),
        "p99_ms": round(float(p99), 1),
        "max_ms": round(float(max(values) * scale), 1),
    }


def camera_figures(site: Site, before: dict, after: dict, seconds: float) -> dict[str, Any]:
    fps_of = {c.id: c.fps for c in site.services.config.cameras}
    per_camera = []
    for camera_id, end in after.items():
        start = before[camera_id]
        analysed = end.frames_analysed - start.frames_analysed
        dropped = end.frames_dropped - start.frames_dropped
        busy_ms = end.analysis_ms * end.frames_analysed - start.analysis_ms * start.frames_analysed
        per_camera.append(
            {
                "camera": camera_id,
                "configured_fps": fps_of[camera_id],
                "analysed_fps": round(analysed / seconds, 2),
                "frames_analysed": analysed,
                "frames_dropped": dropped,
                "drop_ratio": round(dropped / max(analysed + dropped, 1), 4),
                "analysis_ms": round(busy_ms / max(analysed, 1), 1),
            }
        )
    analysed = sum(c["frames_analysed"] for c in per_camera)
    dropped = sum(c["frames_dropped"] for c in per_camera)
    configured = sum(c["configured_fps"] for c in per_camera)
    worst = min(c["analysed_fps"] / c["configured_fps"] for c in per_camera)
    overall = {
        "configured_fps": configured,
        "analysed_fps": round(analysed / seconds, 2),
        "held_share": round(analysed / seconds / configured, 3),
        "worst_camera_share": round(worst, 3),
        "frames_analysed": analysed,
        "frames_dropped": dropped,
        "drop_ratio": round(dropped / max(analysed + dropped, 1), 4),
        "held": worst >= HELD_SHARE and max(c["drop_ratio"] for c in per_camera) <= HELD_DROPS,
    }
    return {"overall": overall, "per_camera": per_camera}


def api_figures(samples: list[Sample], seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for op in OPS:
        mine = [s for s in samples if s[0] == op]
        ok = [ms for _, _, ms, code in mine if 200 <= code < 300]
        codes: dict[str, int] = {}
        for *_, code in mine:
            codes[str(code)] = codes.get(str(code), 0) + 1
        figures = {"requests": len(mine), "errors": len(mine) - len(ok), "status": codes}
        figures |= {k: v for k, v in percentiles(ok).items() if k != "count"}
        figures["per_s"] = round(len(mine) / seconds, 1)
        out[op] = figures
    out["errors"] = sum(out[op]["errors"] for op in OPS)
    out["server_errors"] = sum(1 for *_, code in samples if code >= 500 or code == 0)
    out["requests_per_s"] = round(len(samples) / seconds, 1)
    return out


def launch(pool: Pool, jobs: list[ClientJob], start_at: float, end_at: float) -> AsyncResult:
    """The clients of `jobs` (one process each), to run from `start_at` to `end_at`."""
    args = [(i, job, start_at, end_at) for i, job in enumerate(jobs)]
    return pool.starmap_async(run_client, args, chunksize=1)


def window(
    site: Site, start_at: float, end_at: float, cameras: bool, clients: AsyncResult | None = None
) -> dict[str, Any]:
    """One measured window from `start_at` to `end_at` (Unix times): the cameras' stats deltas
    and alerts (when they run) and every request of `clients` (launched for this window)."""
    time.sleep(max(start_at - time.time(), 0.0))
    server_cpu, machine_cpu = cpu_s(), busy_cores_s()
    before = site.stats() if cameras else {}
    lags: list[float] = []
    while time.time() < end_at:
        time.sleep(min(0.5, max(end_at - time.time(), 0.0)))
        if cameras:
            lags.extend(site.source_lags())
    after = site.stats() if cameras else {}
    server_cpu = cpu_s() - server_cpu
    machine_end = busy_cores_s()
    elapsed = time.time() - start_at
    out: dict[str, Any] = {"window_s": round(elapsed, 1)}
    if cameras:
        out["cameras"] = camera_figures(site, before, after, elapsed)
        latencies = sorted(site.alerts.between(start_at, end_at))
        out["alert_latency"] = percentiles(latencies, 1000)
        out["alert_latency"]["all_ms"] = [round(1000 * v, 1) for v in latencies]
        out["source_lag_ms"] = {k: v for k, v in percentiles(lags, 1000).items() if k != "count"}
    client_cpu = 0.0
    if clients is not None:
        results = clients.get(timeout=end_at - start_at + 300)
        out["clients"] = len(results)
        out["api"] = api_figures([s for r, _ in results for s in r], end_at - start_at)
        client_cpu = sum(used for _, used in results)
    out["cpu_cores"] = {
        "server": round(server_cpu / elapsed, 2),
        "clients": round(client_cpu / elapsed, 2),
    }
    if machine_cpu is not None and machine_end is not None:
        # Everything else on the machine (other jobs): the figures are only as good as this is
        # small.
        others = (machine_end - machine_cpu - server_cpu - client_cpu) / elapsed
        out["cpu_cores"]["other_processes"] = round(max(others, 0.0), 2)
    return out


def wait_for_cameras(site: Site, deadline: float) -> None:
    """Until every camera has analysed a frame (fails after `deadline`)."""
    while not all(s.frames_analysed > 0 for s in site.stats().values()):
        if time.time() > deadline:
            raise RuntimeError("cameras did not start analysing within the warm-up limit")
        time.sleep(0.2)


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else round(a / b, 3)


def mean(values: list[float]) -> float:
    return float(statistics.fmean(values))


def ratios(
    mixed: dict[str, Any], alone: list[dict[str, Any]], api_alone: dict[str, Any]
) -> dict[str, Any]:
    """The mixed window against the baselines: cameras alone (the mean of the two windows,
    alerts of both pooled) and API alone."""
    fps = mean([w["cameras"]["overall"]["analysed_fps"] for w in alone])
    drops = mean([w["cameras"]["overall"]["drop_ratio"] for w in alone])
    alone_latency = [v / 1000 for w in alone for v in w["alert_latency"]["all_ms"]]
    alone_p95 = percentiles(alone_latency, 1000).get("p95_ms")
    cameras = mixed["cameras"]["overall"]
    mixed_p95 = mixed["alert_latency"].get("p95_ms")
    api, single = mixed["api"], api_alone["api"]
    return {
        "configured_fps": cameras["configured_fps"],
        "analysed_fps": {"alone": round(fps, 2), "mixed": cameras["analysed_fps"]},
        "analysed_fps_mixed_over_alone": ratio(cameras["analysed_fps"], fps),
        "drop_ratio": {"alone": round(drops, 4), "mixed": cameras["drop_ratio"]},
        "alert_latency_p95_ms": {"alone": alone_p95, "mixed": mixed_p95},
        "alerts": {"alone": len(alone_latency), "mixed": mixed["alert_latency"]["count"]},
        "alert_p95_mixed_over_alone": ratio(mixed_p95, alone_p95),
        "api_p95_ms": {
            op: {"alone": single[op].get("p95_ms"), "mixed": api[op].get("p95_ms")} for op in OPS
        },
        "api_p95_mixed_over_alone": {
            op: ratio(api[op].get("p95_ms"), single[op].get("p95_ms")) for op in OPS
        },
        "requests_per_s": {"alone": single["requests_per_s"], "mixed": api["requests_per_s"]},
        "requests_per_s_mixed_over_alone": ratio(api["requests_per_s"], single["requests_per_s"]),
    }


def measure(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from citywatch.api.roles import Role
    from citywatch.config import parse_config
    from citywatch.demo.scene import DEMO_CASE, open_demo_case, write_scene
    from citywatch.models import ModelRegistry
    from citywatch.pipeline.service import load_models
    from citywatch.store import open_store_from_config
    from citywatch.store.users import UserRecords

    loadavg_start = round(os.getloadavg()[0], 2)
    started = time.perf_counter()
    config = parse_config(camera_config(write_scene(work / "scene"), args.cameras), origin=NAME)
    scene_s = time.perf_counter() - started
    registry = ModelRegistry(args.model_dir)
    started = time.perf_counter()
    models = load_models(config, registry)
    models_s = time.perf_counter() - started
    store = open_store_from_config(config.storage, work / "data")
    try:
        password = secrets.token_urlsafe(18)
        UserRecords(store).add_user(INVESTIGATOR, password, Role.INVESTIGATOR)
        open_demo_case(store, INVESTIGATOR)
        for camera in config.cameras:
            store.upsert_camera(camera)
        seed_events(store, [c.id for c in config.cameras], args.events)
        photo = astronaut_jpeg()
        context = multiprocessing.get_context("spawn")
        with context.Pool(args.clients) as pool:
            pool.map(time.sleep, [0.0] * args.clients)  # the processes up before the cameras
            site = Site(config, store, registry, models)
            try:
                cameras = tuple(c.id for c in config.cameras)
                tokens = [sign_in(site.url, password) for _ in range(args.clients)]
                jobs = [
                    ClientJob(site.url, token, photo, DEMO_CASE, cameras, args.events)
                    for token in tokens
                ]
                warm = pool.apply(warm_client, (jobs[0],))
                wait_for_cameras(site, site.started + 120)
                time.sleep(max(site.started + args.warm_up - time.time(), 0.0))
                warm["s"] = round(time.time() - site.started, 1)
                # The camera windows follow one another without a gap (every alert is in one);
                # the mixed window's clients are launched first and wait for its start.
                t0 = time.time() + 0.2
                t1 = t0 + args.baseline_duration
                t2 = t1 + args.duration
                t3 = t2 + args.baseline_duration
                mixed_clients = launch(pool, jobs, t1, t2)
                windows = {
                    "cameras_alone_before": window(site, t0, t1, True),
                    "mixed": window(site, t1, t2, True, mixed_clients),
                    "cameras_alone_after": window(site, t2, t3, True),
                }
                site.stop_cameras()
                t4 = time.time() + 1.0  # the clients' processes are ready by then
                t5 = t4 + args.api_baseline_duration
                windows["api_alone"] = window(site, t4, t5, False, launch(pool, jobs, t4, t5))
                all_alerts = len(site.alerts.seen)
            finally:
                site.close()
    finally:
        store.close()
    alone = [windows["cameras_alone_before"], windows["cameras_alone_after"]]
    return {
        "config": {
            "cameras": args.cameras,
            "camera_fps": sorted({c.fps for c in config.cameras}),
            "clients": args.clients,
            "duration_s": args.duration,
            "baseline_duration_s": args.baseline_duration,
            "api_baseline_duration_s": args.api_baseline_duration,
            "warm_up_s": args.warm_up,
            "seeded_events": args.events,
            "request_cycle": list(CYCLE),
            "page": PAGE,
            "models": {
                "detector": f"{config.detector.model} ({type(models.detector).__name__})",
                "faces": None if models.faces is None else models.faces.name,
                "reid": None if models.reid is None else models.reid.name,
                "attributes": models.attributes is not None,
                "plates": models.plates is not None,
            },
            "cpus": os.cpu_count(),
            "loadavg_1m_at_start": loadavg_start,
            "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
        },
        "setup_s": {"scene": round(scene_s, 1), "models": round(models_s, 1)},
        "warm_up": warm,
        "alerts_seen_in_run": all_alerts,
        **windows,
        "ratios": ratios(windows["mixed"], alone, windows["api_alone"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or NAME).split("\n")[0])
    parser.add_argument("--cameras", type=int, default=6, help="cameras (the 3 clips cycled)")
    parser.add_argument("--clients", type=int, default=4, help="client processes at once")
    parser.add_argument("--duration", type=float, default=60.0, help="mixed window, s")
    parser.add_argument(
        "--baseline-duration", type=float, default=20.0, help="each cameras-alone window, s"
    )
    parser.add_argument(
        "--api-baseline-duration", type=float, default=20.0, help="API-alone window, s"
    )
    parser.add_argument("--warm-up", type=float, default=10.0, help="least warm-up, s")
    parser.add_argument("--events", type=int, default=5000, help="rule events seeded")
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=Path(os.environ.get("CITYWATCH_MODEL_DIR") or MODELS),
        help="models (default: CITYWATCH_MODEL_DIR, else ../shared/models)",
    )
    parser.add_argument("--out", type=Path, help="write the JSON here, not to bench/results")
    args = parser.parse_args()
    windows = (args.duration, args.baseline_duration, args.api_baseline_duration)
    if min(windows) <= 0 or args.cameras < 1 or args.clients < 1 or args.events < 0:
        parser.error("need durations > 0, --cameras and --clients >= 1, --events >= 0")
    if not (args.model_dir / "SHA256SUMS").is_file():
        sys.exit(f"bench: models not found at {args.model_dir}")
    with tempfile.TemporaryDirectory(prefix="cw-bench-load-") as tmp:
        result = measure(args, Path(tmp))
    emit(NAME, result, args.out)


if __name__ == "__main__":
    main()
