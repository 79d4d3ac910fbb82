"""FastAPI dependencies every router uses: the services, the calling user, role checks.

    @router.get("/events")
    def list_events(user: Viewer, services: Services) -> ...

`CurrentUser` answers 401 when the request carries no valid session, token or API key;
`Viewer`, `Investigator` and `Admin` also answer 403 when the user's role is below that one.
Tests of a router may replace `current_user` through `app.dependency_overrides`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from citywatch.api.roles import Role, User
from citywatch.api.services import ApiServices


def get_services(request: Request) -> ApiServices:
    services: ApiServices = request.app.state.services
    return services


Services = Annotated[ApiServices, Depends(get_services)]


def current_user(request: Request, services: Services) -> User:
    from citywatch.api.auth import authenticate

    user = authenticate(request, services)
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "sign in, or send a bearer token or an API key",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require(role: Role) -> Callable[..., User]:
    def check(user: CurrentUser) -> User:
        if not user.may(role):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"needs the {role.label} role (you are {user.role.label})",
            )
        return user

    return check


Viewer = Annotated[User, Depends(require(Role.VIEWER))]
Investigator = Annotated[User, Depends(require(Role.INVESTIGATOR))]
Admin = Annotated[User, Depends(require(Role.ADMIN))]
