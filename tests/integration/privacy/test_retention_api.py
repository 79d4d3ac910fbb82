"""The retention router: admins only; purge, holds and erasures over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_seed import Clients, clients_for, make_app, make_services, seed
from sqlalchemy import select
from sqlalchemy.orm import Session

from citywatch.api.roles import Role
from citywatch.api.routers import retention
from citywatch.store.schema import AuditRow, CaseRow, IdentityRow

CONFIG: dict[str, Any] = {
    "reid": {"embedder": "colour"},
    "retention": {"sightings": 1, "tracks": 1, "events": 1, "alerts": 1, "plate_reads": 1},
    "cameras": [
        {"id": "gate", "source": "/videos/gate.mp4"},
        {"id": "yard", "source": "/videos/yard.mp4", "retention": {"sightings": None}},
    ],
}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[Clients, Any]]:
    services = make_services(tmp_path / "data", CONFIG)
    seeded = seed(services.store, services.config)
    with Session(services.store.engine) as session, session.begin():
        session.add(
            CaseRow(ref="2026-0007", title="t", description="d", status="open",
                    created_by="admin", created_at=0.0, closed_at=None)
        )  # fmt: skip
    app = make_app(services)
    app.include_router(retention.router)
    try:
        for clients in clients_for(app):
            yield clients, seeded
    finally:
        services.store.close()


def test_only_admins_reach_retention(api: tuple[Clients, Any]) -> None:
    clients, _ = api
    for role in (Role.VIEWER, Role.INVESTIGATOR):
        assert clients(role).post("/api/retention/purge", json={}).status_code == 403
        assert clients(role).get("/api/erasures").status_code == 403
        assert clients(role).get("/api/retention/holds").status_code == 403


def test_hold_then_purge_then_release(api: tuple[Clients, Any]) -> None:
    clients, seeded = api
    admin = clients(Role.ADMIN)
    offence = seeded.ids["events"]["red_light"]
    created = admin.post(
        "/api/retention/holds",
        json={"case": "2026-0007", "kind": "event", "record_id": str(offence), "reason": "court"},
    )
    assert created.status_code == 201, created.text
    hold = created.json()
    assert hold["created_by"] == Role.ADMIN.label and hold["released_at"] is None
    bad = admin.post(
        "/api/retention/holds",
        json={"case": "nope", "kind": "event", "record_id": "1", "reason": "r"},
    )
    assert bad.status_code == 400 and "no case" in bad.json()["detail"]

    dry = admin.post("/api/retention/purge", json={"dry_run": True}).json()
    assert dry["dry_run"] is True and dry["deleted"]["events"] == 2
    report = admin.post("/api/retention/purge", json={}).json()
    assert report["deleted"] == dry["deleted"]
    assert report["held"]["events"] == 1
    events = seeded.store.events(limit=10)
    assert [e.id for e in events] == [offence]
    # yard keeps sightings forever (null override); gate's are gone.
    cameras = {s.camera_id for s in seeded.store.sightings(limit=100)}
    assert "gate" not in cameras and "yard" in cameras

    listed = admin.get("/api/retention/holds", params={"case": "2026-0007"}).json()
    assert [h["id"] for h in listed] == [hold["id"]]
    released = admin.delete(f"/api/retention/holds/{hold['id']}")
    assert released.status_code == 200 and released.json()["released_at"] is not None
    assert admin.delete(f"/api/retention/holds/{hold['id']}").status_code == 404
    with Session(seeded.store.engine) as session:
        actions = list(session.scalars(select(AuditRow.action)))
    assert {"hold.add", "hold.release", "retention.purge"} <= set(actions)


def test_erasure_over_http(api: tuple[Clients, Any]) -> None:
    clients, seeded = api
    admin = clients(Role.ADMIN)
    assert admin.post("/api/erasures", json={"legal_basis": "x"}).status_code == 400
    missing = admin.post("/api/erasures", json={"legal_basis": "x", "identity_id": "nobody"})
    assert missing.status_code == 400
    done = admin.post(
        "/api/erasures", json={"identity_id": "person-a", "legal_basis": "Art. 17 request 3"}
    )
    assert done.status_code == 201, done.text
    body = done.json()
    assert body["requested_by"] == Role.ADMIN.label
    assert body["report"]["counts"]["tracks"] == 2
    assert body["report"]["deleted"]["identities"] == ["person-a"]
    with Session(seeded.store.engine) as session:
        assert session.get(IdentityRow, "person-a") is None
    assert [e["id"] for e in admin.get("/api/erasures").json()] == [body["id"]]


def test_an_id_past_what_the_database_holds_is_a_422(api: tuple[Clients, Any]) -> None:
    """The fuzz run found these reaching the database as a 500."""
    admin = api[0](Role.ADMIN)
    for body in ({"sighting_ids": [2**63]}, {"watchlist_entry_id": 2**64}, {"sighting_ids": [0]}):
        answer = admin.post("/api/erasures", json={"legal_basis": "request", **body})
        assert answer.status_code == 422, (body, answer.text)
