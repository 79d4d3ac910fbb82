"""Helpers for the API's integration tests: a store-backed app and ways to sign in to it."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from citywatch.api.roles import Role
from citywatch.api.services import ApiServices
from citywatch.store.users import UserInfo, UserRecords

PASSWORD = "correct horse battery"
# The production parameters cost ~0.15 s a hash, by design; tests sign in hundreds of times.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@dataclass
class Api:
    app: FastAPI
    services: ApiServices
    users: UserRecords

    def client(self) -> TestClient:
        return TestClient(self.app)

    def user(self, name: str, role: Role = Role.VIEWER) -> UserInfo:
        return self.users.add_user(name, PASSWORD, role)

    def signed_in(self, name: str, role: Role = Role.VIEWER) -> tuple[TestClient, str]:
        """A client holding `name`'s session cookie, and the session's CSRF token."""
        if self.users.user_by_name(name) is None:
            self.user(name, role)
        client = self.client()
        answer = client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        return client, answer.json()["csrf_token"]

    def key(self, name: str, role: Role = Role.VIEWER) -> str:
        user = self.users.user_by_name(name) or self.user(name, role)
        return self.users.create_api_key(user.id, "tests").key
