"""Public display mode: counts per camera and zone from the live frames, and snapshots with
faces and whole persons blurred, for any signed-in user (a kiosk's viewer key)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_seed import CONFIG, Clients, clients_for, make_app, make_services
from images import checkerboard, decode, detail, jpeg

from citywatch.api.roles import Role
from citywatch.api.routers import display
from citywatch.api.services import ApiServices
from citywatch.core.records import LiveTrack

KERB = {"name": "kerb", "polygon": [[0, 150], [160, 150], [160, 240], [0, 240]]}
DISPLAY_CONFIG = {
    **CONFIG,
    "cameras": [
        {**CONFIG["cameras"][0], "zones": [KERB]},
        CONFIG["cameras"][1],
        {"id": "off", "source": "/videos/off.mp4", "enabled": False},
    ],
}
PERSON = (40.0, 40.0, 60.0, 150.0)  # x, y, w, h: feet at (70, 190), in the kerb zone
FACE = (55.0, 45.0, 30.0, 30.0)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[ApiServices]:
    made = make_services(tmp_path / "data", DISPLAY_CONFIG)
    yield made
    made.store.close()


@pytest.fixture
def client(services: ApiServices) -> Iterator[Clients]:
    app = make_app(services)
    app.include_router(display.router)
    yield from clients_for(app)


def test_counts_per_camera_and_zone_from_the_live_frames(
    client: Clients, services: ApiServices
) -> None:
    viewer = client(Role.VIEWER)
    empty = viewer.get("/api/display/counts").json()
    assert [c["id"] for c in empty["cameras"]] == ["gate", "yard"]  # enabled cameras only
    assert empty["cameras"][0] == {
        "id": "gate", "name": "Main gate", "updated_at": None, "people": 0, "vehicles": 0,
        "bicycles": 0, "zones": {},
    }  # fmt: skip
    services.frames.put(
        "gate",
        jpeg(checkerboard()),
        1234.5,
        persons=[PERSON],
        tracks=[
            LiveTrack(1, "person", PERSON),
            LiveTrack(2, "person", (200.0, 20.0, 40.0, 100.0)),  # feet outside the zone
            LiveTrack(3, "vehicle", (0.0, 160.0, 100.0, 60.0)),  # feet in the zone
            LiveTrack(4, "bicycle", (250.0, 150.0, 30.0, 50.0)),
        ],
    )
    services.frames.put("yard", jpeg(checkerboard()), 1240.0, persons=[], tracks=[])
    answer = viewer.get("/api/display/counts")
    assert answer.status_code == 200
    gate, yard = answer.json()["cameras"]
    assert gate == {
        "id": "gate", "name": "Main gate", "updated_at": 1234.5, "people": 2, "vehicles": 1,
        "bicycles": 1, "zones": {"kerb": {"people": 1, "vehicles": 1, "bicycles": 0}},
    }  # fmt: skip
    assert (yard["people"], yard["updated_at"]) == (0, 1240.0)
    assert answer.json()["totals"] == {"people": 2, "vehicles": 1, "bicycles": 1}
    assert "track_id" not in answer.text and "box" not in answer.text  # aggregates only


def test_a_snapshot_blurs_faces_and_whole_persons_for_everyone(
    client: Clients, services: ApiServices
) -> None:
    original = checkerboard()
    services.frames.put("gate", jpeg(original), 99.0, faces=[FACE], persons=[PERSON])
    for role in (Role.VIEWER, Role.ADMIN):  # no unblurred option, whoever asks
        answer = client(role).get("/api/display/cameras/gate/snapshot?unblurred=true")
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["x-frame-time"] == "99.000"
        seen = decode(answer.content)
        x, y, w, h = (int(v) for v in PERSON)
        # The whole body, legs included, not only the head.
        assert detail(seen[y : y + h, x : x + w]) < 0.1 * detail(original[y : y + h, x : x + w])
        assert detail(seen[150:185, 45:95]) < 0.1 * detail(original[150:185, 45:95])  # legs
        assert detail(seen[20:200, 150:300]) > 0.5 * detail(original[20:200, 150:300])


def test_a_snapshot_is_blurred_whole_when_nobody_said_where_people_are(
    client: Clients, services: ApiServices
) -> None:
    original = checkerboard()
    services.frames.put("yard", jpeg(original))  # persons unknown
    seen = decode(client(Role.VIEWER).get("/api/display/cameras/yard/snapshot").content)
    assert detail(seen) < 0.1 * detail(original)
    # A new frame is blurred anew (the cache is per frame).
    services.frames.put("yard", jpeg(original), persons=[])
    again = decode(client(Role.VIEWER).get("/api/display/cameras/yard/snapshot").content)
    assert detail(again) > 0.5 * detail(original)


def test_unknown_cameras_missing_frames_and_anonymous_callers(
    client: Clients, services: ApiServices
) -> None:
    viewer = client(Role.VIEWER)
    assert viewer.get("/api/display/cameras/gate/snapshot").json() == {
        "detail": "camera 'gate': no live frame"
    }
    for camera in ("nowhere", "off"):
        answer = viewer.get(f"/api/display/cameras/{camera}/snapshot")
        assert answer.status_code == 404
        assert answer.json() == {"detail": f"camera {camera!r} is not displayed"}
    client.app.dependency_overrides.clear()  # the real sign-in check: nobody signed in
    assert client._client.get("/api/display/counts").status_code == 401
    assert client._client.get("/api/display/cameras/gate/snapshot").status_code == 401
