"""What a retention purge costs: seconds and rows/s for N sightings on SQLite.

    .venv/bin/python bench/retention_cost.py [--n 100000] [--batch 1000]

Seeds a fresh SQLite store in a temporary folder: N sightings over N/4 person tracks on two
cameras, each sighting with a 2 KB thumbnail file, one in ten a face with a 128-d embedding
(and the face index built from them); 80% are past the 30-day cutoff. Rows are inserted in
bulk (the pipeline's writer is measured elsewhere); the purge is the real one. Times a dry run
and the purge, and writes bench/results/retention_cost.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit  # noqa: E402
from citywatch.config import parse_config  # noqa: E402
from citywatch.privacy.retention import purge  # noqa: E402
from citywatch.search.face_index import FaceSightingIndex  # noqa: E402
from citywatch.store import open_store  # noqa: E402
from citywatch.store.schema import SightingRow, TrackRow  # noqa: E402
from citywatch.store.watchlists import FaceRecords  # noqa: E402

DAY = 86_400.0
EMBEDDER = "bench-faces"


def _unit(rng: np.random.Generator) -> np.ndarray:
    vector = rng.normal(size=128).astype(np.float32)
    return np.asarray(vector / np.linalg.norm(vector), np.float32)


def seed(store, n: int, now: float) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    per_track = 4
    tracks = n // per_track
    thumb = bytes(2048)
    started = now - np.where(rng.random(tracks) < 0.8, 40, 5) * DAY - rng.random(tracks) * DAY
    with store.engine.begin() as connection:
        for start in range(0, tracks, 5000):
            rows: list[dict[str, Any]] = []
            for i in range(start, min(tracks, start + 5000)):
                rows.append(
                    {"id": i + 1, "camera_id": "gate" if i % 2 else "yard", "run_id": "r",
                     "local_id": i, "class_id": 0, "started_at": float(started[i]),
                     "ended_at": float(started[i]) + 5, "frames": 10, "path": []}
                )  # fmt: skip
            connection.execute(insert(TrackRow), rows)
        sid = 0
        for start in range(0, tracks, 2500):
            rows = []
            for i in range(start, min(tracks, start + 2500)):
                t = float(started[i])
                day = dt.datetime.fromtimestamp(t, tz=dt.UTC).date()
                camera = "gate" if i % 2 else "yard"
                for _ in range(per_track):
                    sid += 1
                    relative = f"media/thumbs/{camera}/{day.isoformat()}/{sid}.jpg"
                    path = store.data_dir / relative
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(thumb)
                    face = sid % 10 == 0
                    vector = _unit(rng) if face else None
                    rows.append(
                        {"id": sid, "track_id": i + 1, "camera_id": camera,
                         "kind": "face" if face else "object", "first_seen": t, "last_seen": t + 5,
                         "best_time": t + 1, "box_x": 0.0, "box_y": 0.0, "box_w": 10.0,
                         "box_h": 10.0, "best_score": 0.9, "thumbnail_path": relative, "day": day,
                         "embedder": EMBEDDER if face else None,
                         "embedding": vector.tobytes() if vector is not None else None}
                    )  # fmt: skip
            connection.execute(insert(SightingRow), rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000, help="sightings")
    parser.add_argument("--batch", type=int, default=1000, help="rows per transaction")
    args = parser.parse_args()
    config = parse_config(
        {
            "retention": {"batch_size": args.batch},
            "cameras": [{"id": "gate", "source": "a.mp4"}, {"id": "yard", "source": "b.mp4"}],
        }
    )
    now = time.time()
    with tempfile.TemporaryDirectory() as folder, open_store(None, Path(folder)) as store:
        for camera in config.cameras:
            store.upsert_camera(camera)
        started = time.perf_counter()
        seed(store, args.n, now)
        FaceSightingIndex(FaceRecords(store), EMBEDDER, store.data_dir).sync()
        seed_s = time.perf_counter() - started

        started = time.perf_counter()
        dry = purge(store, config, dry_run=True, now=now)
        dry_s = time.perf_counter() - started
        started = time.perf_counter()
        report = purge(store, config, now=now)
        purge_s = time.perf_counter() - started
        left = store.counts()

    deleted = report.tables["sightings"].deleted + report.tables["tracks"].deleted
    emit(
        "retention_cost",
        {
            "backend": "sqlite (WAL)",
            "sightings": args.n,
            "tracks": args.n // 4,
            "batch_size": args.batch,
            "seed_s": round(seed_s, 2),
            "dry_run_s": round(dry_s, 3),
            "purge_s": round(purge_s, 3),
            "sightings_deleted": report.tables["sightings"].deleted,
            "tracks_deleted": report.tables["tracks"].deleted,
            "face_vectors_deleted": report.face_vectors_deleted,
            "files_removed": report.files.files,
            "bytes_freed": report.files.bytes,
            "rows_per_s": round(deleted / purge_s),
            "sightings_per_s": round(report.tables["sightings"].deleted / purge_s),
            "dry_run_matches": dry.to_dict()["deleted"] == report.to_dict()["deleted"],
            "left": {"sightings": left.sightings, "tracks": left.tracks},
        },
    )


if __name__ == "__main__":
    main()
