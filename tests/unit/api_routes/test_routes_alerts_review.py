"""Alerts of both kinds in one order, their evidence, and the review queue's decisions."""

from __future__ import annotations

from api_seed import T0, Clients, Seeded

from citywatch.api.roles import Role
from citywatch.api.services import ApiServices


def test_alerts_of_both_kinds_newest_first(client: Clients, seeded: Seeded) -> None:
    items = client(Role.VIEWER).get("/api/alerts").json()["items"]
    assert [(a["kind"], a["time"]) for a in items] == [
        ("face", T0 + 301),
        ("plate", T0 + 50),
        ("face", T0 + 6),
    ]
    face, plate = items[2], items[1]
    assert face["face"]["entry_name"] == "Jane Doe" and face["face"]["distance"] == 0.21
    assert face["plate"] is None and face["review"] == "pending"
    assert face["evidence_url"] is None  # a viewer does not get the face crop
    assert plate["plate"] == {
        "hotlist_id": seeded.ids["hotlist"],
        "pattern": "LS1*",
        "reason": "stolen",
        "plate": "LS12ABC",
        "confidence": 0.93,
    }
    investigator = client(Role.INVESTIGATOR).get("/api/alerts?kind=face&camera=gate").json()
    assert [a["evidence_url"] for a in investigator["items"]] == [
        f"/api/alerts/face/{seeded.ids['face_alert']}/evidence"
    ]


def test_alert_filters_and_pages(client: Clients, seeded: Seeded) -> None:
    viewer = client(Role.VIEWER)
    assert [a["kind"] for a in viewer.get("/api/alerts?kind=plate").json()["items"]] == ["plate"]
    assert len(viewer.get(f"/api/alerts?since={T0 + 10}").json()["items"]) == 2
    assert len(viewer.get(f"/api/alerts?until={T0 + 50}").json()["items"]) == 1
    first = viewer.get("/api/alerts?limit=2").json()
    rest = viewer.get("/api/alerts?limit=2&offset=2").json()
    assert first["next_offset"] == 2 and rest["next_offset"] is None
    assert [a["time"] for a in first["items"] + rest["items"]] == [T0 + 301, T0 + 50, T0 + 6]
    assert viewer.get("/api/alerts?review=confirmed").json()["items"] == []
    assert viewer.get("/api/alerts?kind=car").status_code == 422


def test_evidence_is_for_investigators(
    client: Clients, services: ApiServices, seeded: Seeded
) -> None:
    path = f"/api/alerts/face/{seeded.ids['face_alert']}/evidence"
    assert client(Role.VIEWER).get(path).status_code == 403
    answer = client(Role.INVESTIGATOR).get(path)
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
    assert answer.content[:2] == b"\xff\xd8"
    plate = client(Role.INVESTIGATOR).get(f"/api/alerts/plate/{seeded.ids['plate_alert']}/evidence")
    assert plate.status_code == 200
    no_crop = client(Role.INVESTIGATOR).get(
        f"/api/alerts/face/{seeded.ids['face_alert_2']}/evidence"
    )
    assert no_crop.status_code == 404 and no_crop.json()["detail"].endswith("evidence: no file")
    missing = client(Role.VIEWER).get("/api/alerts/plate/99")
    assert (
        missing.status_code == 404 and missing.json()["detail"] == "plate alert 99 does not exist"
    )


def test_review_queue_is_oldest_first_and_pending_only(client: Clients, seeded: Seeded) -> None:
    investigator = client(Role.INVESTIGATOR)
    queue = investigator.get("/api/review").json()["items"]
    assert [(a["kind"], a["time"]) for a in queue] == [
        ("face", T0 + 6),
        ("plate", T0 + 50),
        ("face", T0 + 301),
    ]
    decided = investigator.post(
        f"/api/review/face/{seeded.ids['face_alert']}", json={"decision": "confirm"}
    )
    assert decided.status_code == 201, decided.text
    queue = investigator.get("/api/review?limit=1").json()
    assert [a["kind"] for a in queue["items"]] == ["plate"] and queue["next_offset"] == 1
    assert [a["kind"] for a in investigator.get("/api/review?kind=face").json()["items"]] == [
        "face"
    ]


def test_a_decision_is_stored_with_who_and_when_once(client: Clients, seeded: Seeded) -> None:
    investigator = client(Role.INVESTIGATOR)
    path = f"/api/review/plate/{seeded.ids['plate_alert']}"
    answer = investigator.post(path, json={"decision": "reject", "note": "  wrong car  "})
    assert answer.status_code == 201
    review = answer.json()
    assert review["decision"] == "rejected" and review["note"] == "wrong car"
    assert review["reviewed_by"] == "investigator" and review["reviewed_at"] > T0
    listed = investigator.get("/api/alerts?kind=plate").json()["items"][0]
    assert listed["review"] == "rejected" and listed["decision"] == review
    again = client(Role.ADMIN).post(path, json={"decision": "confirm"})
    assert again.status_code == 409
    assert again.json()["detail"].startswith(
        f"plate alert {seeded.ids['plate_alert']} was already rejected by investigator at "
    )
    assert client(Role.VIEWER).get("/api/alerts?review=rejected").json()["items"][0]["kind"] == (
        "plate"
    )


def test_a_rejection_needs_a_note(client: Clients, seeded: Seeded) -> None:
    path = f"/api/review/face/{seeded.ids['face_alert']}"
    answer = client(Role.INVESTIGATOR).post(path, json={"decision": "reject", "note": "  "})
    assert answer.status_code == 422
    assert answer.json() == {"detail": "note: a rejection needs a note saying why"}
    assert (
        client(Role.VIEWER).get("/api/alerts?review=pending").json()["items"][2]["id"]
        == (seeded.ids["face_alert"])
    )  # nothing stored


def test_bad_review_requests(client: Clients, seeded: Seeded) -> None:
    investigator = client(Role.INVESTIGATOR)
    unknown = investigator.post("/api/review/face/999", json={"decision": "confirm"})
    assert (
        unknown.status_code == 404 and unknown.json()["detail"] == "face alert 999 does not exist"
    )
    wrong = investigator.post("/api/review/face/1", json={"decision": "maybe"})
    assert wrong.status_code == 422 and "decision" in wrong.json()["detail"]
    assert investigator.post("/api/review/dog/1", json={"decision": "confirm"}).status_code == 422
