"""Live watchlist alerts on real footage: enrol from a photo, see the alert for that person.

The Hamilton clip (face_recognition examples) shows Lin-Manuel Miranda on stage, first in a
wide shot, then close; the audience (with Barack Obama) at the end. Enrolment photos are
separate pictures of them from the same folder.
"""

from __future__ import annotations

import time
from collections import Counter

from citywatch.bus import LocalBus
from citywatch.config import parse_config
from citywatch.detect import create_detector
from citywatch.faces.factory import create_face_pipeline
from citywatch.models import ModelRegistry
from citywatch.pipeline.alerts import ALERTS_TOPIC
from citywatch.pipeline.runner import PipelineRunner
from citywatch.store import open_store
from citywatch.store.watchlists import FaceRecords
from citywatch.watchlist.enrol import EnrolmentRequest, enrol

EXAMPLES = "faces/face_recognition_examples/examples"


def run_clip(data_dir, model_dir, tmp_path, enrolments: dict[str, str], expires_in: float = 3600):
    config = parse_config(
        {
            "cameras": [
                {
                    "id": "stage",
                    "source": str(data_dir / EXAMPLES / "short_hamilton_clip.mp4"),
                    "fps": 10,
                    "realtime": True,
                }
            ]
        }
    )
    registry = ModelRegistry(model_dir)
    faces = create_face_pipeline(config.faces, registry)
    store = open_store(None, tmp_path)
    records = FaceRecords(store)
    entries = {}
    for name, photo in enrolments.items():
        request = EnrolmentRequest(
            name,
            [data_dir / EXAMPLES / photo],
            "test case",
            "test",
            "pytest",
            time.time() + expires_in,
        )
        entries[name] = enrol(faces, records, request)
    return config, registry, faces, store, records, entries


def test_enrolled_people_raise_one_alert_per_track(data_dir, model_dir, tmp_path):
    config, registry, faces, store, records, entries = run_clip(
        data_dir,
        model_dir,
        tmp_path,
        {"Lin-Manuel Miranda": "lin-manuel-miranda.png", "Barack Obama": "obama.jpg"},
    )
    bus = LocalBus()
    alerts = bus.subscribe(ALERTS_TOPIC)
    runner = PipelineRunner(config, store, create_detector(config.detector, registry), faces, bus)
    runner.start()
    assert runner.wait(timeout=120)
    runner.stop()
    messages = [m.payload for m in alerts.drain()]
    names = Counter(m.alert.entry_name for m in messages)
    assert names["Lin-Manuel Miranda"] >= 1, names
    assert names["Barack Obama"] >= 1, names
    per_track = Counter((m.alert.track_local_id, m.alert.entry_id) for m in messages)
    assert max(per_track.values()) == 1  # one alert per track and entry, not one per frame
    for message in messages:
        assert message.alert.distance <= message.alert.threshold
        assert message.published_at >= message.alert.time
    stored = records.alerts()
    assert len(stored) == len(messages)
    assert all(a.evidence_path and (tmp_path / a.evidence_path).is_file() for a in stored)
    faces_stored = records.face_vectors(faces.embedder.name)
    assert len(faces_stored) >= 2  # face sightings with embeddings, for search by photo
    store.close()


def test_an_expired_entry_no_longer_matches(data_dir, model_dir, tmp_path):
    config, registry, faces, store, records, entries = run_clip(
        data_dir,
        model_dir,
        tmp_path,
        {"Lin-Manuel Miranda": "lin-manuel-miranda.png"},
        expires_in=1.5,
    )
    time.sleep(2)
    bus = LocalBus()
    alerts = bus.subscribe(ALERTS_TOPIC)
    runner = PipelineRunner(config, store, create_detector(config.detector, registry), faces, bus)
    runner.start()
    assert runner.wait(timeout=120)
    runner.stop()
    assert alerts.drain() == []
    assert records.alerts() == []
    store.close()
