"""Signing in and out: `/api/auth/login`, `/logout`, `/me`, `/password`.

Sign-in answers the session token twice: in the HttpOnly cookie (the web UI) and in the body
(`token`, for scripts that send it as a bearer token). Failed sign-ins are rate-limited per
username and per client address (`api/ratelimit.py`).
"""

from __future__ import annotations

import math
from typing import Any, Literal, cast

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from citywatch.api.access import audit
from citywatch.api.auth import (
    clear_session_cookie,
    request_session,
    set_session_cookie,
)
from citywatch.api.deps import CurrentUser, Services
from citywatch.api.errors import ERROR_RESPONSE
from citywatch.api.roles import Role, RoleName
from citywatch.store.schema import USERNAME_LENGTH
from citywatch.store.users import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH

router = APIRouter(prefix="/api/auth", tags=["auth"])

SIGNED_IN: dict[int | str, dict[str, Any]] = {401: ERROR_RESPONSE}
Via = Literal["session", "token", "api-key"]


def role_name(role: Role) -> RoleName:
    return cast(RoleName, role.label)


def client_address(request: Request) -> str:
    # The peer's address: behind a reverse proxy, the proxy's (see api/ratelimit.py).
    return request.client.host if request.client else "unknown"


def refuse_when_limited(services: Services, username: str, address: str) -> None:
    wait = services.login_limiter.retry_after(username, address)
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many failed sign-ins; try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=USERNAME_LENGTH)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)


class LoginOut(BaseModel):
    id: int
    user: str
    role: RoleName
    csrf_token: str = Field(description="send as X-CSRF-Token with cookie-authenticated changes")
    token: str = Field(description="the session token, for `Authorization: Bearer`")
    expires_at: float = Field(description="Unix seconds; each use extends it")


class MeOut(BaseModel):
    id: int
    user: str
    role: RoleName
    via: Via
    csrf_token: str | None = Field(description="for cookie sessions: the X-CSRF-Token to send")
    expires_at: float | None = Field(description="of the session; null for API keys")


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)
    new_password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)


@router.post(
    "/login",
    summary="Sign in with a username and password (no credentials needed)",
    responses={401: ERROR_RESPONSE, 429: ERROR_RESPONSE},
)
def login(body: LoginIn, request: Request, response: Response, services: Services) -> LoginOut:
    limiter = services.login_limiter
    address = client_address(request)
    refuse_when_limited(services, body.username, address)
    records = services.users()
    user = records.verify_login(body.username, body.password)
    if user is None:
        limiter.failed(body.username, address)
        # The name as typed (bounded by LoginIn), never the password.
        audit(services, None, "auth.login", "failed", actor=body.username, detail={"from": address})
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
    limiter.succeeded(body.username)
    new = records.create_session(user)
    audit(
        services,
        None,
        "auth.login",
        actor=user.username,
        detail={"from": address, "session": new.session.id},
    )
    set_session_cookie(response, new.token, secure=services.secure_cookies)
    return LoginOut(
        id=user.id,
        user=user.username,
        role=role_name(user.role),
        csrf_token=new.session.csrf_token,
        token=new.token,
        expires_at=new.session.expires_at,
    )


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End this session (an API key stays valid: revoke it instead)",
    responses={**SIGNED_IN, 403: ERROR_RESPONSE},
)
def logout(user: CurrentUser, request: Request, response: Response, services: Services) -> None:
    session = request_session(request)
    if session is not None:
        services.users().end_session(session.id)
    audit(services, user, "auth.logout", detail={"via": user.via})
    clear_session_cookie(response, secure=services.secure_cookies)


@router.get("/me", summary="Who the credentials belong to", responses=SIGNED_IN)
def me(user: CurrentUser, request: Request) -> MeOut:
    session = request_session(request)
    return MeOut(
        id=user.id,
        user=user.username,
        role=role_name(user.role),
        via=cast(Via, user.via),
        csrf_token=session.csrf_token if session is not None and user.via == "session" else None,
        expires_at=session.expires_at if session is not None else None,
    )


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change your own password; your other sessions end",
    responses={**SIGNED_IN, 403: ERROR_RESPONSE, 429: ERROR_RESPONSE},
)
def change_password(
    body: PasswordIn, user: CurrentUser, request: Request, services: Services
) -> None:
    session = request_session(request)
    if session is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "sign in to change your password")
    # Guessing through a stolen session is as slow as guessing at sign-in.
    address = client_address(request)
    refuse_when_limited(services, user.username, address)
    records = services.users()
    if not records.verify_password(user.id, body.current_password):
        services.login_limiter.failed(user.username, address)
        audit(services, user, "auth.password", "failed", detail={"from": address})
        raise HTTPException(status.HTTP_403_FORBIDDEN, "current_password: wrong password")
    records.set_password(user.id, body.new_password, keep_session=session.id)
    audit(services, user, "auth.password", detail={"from": address})
