"""Search by photo: one-off footage through the CLI, and the stored timeline across cameras."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from citywatch.config import parse_config
from citywatch.core.images import load_image
from citywatch.detect import create_detector
from citywatch.faces.factory import create_face_pipeline
from citywatch.models import ModelRegistry
from citywatch.pipeline.runner import PipelineRunner
from citywatch.search.face_index import FaceSightingIndex
from citywatch.search.timeline import search_timeline
from citywatch.store import open_store
from citywatch.store.watchlists import FaceRecords

EXAMPLES = "faces/face_recognition_examples/examples"


def test_footage_search_finds_the_person_only_where_they_are(data_dir, model_dir):
    clip = data_dir / EXAMPLES / "short_hamilton_clip.mp4"
    env = {**os.environ, "CITYWATCH_MODEL_DIR": str(model_dir)}

    def search(photo: str) -> list[dict]:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "citywatch",
                "search",
                "face",
                "--query",
                str(data_dir / EXAMPLES / photo),
                "--source",
                str(clip),
                "--fps",
                "5",
                "--json",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines()]

    obama = search("obama.jpg")
    # Obama is in the audience shot at the end of the clip (from about frame 200 of 275)
    assert len(obama) >= 5 and all(hit["frame"] >= 190 for hit in obama)
    assert all(set(hit) == {"frame", "time_s", "box", "distance"} for hit in obama)
    assert all(len(hit["box"]) == 4 and hit["distance"] <= 0.51 for hit in obama)
    biden = search("biden.jpg")
    assert biden == []  # not in the clip


def test_stored_timeline_groups_sightings_into_appearances(data_dir, model_dir, tmp_path):
    clip = str(data_dir / EXAMPLES / "short_hamilton_clip.mp4")
    config = parse_config(
        {
            "cameras": [
                {"id": "stage", "source": clip, "fps": 10, "realtime": True},
                {"id": "replay", "source": clip, "fps": 10, "realtime": True},
            ]
        }
    )
    registry = ModelRegistry(model_dir)
    faces = create_face_pipeline(config.faces, registry)
    store = open_store(None, tmp_path)
    runner = PipelineRunner(config, store, create_detector(config.detector, registry, 2), faces)
    runner.start()
    assert runner.wait(timeout=180)
    runner.stop()
    index = FaceSightingIndex(FaceRecords(store), faces.embedder.name, tmp_path)
    query, _ = faces.main_face(load_image(data_dir / EXAMPLES / "obama.jpg"))
    timeline = search_timeline(index, store, query.embedding, faces.threshold)
    assert {a.camera_id for a in timeline} == {"stage", "replay"}
    assert timeline == sorted(timeline, key=lambda a: a.first_seen)
    for appearance in timeline:
        assert appearance.distance <= faces.threshold
        assert (
            appearance.best.thumbnail_path and (tmp_path / appearance.best.thumbnail_path).is_file()
        )
    # the index is a cache: persisted, reloaded, and rebuilt when the database changes
    assert (tmp_path / "index").is_dir()
    again = FaceSightingIndex(FaceRecords(store), faces.embedder.name, tmp_path)
    assert again.sync() == index.sync() > 0
    store.close()
