"""Events: filters and pages, what a viewer sees of an offence, thumbnails, clips, and
stored paths that try to leave the data directory."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from api_seed import T0, Clients, Seeded
from sqlalchemy import update

from citywatch.api.roles import Role
from citywatch.api.services import ApiServices
from citywatch.store.audit import AuditFilter
from citywatch.store.schema import EventRow


def test_events_newest_first_with_filters(client: Clients, seeded: Seeded) -> None:
    viewer = client(Role.VIEWER)
    types = [e["type"] for e in viewer.get("/api/events").json()["items"]]
    assert types == ["red_light", "crowding", "intrusion"]
    assert [e["type"] for e in viewer.get("/api/events?camera=gate").json()["items"]] == [
        "red_light",
        "intrusion",
    ]
    assert [e["rule"] for e in viewer.get("/api/events?rule=yard-crowd").json()["items"]] == [
        "yard-crowd"
    ]
    assert len(viewer.get("/api/events?type=intrusion").json()["items"]) == 1
    window = viewer.get(f"/api/events?since={T0 + 100}&until={T0 + 200}").json()["items"]
    assert [e["type"] for e in window] == ["crowding"]  # until is exclusive


def test_events_page(client: Clients, seeded: Seeded) -> None:
    viewer = client(Role.VIEWER)
    first = viewer.get("/api/events?limit=2").json()
    assert len(first["items"]) == 2 and first["next_offset"] == 2
    last = viewer.get("/api/events?limit=2&offset=2").json()
    assert [e["type"] for e in last["items"]] == ["intrusion"] and last["next_offset"] is None


def test_a_viewer_sees_an_offence_without_its_plate_or_media(
    client: Clients, seeded: Seeded
) -> None:
    event_id = seeded.ids["events"]["red_light"]
    seen = client(Role.VIEWER).get(f"/api/events/{event_id}").json()
    assert seen["offence"] is True
    assert seen["values"] == {"offence": True, "light": "red", "speed": 12.5}
    assert seen["redacted"] == ["plate"]
    assert seen["thumbnail_url"] is None and seen["clip_url"] is None
    full = client(Role.INVESTIGATOR).get(f"/api/events/{event_id}").json()
    assert full["values"]["plate"] == "AB12CDE" and full["redacted"] is None
    assert full["clip_url"] == f"/api/events/{event_id}/clip"
    denied = client(Role.VIEWER).get(f"/api/events/{event_id}/thumbnail")
    assert denied.status_code == 403
    assert "an offence's thumbnail needs the investigator role" in denied.json()["detail"]


def test_missing_event_is_a_404(client: Clients, seeded: Seeded) -> None:
    answer = client(Role.VIEWER).get("/api/events/999")
    assert answer.status_code == 404 and answer.json()["detail"] == "event 999 does not exist"
    assert client(Role.VIEWER).get("/api/events/abc").status_code == 422


def _detail(region: np.ndarray) -> float:
    return float(np.abs(np.diff(region.astype(np.float32), axis=1)).mean())


def _image(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def test_thumbnails_are_blurred_for_viewers(
    client: Clients, services: ApiServices, seeded: Seeded
) -> None:
    intrusion = seeded.ids["events"]["intrusion"]
    stored_path = services.store.event(intrusion).thumbnail_path  # type: ignore[union-attr]
    stored = _image((services.data_dir / stored_path).read_bytes())
    seen = client(Role.VIEWER).get(f"/api/events/{intrusion}/thumbnail")
    assert seen.status_code == 200 and seen.headers["content-type"] == "image/jpeg"
    blurred = _image(seen.content)
    head = slice(0, stored.shape[0] // 4 - 2)
    assert _detail(blurred[head]) < 0.3 * _detail(stored[head])  # the head of the crop
    body = slice(stored.shape[0] // 2, stored.shape[0])
    assert _detail(blurred[body]) > 0.5 * _detail(stored[body])  # the rest as it was
    raw = client(Role.INVESTIGATOR).get(f"/api/events/{intrusion}/thumbnail?unblurred=true")
    assert raw.content == (services.data_dir / stored_path).read_bytes()
    scene = client(Role.VIEWER).get(f"/api/events/{seeded.ids['events']['crowding']}/thumbnail")
    assert scene.status_code == 200


def test_clip_is_served_to_investigators(
    client: Clients, services: ApiServices, seeded: Seeded
) -> None:
    event_id = seeded.ids["events"]["red_light"]
    answer = client(Role.INVESTIGATOR).get(f"/api/events/{event_id}/clip")
    assert answer.status_code == 200 and answer.headers["content-type"] == "video/mp4"
    assert answer.content.startswith(b"\x00\x00\x00\x18ftyp")
    missing = client(Role.INVESTIGATOR).get(f"/api/events/{seeded.ids['events']['crowding']}/clip")
    assert missing.status_code == 404 and missing.json()["detail"].endswith("clip: no file")
    # Video is never blurred: each clip served is in the audit log, a missing one is not.
    views = services.audit().entries(AuditFilter(action="view.clip"))
    assert [(v.actor, v.target) for v in views] == [("investigator", f"event {event_id} clip")]


@pytest.mark.parametrize(
    "stored",
    [
        "../secret.txt",
        "media/../../secret.txt",
        "/etc/passwd",
        "media/clips/gate/../../../../secret.txt",
        "media/link-out.mp4",  # a symbolic link to outside
        "media",  # a directory
        "",
    ],
)
def test_a_stored_path_outside_the_data_dir_is_never_served(
    client: Clients, services: ApiServices, seeded: Seeded, stored: str
) -> None:
    secret = services.data_dir.parent / "secret.txt"
    secret.write_text("do not serve")
    link = services.data_dir / "media" / "link-out.mp4"
    if not link.exists():
        os.symlink(secret, link)
    event_id = seeded.ids["events"]["red_light"]
    with services.store.engine.begin() as connection:
        connection.execute(
            update(EventRow)
            .where(EventRow.id == event_id)
            .values(clip_path=stored, thumbnail_path=stored)
        )
    investigator = client(Role.INVESTIGATOR)
    for path in (f"/api/events/{event_id}/clip", f"/api/events/{event_id}/thumbnail?unblurred=1"):
        answer = investigator.get(path)
        assert answer.status_code == 404, (stored, answer.text)
        assert b"do not serve" not in answer.content


def test_traversal_in_the_url_does_not_reach_files(client: Clients, seeded: Seeded) -> None:
    investigator = client(Role.INVESTIGATOR)
    for path in ("/api/events/..%2F..%2Fetc%2Fpasswd/clip", "/api/events/1/../../../etc/passwd"):
        answer = investigator.get(path)
        assert answer.status_code in (404, 422)
        assert b"root:" not in answer.content


def test_data_dir_is_resolved(tmp_path: Path) -> None:
    from citywatch.api.media import resolve_media

    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.jpg").write_bytes(b"x")
    (tmp_path / "alias").symlink_to(tmp_path / "real")
    assert resolve_media(tmp_path / "alias", "a.jpg", "x") == (tmp_path / "real" / "a.jpg")


def test_an_offset_past_the_end_is_an_empty_page(client: Clients, seeded: Seeded) -> None:
    viewer = client(Role.VIEWER)
    for path in ("/api/events", "/api/alerts", "/api/cameras"):
        answer = viewer.get(f"{path}?offset=99999999999999999999")
        assert answer.status_code == 200, (path, answer.text)
        assert answer.json()["items"] == [] and answer.json()["next_offset"] is None
    assert viewer.get("/api/events/99999999999999999999").status_code == 422
