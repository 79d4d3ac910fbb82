"""Users (admins only) and API keys (everyone their own; admins anyone's).

- `/api/users`: list (`?role=`, paged), create, read, change role / disable / reset password.
  Users are disabled, never deleted (the audit log names them); the last active admin can be
  neither demoted nor disabled.
- `/api/keys`: the caller's own API keys; `/api/users/{id}/keys`: an admin's view of anyone's.
  A new key is answered once, in full; afterwards only its prefix is shown. A request made
  with an API key cannot create keys or change passwords: a leaked key cannot make itself
  permanent.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from citywatch.api.access import audit
from citywatch.api.deps import Admin, Services, Viewer
from citywatch.api.errors import ERROR_RESPONSE
from citywatch.api.roles import Role, RoleName, User
from citywatch.api.routers.auth import role_name
from citywatch.api.schemas import Page, PageQuery
from citywatch.core.errors import UsageError
from citywatch.store.schema import USERNAME_LENGTH
from citywatch.store.users import (
    API_KEY_NAME_LENGTH,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    ApiKeyInfo,
    NewApiKey,
    UserInfo,
    UsernameTaken,
)

MAX_ID = 2**63 - 1  # ids are 64-bit signed in both databases

UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="user id", examples=[1])]
KeyId = Annotated[int, Path(ge=1, le=MAX_ID, description="API key id", examples=[1])]
IncludeRevoked = Annotated[bool, Query(description="also list revoked keys")]

SIGNED_IN: dict[int | str, dict[str, Any]] = {401: ERROR_RESPONSE, 403: ERROR_RESPONSE}
FOUND: dict[int | str, dict[str, Any]] = {**SIGNED_IN, 404: ERROR_RESPONSE}

users = APIRouter(prefix="/api/users", tags=["users"], responses=SIGNED_IN)
keys = APIRouter(prefix="/api/keys", tags=["api keys"], responses=SIGNED_IN)
routers = (users, keys)


class UserOut(BaseModel):
    id: int
    username: str
    role: RoleName
    created_at: float
    disabled_at: float | None
    active: bool


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(
        pattern=rf"^[A-Za-z0-9][A-Za-z0-9._@-]{{0,{USERNAME_LENGTH - 1}}}$",
        description="letters, digits, '.', '_', '@', '-'; compared without case",
    )
    password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)
    role: RoleName


class UserChange(BaseModel):
    """What to change; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    role: RoleName | None = None
    disabled: bool | None = Field(default=None, description="true ends the user's sessions")
    password: str | None = Field(
        default=None,
        min_length=PASSWORD_MIN_LENGTH,
        max_length=PASSWORD_MAX_LENGTH,
        description="a new password; the user's sessions end",
    )


class ApiKeyOut(BaseModel):
    id: int
    user_id: int
    name: str
    prefix: str = Field(description="the key starts cw_<prefix>_")
    created_at: float
    last_used_at: float | None
    revoked_at: float | None
    active: bool


class NewApiKeyOut(ApiKeyOut):
    key: str = Field(description="the whole key, shown this once: send it as X-API-Key")


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1,
        max_length=API_KEY_NAME_LENGTH,
        pattern=r"^[^\x00-\x1f\x7f]+$",
        description="what the key is for, e.g. 'door controller'",
    )


# -- users ------------------------------------------------------------------------------------


@users.get("", summary="List users (admins)")
def list_users(
    _: Admin,
    services: Services,
    paging: PageQuery,
    role: Annotated[RoleName | None, Query(description="only users with this role")] = None,
) -> Page[UserOut]:
    rows = services.users().users(
        Role.parse(role) if role else None, limit=paging.fetch, offset=paging.offset
    )
    return paging.page([user_out(u) for u in rows])


@users.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a user (admins)",
    responses={400: ERROR_RESPONSE, 409: ERROR_RESPONSE},
)
def create_user(body: UserIn, admin: Admin, services: Services) -> UserOut:
    try:
        user = services.users().add_user(body.username, body.password, Role.parse(body.role))
    except UsernameTaken as taken:
        raise HTTPException(status.HTTP_409_CONFLICT, str(taken)) from None
    detail = {"user_id": user.id, "role": user.role.label}
    audit(services, admin, "user.create", detail=detail, target=f"user {user.username}")
    return user_out(user)


@users.get("/{user_id}", summary="One user (admins)", responses=FOUND)
def get_user(user_id: UserId, _: Admin, services: Services) -> UserOut:
    return user_out(_user(services, user_id))


@users.patch(
    "/{user_id}",
    summary="Change a user's role, disable or enable them, or set a new password (admins)",
    responses={**FOUND, 409: ERROR_RESPONSE},
)
def change_user(user_id: UserId, body: UserChange, admin: Admin, services: Services) -> UserOut:
    records = services.users()
    user: UserInfo | None = _user(services, user_id)
    try:
        if body.role is not None:
            user = records.set_role(user_id, Role.parse(body.role))
        if body.disabled is not None and user is not None:
            user = records.set_disabled(user_id, body.disabled)
        if body.password is not None and user is not None:
            user = records.set_password(user_id, body.password)
    except UsageError as refused:  # the last active admin
        raise HTTPException(status.HTTP_409_CONFLICT, str(refused)) from None
    if user is None:  # gone between the steps
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no user {user_id}")
    # What changed, never the password itself.
    detail = {"user_id": user_id, "role": body.role, "disabled": body.disabled}
    detail["password_reset"] = body.password is not None
    audit(services, admin, "user.change", detail=detail, target=f"user {user.username}")
    return user_out(user)


@users.get("/{user_id}/keys", summary="A user's API keys (admins)", responses=FOUND)
def list_user_keys(
    user_id: UserId,
    _: Admin,
    services: Services,
    paging: PageQuery,
    include_revoked: IncludeRevoked = False,
) -> Page[ApiKeyOut]:
    _user(services, user_id)
    return _keys_page(services, user_id, paging, include_revoked)


@users.post(
    "/{user_id}/keys",
    status_code=status.HTTP_201_CREATED,
    summary="Create an API key acting as this user (admins; e.g. for a service account)",
    responses=FOUND,
)
def create_user_key(
    user_id: UserId, body: ApiKeyIn, admin: Admin, services: Services
) -> NewApiKeyOut:
    _refuse_key_callers(admin)
    owner = _user(services, user_id)
    new = services.users().create_api_key(user_id, body.name)
    _audit_key(services, admin, "apikey.create", new.info, owner.username)
    return new_key_out(new)


# -- the caller's own API keys ----------------------------------------------------------------


@keys.get("", summary="Your API keys")
def list_keys(
    user: Viewer, services: Services, paging: PageQuery, include_revoked: IncludeRevoked = False
) -> Page[ApiKeyOut]:
    return _keys_page(services, user.id, paging, include_revoked)


@keys.post("", status_code=status.HTTP_201_CREATED, summary="Create an API key for yourself")
def create_key(body: ApiKeyIn, user: Viewer, services: Services) -> NewApiKeyOut:
    _refuse_key_callers(user)
    new = services.users().create_api_key(user.id, body.name)
    _audit_key(services, user, "apikey.create", new.info, user.username)
    return new_key_out(new)


@keys.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an API key: your own, or anyone's for admins",
    responses=FOUND,
)
def revoke_key(key_id: KeyId, user: Viewer, services: Services) -> None:
    records = services.users()
    key = records.api_key(key_id)
    if key is None or (key.user_id != user.id and not user.may(Role.ADMIN)):
        # Another user's key is "not found", not "forbidden": ids tell nothing about others.
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no API key {key_id}")
    if records.revoke_api_key(key_id):  # revoking a revoked key is no error
        _audit_key(services, user, "apikey.revoke", key, None)


# -- helpers ----------------------------------------------------------------------------------


def _user(services: Services, user_id: int) -> UserInfo:
    user = services.users().user(user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no user {user_id}")
    return user


def _audit_key(
    services: Services, user: User, action: str, key: ApiKeyInfo, owner: str | None
) -> None:
    detail = {"key_id": key.id, "owner_id": key.user_id, "name": key.name, "prefix": key.prefix}
    target = f"API key {key.prefix}" + (f" of {owner}" if owner else "")
    audit(services, user, action, detail=detail, target=target)


def _refuse_key_callers(user: User) -> None:
    if user.via == "api-key":
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "an API key cannot create API keys; sign in instead"
        )


def _keys_page(
    services: Services, user_id: int, paging: PageQuery, include_revoked: bool
) -> Page[ApiKeyOut]:
    rows = services.users().api_keys(
        user_id, include_revoked=include_revoked, limit=paging.fetch, offset=paging.offset
    )
    return paging.page([key_out(k) for k in rows])


def user_out(user: UserInfo) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        role=role_name(user.role),
        created_at=user.created_at,
        disabled_at=user.disabled_at,
        active=user.active,
    )


def key_out(key: ApiKeyInfo) -> ApiKeyOut:
    return ApiKeyOut(
        id=key.id,
        user_id=key.user_id,
        name=key.name,
        prefix=key.prefix,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
        active=key.revoked_at is None,
    )


def new_key_out(new: NewApiKey) -> NewApiKeyOut:
    return NewApiKeyOut(key=new.key, **key_out(new.info).model_dump())
