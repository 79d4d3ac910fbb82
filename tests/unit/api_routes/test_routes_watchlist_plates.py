"""Watchlist enrolment with photos (a stand-in face pipeline), the plate hotlist, plate reads."""

from __future__ import annotations

import datetime as dt

import cv2
import numpy as np
from api_seed import IN_CASE, T0, Clients, FakeFaces, Seeded, in_case

from citywatch.api.roles import Role
from citywatch.api.services import ApiServices
from citywatch.store.watchlists import FaceRecords

NEXT_YEAR = (dt.date.today() + dt.timedelta(days=365)).isoformat()


def picture(flat: bool = False, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    image = np.full((120, 100, 3), 90, np.uint8)
    if not flat:
        image = rng.integers(0, 256, image.shape, dtype=np.uint8)
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


def enrol_form(**changes: str) -> dict[str, str]:
    form = {
        "name": "John Roe",
        "reason": "wanted",
        "legal_basis": "warrant 9",
        "expires": NEXT_YEAR,
        **IN_CASE,
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v != "-"}


def test_admin_enrols_a_person_with_photos(
    client: Clients, services: ApiServices, seeded: Seeded, fake_faces: FakeFaces
) -> None:
    files = [("photos", ("a.png", picture(seed=1))), ("photos[]", ("b.png", picture(seed=2)))]
    answer = client(Role.ADMIN).post("/api/watchlist", data=enrol_form(), files=files)
    assert answer.status_code == 201, answer.text
    entry = answer.json()
    assert entry["name"] == "John Roe" and entry["photos"] == 2 and entry["active"]
    assert entry["enrolled_by"] == "admin" and entry["legal_basis"] == "warrant 9"
    listed = client(Role.INVESTIGATOR).get("/api/watchlist").json()["items"]
    assert [e["name"] for e in listed] == ["Jane Doe", "John Roe"]
    stored = list((services.data_dir / "media" / "watchlist").rglob("*.jpg"))
    assert len(stored) == 3  # the seed's photo and these two


def test_one_bad_photo_stores_nothing(
    client: Clients, services: ApiServices, seeded: Seeded, fake_faces: FakeFaces
) -> None:
    files = [("photos", ("good.png", picture())), ("photos", ("flat.png", picture(flat=True)))]
    answer = client(Role.ADMIN).post("/api/watchlist", data=enrol_form(), files=files)
    assert answer.status_code == 422
    assert answer.json()["detail"] == (
        "photos[1] (flat.png): no face found; enrol a photo that shows the face"
    )
    corrupt = [("photos", ("x.jpg", b"not a picture at all" * 10))]
    answer = client(Role.ADMIN).post("/api/watchlist", data=enrol_form(), files=corrupt)
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("photos[0] (x.jpg): not a recognised image format")
    assert len(FaceRecords(services.store).entries(include_inactive=True)) == 1


def test_enrolment_fields_are_checked(
    client: Clients, seeded: Seeded, fake_faces: FakeFaces
) -> None:
    admin = client(Role.ADMIN)
    files = [("photos", ("a.png", picture()))]
    cases = {
        "legal_basis: Field required": enrol_form(legal_basis="-"),
        "expires: the date must be in the future": enrol_form(expires="2001-01-01"),
        "expires: 'soon' is not a date (YYYY-MM-DD)": enrol_form(expires="soon"),
        "name: String should have at least 1 character": enrol_form(name=""),
        "colour: Extra inputs are not permitted": {**enrol_form(), "colour": "red"},
    }
    for expected, form in cases.items():
        answer = admin.post("/api/watchlist", data=form, files=files)
        assert answer.status_code == 422, expected
        assert answer.json()["detail"] == expected
    no_photo = admin.post("/api/watchlist", data=enrol_form(), files=[("x", ("a.txt", b"x"))])
    assert no_photo.status_code == 422


def test_an_entry_is_removed_once(client: Clients, seeded: Seeded) -> None:
    admin = client(Role.ADMIN)
    entry = seeded.ids["entry"]
    assert admin.delete(in_case(f"/api/watchlist/{entry}")).status_code == 204
    again = admin.delete(in_case(f"/api/watchlist/{entry}"))
    assert again.status_code == 404 and "already removed" in again.json()["detail"]
    active = admin.get("/api/watchlist").json()["items"]
    everyone = admin.get("/api/watchlist?include_inactive=true").json()["items"]
    assert active == [] and everyone[0]["removed_at"] is not None


def test_hotlist_changes_are_for_admins(client: Clients, seeded: Seeded) -> None:
    admin = client(Role.ADMIN)
    body = {
        "pattern": "ab-12 *",
        "reason": "stolen",
        "legal_basis": "report 3",
        "expires": NEXT_YEAR,
        **IN_CASE,
    }
    created = admin.post("/api/plates/hotlist", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["pattern"] == "AB12*" and created.json()["added_by"] == "admin"
    patterns = [e["pattern"] for e in admin.get("/api/plates/hotlist").json()["items"]]
    assert patterns == ["LS1*", "AB12*"]
    bad = admin.post("/api/plates/hotlist", json={**body, "pattern": "AB%"})
    assert bad.status_code == 422 and "plate pattern 'AB%'" in bad.json()["detail"]
    past = admin.post("/api/plates/hotlist", json={**body, "expires": "2000-01-01"})
    assert past.status_code == 422 and "expiry is in the past" in past.json()["detail"]
    entry_id = created.json()["id"]
    assert admin.delete(in_case(f"/api/plates/hotlist/{entry_id}")).status_code == 204
    assert admin.delete(in_case(f"/api/plates/hotlist/{entry_id}")).status_code == 404
    assert client(Role.INVESTIGATOR).get("/api/plates/hotlist").status_code == 200


def test_plate_reads_with_filters_and_pictures(client: Clients, seeded: Seeded) -> None:
    investigator = client(Role.INVESTIGATOR)
    texts = [r["text"] for r in investigator.get("/api/plates").json()["items"]]
    assert texts == ["XY99ZZZ", "LS12ABC"]
    assert [r["text"] for r in investigator.get("/api/plates?camera=gate").json()["items"]] == [
        "LS12ABC"
    ]
    assert investigator.get(f"/api/plates?since={T0 + 100}").json()["items"][0]["text"] == (
        "XY99ZZZ"
    )
    found = investigator.get(in_case("/api/search/plates?pattern=ls1*")).json()["items"]
    assert [r["text"] for r in found] == ["LS12ABC"]
    assert found[0]["vehicle_type"] == "car" and found[0]["box"] == [40.0, 60.0, 50.0, 12.0]
    assert investigator.get(in_case("/api/search/plates?pattern=LSI2*")).json()[
        "items"
    ]  # I read as 1
    page = investigator.get("/api/plates?limit=1").json()
    assert page["next_offset"] == 1 and len(page["items"]) == 1
    bad = investigator.get(in_case("/api/search/plates?pattern=L%25"))
    assert bad.status_code == 422 and bad.json()["detail"].startswith("plate pattern 'L%'")
    picture_url = found[0]["thumbnail_url"]
    image = investigator.get(picture_url)
    assert image.status_code == 200 and image.content[:2] == b"\xff\xd8"
    assert investigator.get("/api/plates/999/thumbnail").status_code == 404
