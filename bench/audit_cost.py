"""What accountability costs: a face search by photo through the API (case check, search,
audit entry with the ids returned) against the same search called directly (no HTTP, no case,
no audit), in one run over one store; and how fast the hash-chained audit log appends.

- face search: POST /api/search/face with a real photo and real models (OMZ face detection
  and re-identification) over `--sightings` stored face sightings (synthetic unit vectors,
  three of them the person's); the direct call decodes the same photo, finds the face and runs
  `search_timeline` on the same index. Both warm (the first of each is left out).
- audit appends: `AuditLog.record` with a search-sized detail, one thread and four threads
  (appends are serialised: the chain must not fork), on SQLite in a temporary directory; and
  `verify` over what was appended.

usage: python bench/audit_cost.py [--sightings 5000] [--runs 30] [--appends 2000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from _common import DATA, MODELS, emit, require_shared

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from api_seed import IN_CASE, clients_for, make_app, make_services, seed_cases  # noqa: E402

from citywatch.api.roles import Role  # noqa: E402
from citywatch.core.classes import ObjectClass  # noqa: E402
from citywatch.core.images import load_image  # noqa: E402
from citywatch.core.records import Sighting, TrackRecord  # noqa: E402
from citywatch.models import ModelRegistry  # noqa: E402
from citywatch.privacy.audit import AuditLog  # noqa: E402
from citywatch.search.timeline import search_timeline  # noqa: E402
from citywatch.store import open_store  # noqa: E402

PHOTOS = DATA / "faces" / "face_recognition_examples" / "examples"


def p50(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def bench_search(sightings: int, runs: int, workdir: Path) -> dict[str, object]:
    services = make_services(workdir / "search")
    services.registry = ModelRegistry(MODELS)
    store = services.store
    for camera in services.config.cameras:
        store.upsert_camera(camera)
    seed_cases(store)
    faces = services.faces()
    person, _ = faces.main_face(load_image(PHOTOS / "obama.jpg"))
    assert person is not None and person.embedding is not None
    rng = np.random.default_rng(0)
    dim = int(person.embedding.shape[0])
    for i in range(sightings):
        vector = person.embedding if i % (sightings // 3) == 0 else rng.normal(size=dim)
        vector = np.asarray(vector / np.linalg.norm(vector), np.float32)
        t = 1_700_000_000.0 + i
        camera = ("gate", "yard")[i % 2]
        track = TrackRecord(camera, "bench", i, ObjectClass.PERSON, t, t + 2, 5)
        face = Sighting(
            camera, "face", t, t + 2, t + 1, (0, 0, 50, 50), 0.9, None, vector, faces.embedder.name
        )
        store.save_track(track, [face])
    store.flush()
    photo = (PHOTOS / "obama-480p.jpg").read_bytes()

    def direct() -> int:
        subject, _ = faces.main_face(cv2.imdecode(np.frombuffer(photo, np.uint8), cv2.IMREAD_COLOR))
        assert subject is not None and subject.embedding is not None
        index = services.face_index()
        with services.face_index_lock:
            found = search_timeline(index, store, subject.embedding, faces.threshold)
        return len(found)

    api_ms: list[float] = []
    direct_ms: list[float] = []
    found = 0
    for client in clients_for(make_app(services)):
        investigator = client(Role.INVESTIGATOR)
        for run in range(runs + 1):  # interleaved, so both see the same machine state
            started = time.perf_counter()
            answer = investigator.post(
                "/api/search/face", files={"photo": ("q.jpg", photo)}, data=IN_CASE
            )
            elapsed = (time.perf_counter() - started) * 1000
            assert answer.status_code == 200, answer.text
            started = time.perf_counter()
            found = direct()
            raw = (time.perf_counter() - started) * 1000
            if run > 0:
                api_ms.append(elapsed)
                direct_ms.append(raw)
    audited = services.audit().count()
    store.close()
    return {
        "sightings": sightings,
        "appearances_found": found,
        "audited_api_p50_ms": p50(api_ms),
        "direct_p50_ms": p50(direct_ms),
        "overhead_p50_ms": round(p50(api_ms) - p50(direct_ms), 2),
        "ratio": round(p50(api_ms) / p50(direct_ms), 3),
        "audit_entries_written": audited,
    }


def bench_appends(appends: int, workdir: Path) -> dict[str, object]:
    detail = {"query": {"camera": None, "threshold": 0.4}, "sightings": list(range(40))}
    result: dict[str, object] = {"appends": appends}
    for threads in (1, 4):
        store = open_store(None, workdir / f"appends-{threads}", thumbnails=False)
        log = AuditLog(store)
        each = appends // threads

        def work(log: AuditLog = log, each: int = each) -> None:
            for _ in range(each):
                log.record(
                    "bench", "investigator", "search.face", "ok", "B-1", "bench", None, detail
                )

        workers = [threading.Thread(target=work) for _ in range(threads)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        seconds = time.perf_counter() - started
        result[f"appends_per_s_{threads}_thread{'s' if threads > 1 else ''}"] = round(
            each * threads / seconds, 1
        )
        started = time.perf_counter()
        report = log.verify()
        assert report.intact and report.entries == each * threads
        result[f"verify_entries_per_s_{threads}"] = round(
            report.entries / (time.perf_counter() - started), 1
        )
        store.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sightings", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--appends", type=int, default=2_000)
    args = parser.parse_args()
    require_shared()
    with tempfile.TemporaryDirectory(prefix="citywatch-audit-bench-") as tmp:
        workdir = Path(tmp)
        emit(
            "audit_cost",
            {
                "database": "sqlite",
                "face_search": bench_search(args.sightings, args.runs, workdir),
                "audit_log": bench_appends(args.appends, workdir),
            },
        )


if __name__ == "__main__":
    main()
