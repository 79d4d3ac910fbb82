"""Search by face photo (a stand-in face pipeline), by person crop (the colour-stripe
embedder, no model file), by attributes; trajectories and an operator's correction."""

from __future__ import annotations

import cv2
import numpy as np
from api_seed import IN_CASE, RED, T0, Clients, FakeFaces, Seeded, in_case, person_crop

from citywatch.api.roles import Role


def encoded(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


PHOTO = encoded(np.random.default_rng(3).integers(0, 256, (96, 96, 3), dtype=np.uint8))


def test_face_search_gives_a_timeline_of_appearances(
    client: Clients, seeded: Seeded, fake_faces: FakeFaces
) -> None:
    answer = client(Role.INVESTIGATOR).post(
        "/api/search/face", files={"photo": ("q.png", PHOTO)}, data=IN_CASE
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["embedder"] == "test-faces" and result["threshold"] == 0.4
    assert result["faces_in_photo"] == 1
    visits = result["items"]
    assert [(v["camera"], v["first_seen"], len(v["sightings"])) for v in visits] == [
        ("gate", T0 + 5, 2),  # two sightings 15 s apart: one visit
        ("yard", T0 + 300, 1),
    ]
    assert all(v["distance"] < 0.1 for v in visits)
    best = visits[0]["best_sighting"]
    assert visits[0]["thumbnail_url"] == f"/api/sightings/{best}/thumbnail"
    thumbnail = client(Role.INVESTIGATOR).get(visits[0]["thumbnail_url"])
    assert thumbnail.status_code == 200 and thumbnail.content[:2] == b"\xff\xd8"


def test_face_search_filters_and_pages(
    client: Clients, seeded: Seeded, fake_faces: FakeFaces
) -> None:
    investigator = client(Role.INVESTIGATOR)
    files = {"photo": ("q.png", PHOTO)}
    yard = investigator.post(
        "/api/search/face", files=files, data={**IN_CASE, "camera": "yard"}
    ).json()
    assert [v["camera"] for v in yard["items"]] == ["yard"]
    late = investigator.post(
        "/api/search/face", files=files, data={**IN_CASE, "since": str(T0 + 100)}
    )
    assert [v["camera"] for v in late.json()["items"]] == ["yard"]
    first = investigator.post("/api/search/face?limit=1", files=files, data=IN_CASE).json()
    assert len(first["items"]) == 1 and first["next_offset"] == 1
    second = investigator.post(
        "/api/search/face?limit=1&offset=1", files=files, data=IN_CASE
    ).json()
    assert second["items"][0]["camera"] == "yard" and second["next_offset"] is None
    loose = investigator.post(
        "/api/search/face", files=files, data={**IN_CASE, "threshold": "1.0"}
    ).json()
    assert len(loose["items"]) == 3  # the stranger's sighting too
    bad = investigator.post("/api/search/face", files=files, data={**IN_CASE, "threshold": "7"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("threshold: ")


def test_a_photo_without_a_face_is_a_422(
    client: Clients, seeded: Seeded, fake_faces: FakeFaces
) -> None:
    flat = encoded(np.full((64, 64, 3), 128, np.uint8))
    answer = client(Role.INVESTIGATOR).post(
        "/api/search/face", files={"photo": ("f.png", flat)}, data=IN_CASE
    )
    assert answer.status_code == 422
    assert answer.json() == {
        "detail": "photo (f.png): no face found; send a photo that shows the face"
    }


def test_person_search_ranks_stored_tracks_by_appearance(client: Clients, seeded: Seeded) -> None:
    crop = encoded(person_crop(RED, seed=99))
    investigator = client(Role.INVESTIGATOR)
    answer = investigator.post("/api/search/person", files={"crop": ("c.png", crop)}, data=IN_CASE)
    assert answer.status_code == 200, answer.text
    hits = answer.json()["items"]
    assert [h["rank"] for h in hits] == [1, 2, 3, 4]
    assert {h["identity"] for h in hits[:2]} == {"person-a"}  # the red tops first
    assert hits[0]["distance"] < hits[2]["distance"]
    assert hits[0]["thumbnail_url"] == f"/api/tracks/{hits[0]['track_id']}/thumbnail"
    narrowed = investigator.post(
        "/api/search/person?limit=1",
        files={"crop": ("c.png", crop)},
        data={**IN_CASE, "camera": "yard", "where": "upper=red"},
    ).json()
    assert [h["track_id"] for h in narrowed["items"]] == [2] and narrowed["next_offset"] is None
    bad = investigator.post(
        "/api/search/person",
        files={"crop": ("c.png", crop)},
        data={**IN_CASE, "where": "mood=happy"},
    )
    assert bad.status_code == 422 and bad.json()["detail"].startswith("where: attribute query")
    image = investigator.get(hits[0]["thumbnail_url"])
    assert image.status_code == 200 and image.content[:2] == b"\xff\xd8"


def test_attribute_search(client: Clients, seeded: Seeded) -> None:
    investigator = client(Role.INVESTIGATOR)
    hits = investigator.get(in_case("/api/search/attributes?where=upper%3Dred%20bag%3Dyes")).json()
    assert [h["identity"] for h in hits["items"]] == ["person-a", "person-a"]
    assert all(h["fit"] is not None and h["distance"] is None for h in hits["items"])
    blue = investigator.get(in_case("/api/search/attributes?where=upper%3Dblue&camera=yard")).json()
    assert [h["identity"] for h in blue["items"]] == ["person-b"]
    bad = investigator.get(in_case("/api/search/attributes?where=upper%3Dtartan"))
    assert bad.status_code == 422 and "\n" not in bad.json()["detail"]
    assert investigator.get(in_case("/api/search/attributes")).status_code == 422


def test_trajectory_has_camera_positions_in_time_order(client: Clients, seeded: Seeded) -> None:
    answer = client(Role.INVESTIGATOR).get(in_case("/api/persons/person-a/trajectory"))
    assert answer.status_code == 200
    path = answer.json()
    assert path["identity"] == "person-a"
    assert path["site"] == {"name": "depot", "width": 50.0, "height": 40.0, "image": None}
    steps = path["items"]
    assert [(s["camera"], s["position"]) for s in steps] == [
        ("gate", {"x": 5.0, "y": 10.0}),
        ("yard", {"x": 30.0, "y": 20.0}),
    ]
    assert steps[0]["started_at"] < steps[1]["started_at"]
    assert steps[0]["camera_name"] == "Main gate" and steps[1]["link_distance"] == 0.12
    missing = client(Role.INVESTIGATOR).get(in_case("/api/persons/nobody/trajectory"))
    assert missing.status_code == 404 and missing.json()["detail"] == (
        "identity 'nobody': no stored tracks"
    )
    identities = client(Role.INVESTIGATOR).get("/api/persons?limit=2").json()
    assert [i["id"] for i in identities["items"]] == ["person-c", "person-b"]
    assert identities["next_offset"] == 2


def test_an_investigator_moves_a_wrongly_linked_track(client: Clients, seeded: Seeded) -> None:
    investigator = client(Role.INVESTIGATOR)
    split = investigator.post("/api/persons/tracks/2/move", json={"identity": None})
    assert split.status_code == 200
    new = split.json()["identity"]
    assert new != "person-a" and split.json()["track_id"] == 2
    steps = investigator.get(in_case("/api/persons/person-a/trajectory")).json()["items"]
    assert [s["track_id"] for s in steps] == [1]
    alone = investigator.get(in_case(f"/api/persons/{new}/trajectory")).json()["items"]
    assert alone[0]["link"] == "operator"
    joined = investigator.post("/api/persons/tracks/2/move", json={"identity": "person-b"})
    assert joined.json()["identity"] == "person-b"
    unknown = investigator.post("/api/persons/tracks/999/move", json={"identity": None})
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "track 999 has no stored appearance"
    nobody = investigator.post("/api/persons/tracks/2/move", json={"identity": "ghost"})
    assert nobody.status_code == 404 and "ghost" in nobody.json()["detail"]
