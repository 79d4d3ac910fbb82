"""Checks inside a route, where the role needed depends on what is asked (an unblurred
picture, an offence's evidence), not on the route alone."""

from __future__ import annotations

from fastapi import HTTPException, status

from citywatch.api.roles import Role, User


def check_role(user: User, role: Role, what: str) -> None:
    """403, in the words of `deps.require`, naming what needed the role."""
    if not user.may(role):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"{what} needs the {role.label} role (you are {user.role.label})",
        )


def check_unblurred(user: User, unblurred: bool) -> bool:
    """Whether to serve faces as they are: only when asked, and only to an investigator."""
    if unblurred:
        check_role(user, Role.INVESTIGATOR, "an unblurred picture")
    return unblurred
