"""Face search and enrolment through the API with the real face models: sightings are seeded
with embeddings the face pipeline computed from photos (running the video pipeline to make
them would take minutes), then found again from another photo of the same person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from api_seed import IN_CASE, Clients, clients_for, make_app, make_services, seed_cases

from citywatch.api.roles import Role
from citywatch.api.services import ApiServices
from citywatch.core.classes import ObjectClass
from citywatch.core.images import load_image
from citywatch.core.records import Sighting, TrackRecord
from citywatch.models import ModelRegistry
from citywatch.store.watchlists import FaceRecords

EXAMPLES = Path("faces") / "face_recognition_examples" / "examples"
T0 = 1_700_000_000.0
NEXT_YEAR = (dt.date.today() + dt.timedelta(days=365)).isoformat()


@pytest.fixture
def services(tmp_path: Path, model_dir: Path, data_dir: Path) -> Iterator[ApiServices]:
    made = make_services(tmp_path / "data")
    made.registry = ModelRegistry(model_dir)
    for camera in made.config.cameras:
        made.store.upsert_camera(camera)
    seed_cases(made.store)
    faces = made.faces()
    # (camera, start, photo): Obama at the gate twice, then in the yard; Biden in the yard.
    seen = [
        ("gate", T0, "obama.jpg"),
        ("gate", T0 + 10, "obama2.jpg"),
        ("yard", T0 + 600, "obama2.jpg"),
        ("yard", T0 + 700, "biden.jpg"),
    ]
    for local, (camera, start, photo) in enumerate(seen, start=1):
        image = load_image(data_dir / EXAMPLES / photo)
        face, _ = faces.main_face(image)
        assert face is not None and face.embedding is not None
        x1, y1, x2, y2 = (float(v) for v in face.box)
        crop = image[int(y1) : int(y2), int(x1) : int(x2)]
        track = TrackRecord(camera, "run", local, ObjectClass.PERSON, start, start + 5, 10)
        sighting = Sighting(
            camera,
            "face",
            start,
            start + 5,
            start + 1,
            (x1, y1, x2 - x1, y2 - y1),
            0.9,
            crop,
            embedding=face.embedding,
            embedder=faces.embedder.name,
        )
        made.store.save_track(track, [sighting])
    made.store.flush()
    yield made
    made.store.close()


@pytest.fixture
def client(services: ApiServices) -> Iterator[Clients]:
    yield from clients_for(make_app(services))


def _photo(data_dir: Path, name: str) -> tuple[str, bytes]:
    return (name, (data_dir / EXAMPLES / name).read_bytes())


def test_face_search_by_photo_finds_the_person_where_they_were(
    client: Clients, services: ApiServices, data_dir: Path
) -> None:
    investigator = client(Role.INVESTIGATOR)
    answer = investigator.post(
        "/api/search/face", files={"photo": _photo(data_dir, "obama-480p.jpg")}, data=IN_CASE
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["embedder"] == services.faces().embedder.name
    visits = [(v["camera"], v["first_seen"], len(v["sightings"])) for v in result["items"]]
    assert visits == [("gate", T0, 2), ("yard", T0 + 600, 1)]  # Biden's sighting left out
    assert all(v["distance"] <= result["threshold"] for v in result["items"])
    thumbnail = investigator.get(result["items"][0]["thumbnail_url"])
    assert thumbnail.status_code == 200 and thumbnail.content[:2] == b"\xff\xd8"

    biden = investigator.post(
        "/api/search/face", files={"photo": _photo(data_dir, "biden.jpg")}, data=IN_CASE
    )
    assert [v["camera"] for v in biden.json()["items"]] == ["yard"]
    assert biden.json()["items"][0]["first_seen"] == T0 + 700


def test_a_photo_without_a_face_is_refused(client: Clients, data_dir: Path) -> None:
    noise = np.random.default_rng(0).integers(0, 256, (200, 200, 3), dtype=np.uint8)
    data = cv2.imencode(".png", noise)[1].tobytes()
    answer = client(Role.INVESTIGATOR).post(
        "/api/search/face", files={"photo": ("noise.png", data)}, data=IN_CASE
    )
    assert answer.status_code == 422
    assert (
        answer.json()["detail"]
        == "photo (noise.png): no face found; send a photo that shows the face"
    )


def test_enrolment_with_real_photos(client: Clients, services: ApiServices, data_dir: Path) -> None:
    admin = client(Role.ADMIN)
    form = {"name": "B. Obama", "reason": "test", "legal_basis": "consent", "expires": NEXT_YEAR}
    form |= IN_CASE
    files = [("photos", _photo(data_dir, "obama.jpg")), ("photos", _photo(data_dir, "obama2.jpg"))]
    answer = admin.post("/api/watchlist", data=form, files=files)
    assert answer.status_code == 201, answer.text
    entry_id = answer.json()["id"]
    vectors = FaceRecords(services.store).watchlist_vectors(services.faces().embedder.name)
    assert sorted({v.owner_id for v in vectors}) == [entry_id] and len(vectors) == 2

    two = [
        ("photos", _photo(data_dir, "obama.jpg")),
        ("photos", _photo(data_dir, "two_people.jpg")),
    ]
    refused = admin.post("/api/watchlist", data={**form, "name": "x"}, files=two)
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        "photos[1] (two_people.jpg): 2 faces of similar size; crop the photo to the one person"
    )
    assert [e.name for e in FaceRecords(services.store).entries()] == ["B. Obama"]
