"""Cases and the audit log through the API: an investigator works only in the open cases they
are assigned to; every search names its case and purpose and is logged with what it returned."""

from __future__ import annotations

import json

from api_seed import (
    CASE,
    CLOSED_CASE,
    IN_CASE,
    OTHER_CASE,
    PURPOSE,
    Clients,
    Seeded,
    in_case,
)

from citywatch.api.roles import Role
from citywatch.api.services import ApiServices
from citywatch.store.audit import AuditFilter

# `client(role)` sets the role of one shared TestClient: ask for it before each request.


def test_an_investigator_sees_only_the_cases_they_are_assigned_to(
    client: Clients, seeded: Seeded
) -> None:
    investigator = client(Role.INVESTIGATOR)
    assert [c["ref"] for c in investigator.get("/api/cases").json()["items"]] == [CASE]
    mine = investigator.get(f"/api/cases/{CASE}")
    assert mine.status_code == 200 and mine.json()["members"] == ["investigator"]
    other = investigator.get(f"/api/cases/{OTHER_CASE}")
    assert other.status_code == 403
    assert other.json() == {"detail": f"not assigned to case {OTHER_CASE}"}
    admin_sees = client(Role.ADMIN).get("/api/cases?include_closed=true").json()["items"]
    assert {c["ref"] for c in admin_sees} == {CASE, OTHER_CASE, CLOSED_CASE}
    assert client(Role.VIEWER).get("/api/cases").status_code == 403


def test_an_investigator_cannot_search_in_another_case(
    client: Clients, seeded: Seeded, services: ApiServices
) -> None:
    url = "/api/search/plates?pattern=LS1*"
    refused = client(Role.INVESTIGATOR).get(in_case(url, OTHER_CASE))
    assert refused.status_code == 403
    assert refused.json()["detail"] == f"not assigned to case {OTHER_CASE}"
    closed = client(Role.INVESTIGATOR).get(in_case(url, CLOSED_CASE))
    assert closed.status_code == 403  # not assigned comes first
    assert client(Role.ADMIN).get(in_case(url, CLOSED_CASE)).status_code == 409
    assert client(Role.ADMIN).get(in_case(url, OTHER_CASE)).status_code == 200  # any open case
    assert client(Role.INVESTIGATOR).get(in_case(url, "NO-SUCH-CASE")).status_code == 404
    trajectory = client(Role.INVESTIGATOR).get(
        in_case("/api/persons/person-a/trajectory", OTHER_CASE)
    )
    assert trajectory.status_code == 403
    entries = services.audit().entries(AuditFilter(actor="investigator"))
    assert {e.outcome for e in entries} == {"refused"}
    assert all(e.action.startswith("search.") for e in entries)


def test_case_and_purpose_are_required_and_named(client: Clients, seeded: Seeded) -> None:
    investigator = client(Role.INVESTIGATOR)
    no_case = investigator.get(f"/api/search/plates?pattern=LS1*&purpose={PURPOSE}")
    assert no_case.status_code == 422 and no_case.json()["detail"].startswith("query.case:")
    no_purpose = investigator.get(f"/api/search/plates?pattern=LS1*&case={CASE}")
    assert no_purpose.status_code == 422 and "purpose" in no_purpose.json()["detail"]
    blank = investigator.get(f"/api/search/plates?pattern=LS1*&case={CASE}&purpose=%20")
    assert blank.status_code == 422 and blank.json()["detail"].startswith("purpose:")
    photo = {"crop": ("c.png", b"not read before the form is checked")}
    form = investigator.post("/api/search/person", files=photo, data={"case": CASE})
    assert form.status_code == 422 and form.json()["detail"].startswith("purpose:")


def test_a_search_is_logged_with_its_case_purpose_query_and_ids(
    client: Clients, seeded: Seeded, services: ApiServices
) -> None:
    found = client(Role.INVESTIGATOR).get(in_case("/api/search/plates?pattern=LS1*")).json()
    entry = services.audit().entries(AuditFilter(action="search.plates"))[0]
    assert (entry.actor, entry.actor_role, entry.outcome) == ("investigator", "investigator", "ok")
    assert (entry.case_ref, entry.purpose) == (CASE, PURPOSE)
    detail = json.loads(entry.detail)
    assert detail["query"]["pattern"] == "LS1*"
    assert detail["reads"] == [r["id"] for r in found["items"]] and detail["reads"]


def test_admins_open_assign_and_close_cases(
    client: Clients, seeded: Seeded, services: ApiServices
) -> None:
    made = client(Role.ADMIN).post("/api/cases", json={"ref": "2026-0042", "title": "bikes"})
    assert made.status_code == 201 and made.json()["status"] == "open"
    assert (
        client(Role.ADMIN).post("/api/cases", json={"ref": "2026-0042", "title": "x"}).status_code
        == 409
    )
    assert (
        client(Role.ADMIN).post("/api/cases", json={"ref": "a b", "title": "x"}).status_code == 422
    )
    assert client(Role.INVESTIGATOR).get("/api/cases/2026-0042").status_code == 403
    added = client(Role.ADMIN).post("/api/cases/2026-0042/members", json={"user": "investigator"})
    assert added.status_code == 201 and added.json()["members"] == ["investigator"]
    assert client(Role.INVESTIGATOR).get("/api/cases/2026-0042").status_code == 200
    nobody = client(Role.ADMIN).post("/api/cases/2026-0042/members", json={"user": "nobody"})
    assert nobody.status_code == 404
    assert client(Role.ADMIN).post("/api/cases/2026-0042/close").json()["status"] == "closed"
    url = "/api/search/plates?pattern=LS1*&case=2026-0042&purpose=x"
    assert client(Role.INVESTIGATOR).get(url).status_code == 409
    removed = client(Role.ADMIN).delete("/api/cases/2026-0042/members/investigator")
    assert removed.status_code == 200 and removed.json()["members"] == []
    assert (
        client(Role.INVESTIGATOR).post("/api/cases", json={"ref": "X", "title": "x"}).status_code
        == 403
    )
    actions = [e.action for e in services.audit().entries(AuditFilter(case_ref=None))]
    assert {"case.create", "case.member.add", "case.close", "case.member.remove"} <= set(actions)


def test_enrolment_needs_a_case_and_is_logged(
    client: Clients, seeded: Seeded, services: ApiServices
) -> None:
    admin = client(Role.ADMIN)
    entry = seeded.ids["entry"]
    assert admin.delete(f"/api/watchlist/{entry}").status_code == 422
    assert admin.delete(in_case(f"/api/watchlist/{entry}", CLOSED_CASE)).status_code == 409
    assert admin.delete(in_case(f"/api/watchlist/{entry}")).status_code == 204
    logged = services.audit().entries(AuditFilter(action="watchlist.remove"))
    assert [(e.outcome, e.case_ref) for e in logged] == [("ok", CASE), ("refused", CLOSED_CASE)]


def test_audit_routes_are_for_admins_and_verify_the_chain(
    client: Clients, seeded: Seeded, services: ApiServices
) -> None:
    investigator = client(Role.INVESTIGATOR)
    investigator.get(in_case("/api/search/plates?pattern=LS1*"))
    investigator.get(in_case("/api/search/attributes?where=upper%3Dred"))
    assert investigator.get("/api/audit").status_code == 403
    assert investigator.get("/api/audit/verify").status_code == 403
    admin = client(Role.ADMIN)
    searches = admin.get("/api/audit?action=search.").json()["items"]
    assert [e["action"] for e in searches] == ["search.attributes", "search.plates"]
    assert searches[0]["case"] == CASE and isinstance(searches[0]["detail"]["tracks"], list)
    assert admin.get(f"/api/audit?case={CASE}&actor=investigator").json()["items"]
    report = admin.get("/api/audit/verify").json()
    assert report == {"intact": True, "entries": 2, "first_broken": None, "why": None}
    with services.store.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE audit_log SET purpose = 'other' WHERE id = 1")
    broken = admin.get("/api/audit/verify").json()
    assert broken["intact"] is False and broken["first_broken"] == 1
    assert broken["why"].startswith("edited")


def test_searches_send_the_case_as_form_fields(
    client: Clients, seeded: Seeded, services: ApiServices
) -> None:
    from api_seed import RED, person_crop
    from test_routes_search_persons import encoded

    crop = {"crop": ("c.png", encoded(person_crop(RED, seed=99)))}
    investigator = client(Role.INVESTIGATOR)
    other = investigator.post(
        "/api/search/person", files=crop, data={**IN_CASE, "case": OTHER_CASE}
    )
    assert other.status_code == 403
    ok = investigator.post("/api/search/person?limit=2", files=crop, data=IN_CASE)
    assert ok.status_code == 200
    entry = services.audit().entries(AuditFilter(action="search.person"))[0]
    assert json.loads(entry.detail)["tracks"] == [h["track_id"] for h in ok.json()["items"]]
    assert "c.png" in entry.detail and "embedding" not in entry.detail
