"""Every data route needs a signed-in user, and the right role for what it serves."""

from __future__ import annotations

import re

import pytest
from api_seed import ROUTERS, Clients, make_app
from fastapi import HTTPException
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from citywatch.api.deps import current_user
from citywatch.api.roles import Role
from citywatch.api.services import ApiServices


def _signed_out() -> None:
    raise HTTPException(401, "sign in")


def test_every_data_route_answers_401_without_a_user(services: ApiServices) -> None:
    app = make_app(services)
    app.dependency_overrides[current_user] = _signed_out
    routes = [r for m in ROUTERS for r in m.router.routes if isinstance(r, APIRoute)]
    assert len(routes) >= 35
    with TestClient(app) as client:
        for route in routes:
            path = re.sub(r"\{kind\}", "face", route.path)
            path = re.sub(r"\{[a-z_]+\}", "1", path)
            for method in route.methods:
                answer = client.request(method, path)
                assert answer.status_code == 401, (method, route.path, answer.text)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/review"),
        ("POST", "/api/review/face/1"),
        ("GET", "/api/watchlist"),
        ("POST", "/api/watchlist"),
        ("POST", "/api/search/face"),
        ("POST", "/api/search/person"),
        ("GET", "/api/search/attributes?where=upper%3Dred"),
        ("GET", "/api/search/plates?pattern=LS1*"),
        ("GET", "/api/plates"),
        ("GET", "/api/plates/hotlist"),
        ("GET", "/api/persons"),
        ("GET", "/api/persons/person-a/trajectory"),
        ("POST", "/api/persons/tracks/1/move"),
        ("GET", "/api/alerts/face/1/evidence"),
        ("GET", "/api/events/3/clip"),
        ("GET", "/api/sightings/1/thumbnail"),
        ("GET", "/api/tracks/1/thumbnail"),
        ("GET", "/api/cameras/gate/snapshot?unblurred=true"),
        ("GET", "/api/cameras/gate/live.mjpeg?unblurred=true"),
        ("GET", "/api/events/1/thumbnail?unblurred=true"),
    ],
)
def test_a_viewer_is_refused_search_enrolment_evidence_and_unblurred_faces(
    client: Clients, seeded: object, method: str, path: str
) -> None:
    answer = client(Role.VIEWER).request(method, path)
    assert answer.status_code == 403, answer.text
    detail = answer.json()["detail"]
    assert re.search(r"needs the (investigator|admin) role \(you are viewer\)$", detail), detail


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/watchlist"),
        ("DELETE", "/api/watchlist/1"),
        ("POST", "/api/plates/hotlist"),
        ("DELETE", "/api/plates/hotlist/1"),
        ("POST", "/api/cameras"),
        ("PUT", "/api/cameras/gate"),
        ("DELETE", "/api/cameras/gate"),
    ],
)
def test_changes_to_lists_and_cameras_are_for_admins(
    client: Clients, seeded: object, method: str, path: str
) -> None:
    answer = client(Role.INVESTIGATOR).request(method, path, json={})
    assert answer.status_code == 403
    assert "admin role" in answer.json()["detail"]


def test_the_routes_are_in_the_openapi_document(services: ApiServices) -> None:
    document = make_app(services).openapi()
    paths = document["paths"]
    for path in (
        "/api/cameras",
        "/api/cameras/{camera_id}/live.mjpeg",
        "/api/events/{event_id}/clip",
        "/api/alerts/{kind}/{alert_id}/evidence",
        "/api/review/{kind}/{alert_id}",
        "/api/watchlist",
        "/api/search/face",
        "/api/persons/{identity}/trajectory",
        "/api/plates/hotlist",
        "/api/live/alerts",
    ):
        assert path in paths, path
    enrol = paths["/api/watchlist"]["post"]["requestBody"]["content"]["multipart/form-data"]
    photos = enrol["schema"]["properties"]["photos"]
    assert photos["items"]["format"] == "binary"
    face = paths["/api/search/face"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert face["schema"]["required"] == ["photo", "case", "purpose"]
    events = {p["name"] for p in paths["/api/events"]["get"]["parameters"]}
    assert {"limit", "offset", "camera", "type", "rule", "since", "until"} <= events
