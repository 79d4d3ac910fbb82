"""Users, sessions and API keys in the store: hashes only, expiry, revocation, the last admin."""

from __future__ import annotations

import sqlite3

import pytest
from argon2 import PasswordHasher

from citywatch.api.roles import Role
from citywatch.core.errors import UsageError
from citywatch.store.users import (
    SESSION_IDLE_S,
    SESSION_MAX_S,
    TOUCH_EVERY_S,
    UsernameTaken,
    UserRecords,
    digest,
)

PASSWORD = "correct horse battery"
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # tests only


@pytest.fixture
def records(store):
    return UserRecords(store, CHEAP)


def rows(store_dir, sql):
    with sqlite3.connect(store_dir / "citywatch.db") as connection:
        return connection.execute(sql).fetchall()


def test_passwords_are_argon2_hashes_and_names_compare_without_case(records, store_dir):
    ada = records.add_user("Ada", PASSWORD, Role.ADMIN)
    assert (ada.username, ada.role, ada.active) == ("ada", Role.ADMIN, True)
    [(stored,)] = rows(store_dir, "SELECT password_hash FROM users")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert records.verify_login("ADA ", PASSWORD) == ada
    assert records.verify_login("ada", PASSWORD + "!") is None
    assert records.verify_login("nobody", PASSWORD) is None
    assert records.verify_login("bad\x00name", PASSWORD) is None


def test_bad_usernames_and_short_passwords_are_one_line_errors(records):
    with pytest.raises(UsageError, match=r"^password: needs at least 12 characters$"):
        records.add_user("ada", "short", Role.VIEWER)
    with pytest.raises(UsageError, match=r"^username: 'a b' is not valid"):
        records.add_user("a b", PASSWORD, Role.VIEWER)
    records.add_user("ada", PASSWORD, Role.VIEWER)
    with pytest.raises(UsernameTaken, match=r"^username: 'ada' is taken$"):
        records.add_user("ADA", PASSWORD, Role.ADMIN)


def test_a_disabled_user_cannot_sign_in_and_loses_sessions(records):
    records.add_user("root", PASSWORD, Role.ADMIN)
    bob = records.add_user("bob", PASSWORD, Role.VIEWER)
    new = records.create_session(bob)
    assert records.session(new.token) is not None
    records.set_disabled(bob.id, True)
    assert records.verify_login("bob", PASSWORD) is None
    assert records.session(new.token) is None
    records.set_disabled(bob.id, False)
    assert records.verify_login("bob", PASSWORD) is not None


def test_the_last_active_admin_stays_one(records):
    root = records.add_user("root", PASSWORD, Role.ADMIN)
    with pytest.raises(UsageError, match="last active admin"):
        records.set_role(root.id, Role.VIEWER)
    with pytest.raises(UsageError, match="last active admin"):
        records.set_disabled(root.id, True)
    other = records.add_user("other", PASSWORD, Role.ADMIN)
    assert records.set_role(root.id, Role.VIEWER).role == Role.VIEWER
    assert records.set_role(12345, Role.VIEWER) is None
    assert records.count_users(Role.ADMIN, active_only=True) == 1
    assert [u.username for u in records.users(Role.ADMIN)] == [other.username]


def test_sessions_store_only_a_digest_and_slide_until_their_maximum(records, store_dir):
    ada = records.add_user("ada", PASSWORD, Role.VIEWER)
    start = 1_000_000.0
    new = records.create_session(ada, now=start)
    [(token_hash,)] = rows(store_dir, "SELECT token_hash FROM sessions")
    assert token_hash == digest(new.token) and new.token not in token_hash
    assert new.session.expires_at == start + SESSION_IDLE_S
    # Used within the idle time: extended; left idle: gone.
    later = start + SESSION_IDLE_S - 1
    assert records.session(new.token, now=later).expires_at == later + SESSION_IDLE_S
    assert records.session(new.token, now=later + SESSION_IDLE_S + 1) is None
    # Used steadily: still ends SESSION_MAX_S after sign-in.
    steady = records.create_session(ada, now=start)
    now = start
    while now < start + SESSION_MAX_S - SESSION_IDLE_S:
        now += SESSION_IDLE_S / 2
        assert records.session(steady.token, now=now) is not None
    assert records.session(steady.token, now=start + SESSION_MAX_S + 1) is None
    assert records.session("not-a-token") is None


def test_session_use_is_written_at_most_once_a_minute(records, store_dir):
    ada = records.add_user("ada", PASSWORD, Role.VIEWER)
    new = records.create_session(ada, now=1000.0)
    records.session(new.token, now=1000.0 + TOUCH_EVERY_S / 2)
    assert rows(store_dir, "SELECT last_seen FROM sessions") == [(1000.0,)]
    records.session(new.token, now=1000.0 + TOUCH_EVERY_S)
    assert rows(store_dir, "SELECT last_seen FROM sessions") == [(1000.0 + TOUCH_EVERY_S,)]


def test_a_new_password_ends_other_sessions(records):
    ada = records.add_user("ada", PASSWORD, Role.VIEWER)
    mine, other = records.create_session(ada), records.create_session(ada)
    records.set_password(ada.id, "another long password", keep_session=mine.session.id)
    assert records.session(mine.token) is not None and records.session(other.token) is None
    assert records.verify_login("ada", "another long password") is not None
    assert records.verify_password(ada.id, PASSWORD) is False


def test_api_keys_are_shown_once_verified_by_digest_and_revocable(records, store_dir):
    ada = records.add_user("ada", PASSWORD, Role.INVESTIGATOR)
    new = records.create_api_key(ada.id, "door controller")
    assert new.key.startswith(f"cw_{new.info.prefix}_") and len(new.info.prefix) == 8
    [(key_hash, prefix)] = rows(store_dir, "SELECT key_hash, prefix FROM api_keys")
    assert key_hash == digest(new.key) and prefix == new.info.prefix
    assert records.verify_api_key(new.key) == ada
    assert records.api_key(new.info.id).last_used_at is not None
    assert records.verify_api_key(new.key[:-1] + "x") is None
    assert records.verify_api_key("cw_nothing") is None
    assert records.revoke_api_key(new.info.id) is True
    assert records.revoke_api_key(new.info.id) is False
    assert records.verify_api_key(new.key) is None
    assert records.api_keys(ada.id) == []
    assert [k.id for k in records.api_keys(ada.id, include_revoked=True)] == [new.info.id]


def test_api_keys_of_disabled_users_stop_working(records):
    records.add_user("root", PASSWORD, Role.ADMIN)
    bob = records.add_user("bob", PASSWORD, Role.VIEWER)
    key = records.create_api_key(bob.id, "script").key
    records.set_disabled(bob.id, True)
    assert records.verify_api_key(key) is None
    with pytest.raises(UsageError, match="name"):
        records.create_api_key(bob.id, "  ")
    with pytest.raises(UsageError, match="no user 999"):
        records.create_api_key(999, "x")


def test_huge_offsets_give_empty_pages(records):
    records.add_user("ada", PASSWORD, Role.VIEWER)
    assert records.users(offset=2**64) == []
    assert records.api_keys(offset=2**64) == []
