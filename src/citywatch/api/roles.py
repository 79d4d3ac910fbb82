"""Roles and what they may do. Ordered: each role may do what the ones below it may.

viewer: live wall, events, alerts, counts, with faces blurred.
investigator: search (face, person, attributes, plates), timelines, review, within a case.
admin: cameras, users, watchlists and hotlists, retention, settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Literal


class Role(IntEnum):
    VIEWER = 1
    INVESTIGATOR = 2
    ADMIN = 3

    @classmethod
    def parse(cls, name: str) -> Role:
        try:
            return cls[name.strip().upper()]
        except KeyError:
            known = ", ".join(r.name.lower() for r in cls)
            raise ValueError(f"unknown role {name!r} (known: {known})") from None

    @property
    def label(self) -> str:
        return self.name.lower()


# A role as the API spells it (the OpenAPI document lists the three).
RoleName = Literal["viewer", "investigator", "admin"]


@dataclass(frozen=True)
class User:
    """Who is calling: from a session cookie, a bearer token or an API key."""

    id: int
    username: str
    role: Role
    via: str  # "session", "token" or "api-key"

    def may(self, role: Role) -> bool:
        return self.role >= role
