"""User management: admins only, paged and filtered lists, the last admin kept."""

from __future__ import annotations

import pytest

from citywatch.api.roles import Role


@pytest.fixture
def admin(api):
    return {"X-API-Key": api.key("root", Role.ADMIN)}


def test_admins_create_list_and_filter_users(api, admin):
    client = api.client()
    for name, role in (("ada", "investigator"), ("bob", "viewer"), ("cy", "viewer")):
        body = {"username": name, "password": "long enough secret", "role": role}
        created = client.post("/api/users", json=body, headers=admin)
        assert created.status_code == 201, created.text
        assert created.json()["role"] == role and created.json()["active"] is True
    first = client.get("/api/users?limit=2", headers=admin).json()
    assert [u["username"] for u in first["items"]] == ["root", "ada"]
    assert first["next_offset"] == 2
    rest = client.get("/api/users?limit=2&offset=2", headers=admin).json()
    assert [u["username"] for u in rest["items"]] == ["bob", "cy"]
    assert rest["next_offset"] is None
    viewers = client.get("/api/users?role=viewer", headers=admin).json()["items"]
    assert [u["username"] for u in viewers] == ["bob", "cy"]
    assert client.get("/api/users?role=king", headers=admin).status_code == 422
    # Past what a database can count: an empty page (or a refusal), never a server error.
    past_the_end = client.get("/api/users?offset=99999999999999999999", headers=admin)
    assert past_the_end.status_code in (200, 422)
    assert past_the_end.status_code == 422 or past_the_end.json()["items"] == []


def test_bad_new_users_are_refused_with_the_field_named(api, admin):
    client = api.client()
    short = {"username": "ada", "password": "short", "role": "viewer"}
    answer = client.post("/api/users", json=short, headers=admin)
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("body.password: ")
    assert "short" not in answer.json()["detail"].split(": ", 1)[1].replace("at least", "")
    odd = {"username": "a b", "password": "long enough secret", "role": "viewer"}
    assert (
        client.post("/api/users", json=odd, headers=admin)
        .json()["detail"]
        .startswith("body.username: ")
    )
    good = {"username": "Ada", "password": "long enough secret", "role": "viewer"}
    assert client.post("/api/users", json=good, headers=admin).status_code == 201
    taken = client.post("/api/users", json=good | {"username": "ada"}, headers=admin)
    assert taken.status_code == 409 and taken.json() == {"detail": "username: 'ada' is taken"}


def test_admins_change_roles_disable_and_reset_passwords(api, admin):
    client = api.client()
    bob = api.user("bob")
    answer = client.patch(f"/api/users/{bob.id}", json={"role": "investigator"}, headers=admin)
    assert answer.status_code == 200 and answer.json()["role"] == "investigator"
    bob_client, _ = api.signed_in("bob")
    answer = client.patch(f"/api/users/{bob.id}", json={"disabled": True}, headers=admin)
    assert answer.json()["active"] is False
    assert bob_client.get("/api/auth/me").status_code == 401
    client.patch(f"/api/users/{bob.id}", json={"disabled": False}, headers=admin)
    new_password = {"password": "a brand new password"}
    assert client.patch(f"/api/users/{bob.id}", json=new_password, headers=admin).status_code == 200
    login = {"username": "bob", "password": "a brand new password"}
    assert api.client().post("/api/auth/login", json=login).status_code == 200
    assert client.get(f"/api/users/{bob.id}", headers=admin).json()["username"] == "bob"
    assert client.get("/api/users/999999", headers=admin).status_code == 404
    assert client.patch("/api/users/999999", json={}, headers=admin).status_code == 404
    assert client.get(f"/api/users/{2**63}", headers=admin).status_code == 422


def test_the_last_active_admin_cannot_be_demoted_or_disabled(api, admin):
    root = api.users.user_by_name("root")
    client = api.client()
    for change in ({"role": "viewer"}, {"disabled": True}):
        refused = client.patch(f"/api/users/{root.id}", json=change, headers=admin)
        assert refused.status_code == 409 and "last active admin" in refused.json()["detail"]


def test_admins_manage_anyones_keys(api, admin):
    client, csrf = api.signed_in("root")
    bob = api.user("bob")
    path = f"/api/users/{bob.id}/keys"
    created = client.post(path, json={"name": "bridge"}, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201 and created.json()["user_id"] == bob.id
    listed = client.get(path).json()["items"]
    assert [k["name"] for k in listed] == ["bridge"]
    me = api.client().get("/api/auth/me", headers={"X-API-Key": created.json()["key"]}).json()
    assert me["user"] == "bob"
    assert client.get("/api/users/424242/keys").status_code == 404
    # Not with an API key, though, even an admin's: a leaked key cannot spread.
    assert api.client().post(path, json={"name": "x"}, headers=admin).status_code == 403


@pytest.mark.parametrize("role", [Role.VIEWER, Role.INVESTIGATOR])
def test_only_admins_manage_users(api, role):
    headers = {"X-API-Key": api.key("someone", role)}
    client = api.client()
    body = {"username": "x", "password": "long enough secret", "role": "admin"}
    for method, path, json in (
        ("GET", "/api/users", None),
        ("POST", "/api/users", body),
        ("GET", "/api/users/1", None),
        ("PATCH", "/api/users/1", {"role": "admin"}),
        ("GET", "/api/users/1/keys", None),
        ("POST", "/api/users/1/keys", {"name": "x"}),
    ):
        answer = client.request(method, path, json=json, headers=headers)
        assert answer.status_code == 403, (method, path)
        assert answer.json()["detail"] == f"needs the admin role (you are {role.label})"
