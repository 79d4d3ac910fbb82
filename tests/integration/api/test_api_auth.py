"""Signing in and out, sessions, CSRF, the rate limit, API keys, roles."""

from __future__ import annotations

from api_support import PASSWORD

from citywatch.api.auth import SESSION_COOKIE
from citywatch.api.roles import Role


def login(client, username, password=PASSWORD):
    return client.post("/api/auth/login", json={"username": username, "password": password})


def test_health_answers_without_credentials(api):
    answer = api.client().get("/api/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok" and answer.json()["version"]
    assert answer.headers["X-Request-ID"] and answer.headers["X-Content-Type-Options"] == "nosniff"


def test_login_sets_a_strict_http_only_cookie_and_me_answers(api):
    api.user("ada", Role.INVESTIGATOR)
    client = api.client()
    answer = login(client, "Ada")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["user"], body["role"]) == ("ada", "investigator")
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}={body['token']};")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    me = client.get("/api/auth/me").json()
    assert me | {"expires_at": None} == {
        "id": body["id"],
        "user": "ada",
        "role": "investigator",
        "via": "session",
        "csrf_token": body["csrf_token"],
        "expires_at": None,
    }
    # The same session as a bearer token (scripts), without the cookie.
    bearer = api.client().get("/api/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert bearer.json()["via"] == "token" and bearer.json()["csrf_token"] is None


def test_secure_cookies_behind_https(api):
    api.services.secure_cookies = True
    api.user("ada")
    assert "Secure" in login(api.client(), "ada").headers["set-cookie"]


def test_wrong_password_unknown_and_disabled_users_get_the_same_401(api):
    api.user("root", Role.ADMIN)
    bob = api.user("bob")
    client = api.client()
    wrong = login(client, "bob", PASSWORD + "x")
    unknown = login(client, "nobody")
    api.users.set_disabled(bob.id, True)
    disabled = login(client, "bob")
    for answer in (wrong, unknown, disabled):
        assert answer.status_code == 401
        assert answer.json() == {"detail": "wrong username or password"}
        assert "set-cookie" not in answer.headers


def test_logout_ends_the_session(api):
    client, csrf = api.signed_in("ada")
    token = client.cookies[SESSION_COOKIE]
    assert client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/auth/me").status_code == 401
    again = api.client().get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 401


def test_disabling_a_user_ends_their_session_at_once(api):
    api.user("root", Role.ADMIN)
    client, _ = api.signed_in("bob")
    api.users.set_disabled(api.users.user_by_name("bob").id, True)
    assert client.get("/api/auth/me").status_code == 401


def test_failed_logins_are_rate_limited_with_retry_after(api):
    api.user("ada")
    client = api.client()
    for _ in range(5):
        assert login(client, "ada", "wrong password!").status_code == 401
    blocked = login(client, "ada")  # even the right password, while blocked
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 300
    assert "too many failed sign-ins" in blocked.json()["detail"]
    # Another user from another address is not affected ...
    api.user("bob")
    assert login(client, "bob").status_code == 200
    # ... but one address guessing across many usernames is.
    for i in range(20):
        login(client, f"guess{i}", "wrong password!")
    assert login(client, "bob").status_code == 429


def test_cookie_requests_that_change_things_need_the_csrf_token(api):
    client, csrf = api.signed_in("ada")
    body = {"name": "door controller"}
    missing = client.post("/api/keys", json=body)
    assert missing.status_code == 403 and "X-CSRF-Token" in missing.json()["detail"]
    wrong = client.post("/api/keys", json=body, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    odd = client.post("/api/keys", json=body, headers={"X-CSRF-Token": "é".encode("latin-1")})
    assert odd.status_code == 403
    assert client.post("/api/auth/logout").status_code == 403  # logout too
    assert client.get("/api/keys").status_code == 200  # reading needs none
    assert client.post("/api/keys", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201


def test_bearer_tokens_and_api_keys_need_no_csrf_token(api):
    token = login(api.client(), api.user("ada").username).json()["token"]
    bearer = api.client().post(
        "/api/keys", json={"name": "a"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert bearer.status_code == 201
    key = bearer.json()["key"]
    listed = api.client().get("/api/keys", headers={"X-API-Key": key})
    assert listed.status_code == 200 and len(listed.json()["items"]) == 1


def test_a_wrong_header_credential_is_refused_even_with_a_good_cookie(api):
    client, _ = api.signed_in("ada")
    assert client.get("/api/auth/me", headers={"X-API-Key": "cw_00000000_x"}).status_code == 401
    assert client.get("/api/auth/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_api_keys_are_shown_once_used_listed_and_revoked(api):
    client, csrf = api.signed_in("ada", Role.INVESTIGATOR)
    csrf_header = {"X-CSRF-Token": csrf}
    created = client.post("/api/keys", json={"name": "camera bridge"}, headers=csrf_header)
    assert created.status_code == 201
    new = created.json()
    assert new["key"].startswith(f"cw_{new['prefix']}_")
    listed = client.get("/api/keys").json()["items"]
    assert [k["id"] for k in listed] == [new["id"]] and "key" not in listed[0]

    with_key = api.client()
    me = with_key.get("/api/auth/me", headers={"X-API-Key": new["key"]}).json()
    assert (me["user"], me["role"], me["via"]) == ("ada", "investigator", "api-key")
    # A key cannot mint keys, nor change the password.
    refused = with_key.post("/api/keys", json={"name": "x"}, headers={"X-API-Key": new["key"]})
    assert refused.status_code == 403
    change = {"current_password": PASSWORD, "new_password": "something else entirely"}
    refused = with_key.post("/api/auth/password", json=change, headers={"X-API-Key": new["key"]})
    assert refused.status_code == 403

    revoked = client.delete(f"/api/keys/{new['id']}", headers={"X-CSRF-Token": csrf})
    assert revoked.status_code == 204
    assert with_key.get("/api/auth/me", headers={"X-API-Key": new["key"]}).status_code == 401
    assert client.get("/api/keys").json()["items"] == []
    assert len(client.get("/api/keys?include_revoked=true").json()["items"]) == 1


def test_users_revoke_only_their_own_keys_and_admins_any(api):
    bob_key = api.users.create_api_key(api.user("bob").id, "bob's").info.id
    client, csrf = api.signed_in("eve")
    assert client.delete(f"/api/keys/{bob_key}", headers={"X-CSRF-Token": csrf}).status_code == 404
    admin = {"X-API-Key": api.key("root", Role.ADMIN)}
    assert api.client().delete(f"/api/keys/{bob_key}", headers=admin).status_code == 204


def test_changing_your_password_ends_your_other_sessions(api):
    client, csrf = api.signed_in("ada")
    other, _ = api.signed_in("ada")
    change = {"current_password": PASSWORD, "new_password": "a much longer secret"}
    wrong = client.post(
        "/api/auth/password",
        json=change | {"current_password": "not it at all"},
        headers={"X-CSRF-Token": csrf},
    )
    assert wrong.status_code == 403
    assert (
        client.post("/api/auth/password", json=change, headers={"X-CSRF-Token": csrf}).status_code
        == 204
    )
    assert client.get("/api/auth/me").status_code == 200
    assert other.get("/api/auth/me").status_code == 401
    assert login(api.client(), "ada", "a much longer secret").status_code == 200
