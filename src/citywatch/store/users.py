"""Users, their sessions and API keys: who may call the HTTP API and how they prove it.

Passwords are kept as Argon2id hashes; session tokens and API keys only as SHA-256 digests (they
are long random strings, so a fast digest is enough, and a stolen table signs nobody in). Every
change is committed at once: sign-ins and key revocations are rare and must be durable.

Users are disabled, never deleted, because the audit log names them. Disabling a user ends
their sessions; their API keys stop working while they are disabled.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, Row, Select, delete, func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from citywatch.api.roles import Role
from citywatch.core.errors import StoreError, UsageError
from citywatch.store.engine import reason
from citywatch.store.repository import Store
from citywatch.store.schema import USERNAME_LENGTH, ApiKeyRow, SessionRow, UserRow

T = TypeVar("T")
AnySelect = Select[*tuple[Any, ...]]
AnyRow = Row[*tuple[Any, ...]]

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 1024  # Argon2 takes any length; this bounds the work one request asks for
USERNAME_PATTERN = re.compile(rf"[a-z0-9][a-z0-9._@-]{{0,{USERNAME_LENGTH - 1}}}")
API_KEY_NAME_LENGTH = 100
MAX_OFFSET = 2**62

# A session lives while it is used: each use pushes its expiry to now + SESSION_IDLE_S, but
# never past SESSION_MAX_S after sign-in, so a stolen cookie does not last for ever.
SESSION_IDLE_S = 12 * 3600.0
SESSION_MAX_S = 7 * 24 * 3600.0
# Sliding expiry and "last used" are written at most this often, not on every request.
TOUCH_EVERY_S = 60.0

API_KEY_SCHEME = "cw"
API_KEY_PATTERN = re.compile(r"cw_([0-9a-f]{8})_([A-Za-z0-9_-]{43})")


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    role: Role
    created_at: float
    disabled_at: float | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None


@dataclass(frozen=True)
class SessionInfo:
    id: int
    user: UserInfo
    csrf_token: str
    created_at: float
    expires_at: float


@dataclass(frozen=True)
class NewSession:
    token: str  # given to the client once; only its digest is stored
    session: SessionInfo


@dataclass(frozen=True)
class ApiKeyInfo:
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: float
    last_used_at: float | None
    revoked_at: float | None

    @property
    def shown(self) -> str:
        """How a key is shown once created: enough to recognise it, not to use it."""
        return f"{API_KEY_SCHEME}_{self.prefix}_…"


@dataclass(frozen=True)
class NewApiKey:
    key: str  # given to the client once; only its digest is stored
    info: ApiKeyInfo


class UsernameTaken(UsageError):
    """Another user has that name already."""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def normalise_username(username: str) -> str:
    """Usernames compare case-insensitively: 'Ada' and 'ada' are one user."""
    name = username.strip().lower()
    if not USERNAME_PATTERN.fullmatch(name):
        raise UsageError(
            f"username: {username!r} is not valid; use 1-{USERNAME_LENGTH} letters, digits, "
            "'.', '_', '@' or '-', starting with a letter or digit"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise UsageError(f"password: needs at least {PASSWORD_MIN_LENGTH} characters")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise UsageError(f"password: at most {PASSWORD_MAX_LENGTH} characters")
    return password


class UserRecords:
    """Users, sessions and API keys on a `Store`'s database. Safe to share between threads."""

    def __init__(self, store: Store, hasher: PasswordHasher | None = None) -> None:
        self.store = store
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None
        self._dummy_lock = threading.Lock()

    # -- users -------------------------------------------------------------------------------

    def add_user(self, username: str, password: str, role: Role) -> UserInfo:
        name = normalise_username(username)
        row = UserRow(
            username=name,
            password_hash=self._hasher.hash(check_password(password)),
            role=role.label,
            created_at=time.time(),
            disabled_at=None,
        )
        try:
            with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            raise UsernameTaken(f"username: {name!r} is taken") from None
        except SQLAlchemyError as exc:
            raise self._error(f"add user {name!r}", exc) from exc
        return _user_info(row)

    def user(self, user_id: int) -> UserInfo | None:
        found = self._first(select(UserRow).where(UserRow.id == user_id))
        return None if found is None else _user_info(found[0])

    def user_by_name(self, username: str) -> UserInfo | None:
        name = username.strip().lower()
        if not USERNAME_PATTERN.fullmatch(name):
            return None
        found = self._first(select(UserRow).where(UserRow.username == name))
        return None if found is None else _user_info(found[0])

    def users(self, role: Role | None = None, limit: int = 100, offset: int = 0) -> list[UserInfo]:
        query = select(UserRow).order_by(UserRow.id).limit(limit).offset(_bounded(offset))
        if role is not None:
            query = query.where(UserRow.role == role.label)
        return self._read(lambda s: [_user_info(r) for r in s.scalars(query)])

    def count_users(self, role: Role | None = None, active_only: bool = False) -> int:
        query = select(func.count()).select_from(UserRow)
        if role is not None:
            query = query.where(UserRow.role == role.label)
        if active_only:
            query = query.where(UserRow.disabled_at.is_(None))
        return self._read(lambda s: int(s.scalar(query) or 0))

    def set_role(self, user_id: int, role: Role) -> UserInfo | None:
        """Change a user's role; refuses to demote the last active admin."""

        def change(session: Session, row: UserRow) -> None:
            if row.role == Role.ADMIN.label and role != Role.ADMIN and row.disabled_at is None:
                _keep_an_admin(session, row, "demote")
            row.role = role.label

        return self._change(user_id, "change the role of", change)

    def set_disabled(self, user_id: int, disabled: bool) -> UserInfo | None:
        """Disable (ending every session) or enable a user; refuses to disable the last admin."""

        def change(session: Session, row: UserRow) -> None:
            if not disabled:
                row.disabled_at = None
                return
            if row.disabled_at is not None:
                return
            if row.role == Role.ADMIN.label:
                _keep_an_admin(session, row, "disable")
            row.disabled_at = time.time()
            session.execute(delete(SessionRow).where(SessionRow.user_id == row.id))

        return self._change(user_id, "disable", change)

    def set_password(
        self, user_id: int, password: str, keep_session: int | None = None
    ) -> UserInfo | None:
        """Set a new password and end the user's sessions (except `keep_session`, the caller's)."""
        new_hash = self._hasher.hash(check_password(password))

        def change(session: Session, row: UserRow) -> None:
            row.password_hash = new_hash
            ended = delete(SessionRow).where(SessionRow.user_id == row.id)
            if keep_session is not None:
                ended = ended.where(SessionRow.id != keep_session)
            session.execute(ended)

        return self._change(user_id, "set the password of", change)

    def verify_password(self, user_id: int, password: str) -> bool:
        found = self._first(select(UserRow.password_hash).where(UserRow.id == user_id))
        if found is None:
            self._verify(self._dummy(), password)
            return False
        return self._verify(found[0], password)

    def verify_login(self, username: str, password: str) -> UserInfo | None:
        """The user, when the password is theirs and they are not disabled; else None.

        Unknown and disabled users cost the same Argon2 verification as known ones, so the
        answer's timing does not tell which usernames exist.
        """
        name = username.strip().lower()
        valid = USERNAME_PATTERN.fullmatch(name) is not None  # no query for what cannot exist
        found = self._first(select(UserRow).where(UserRow.username == name)) if valid else None
        if found is None:
            self._verify(self._dummy(), password)
            return None
        row: UserRow = found[0]
        if not self._verify(row.password_hash, password) or row.disabled_at is not None:
            return None
        if self._hasher.check_needs_rehash(row.password_hash):  # parameters were raised
            rehashed = self._hasher.hash(password)
            self._write(
                update(UserRow).where(UserRow.id == row.id).values(password_hash=rehashed),
                f"rehash the password of {name!r}",
            )
        return _user_info(row)

    def _verify(self, password_hash: str, password: str) -> bool:
        if len(password) > PASSWORD_MAX_LENGTH:
            return False
        try:
            return bool(self._hasher.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False

    def _dummy(self) -> str:
        with self._dummy_lock:
            if self._dummy_hash is None:
                self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
            return self._dummy_hash

    # -- sessions ----------------------------------------------------------------------------

    def create_session(self, user: UserInfo, now: float | None = None) -> NewSession:
        now = time.time() if now is None else now
        token = secrets.token_urlsafe(32)
        row = SessionRow(
            token_hash=digest(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + SESSION_IDLE_S,
            last_seen=now,
        )
        try:
            with self._sessions.begin() as session:
                # Sign-ins are rare: a good moment to drop sessions that ran out.
                session.execute(delete(SessionRow).where(SessionRow.expires_at <= now))
                session.add(row)
        except SQLAlchemyError as exc:
            raise self._error(f"start a session for {user.username!r}", exc) from exc
        return NewSession(token, _session_info(row, user))

    def session(self, token: str, now: float | None = None) -> SessionInfo | None:
        """The live session of an enabled user that `token` belongs to; extends its expiry."""
        now = time.time() if now is None else now
        query = (
            select(SessionRow, UserRow)
            .join(UserRow, UserRow.id == SessionRow.user_id)
            .where(SessionRow.token_hash == digest(token))
        )
        found = self._first(query)
        if found is None:
            return None
        row, user_row = found
        if row.expires_at <= now or user_row.disabled_at is not None:
            return None
        if now - row.last_seen >= TOUCH_EVERY_S:
            row.last_seen = now
            row.expires_at = min(now + SESSION_IDLE_S, row.created_at + SESSION_MAX_S)
            self._write(
                update(SessionRow)
                .where(SessionRow.id == row.id)
                .values(last_seen=row.last_seen, expires_at=row.expires_at),
                "extend a session",
            )
        return _session_info(row, _user_info(user_row))

    def end_session(self, session_id: int) -> bool:
        ended = self._write(delete(SessionRow).where(SessionRow.id == session_id), "end a session")
        return ended > 0

    def end_sessions(self, user_id: int) -> int:
        return self._write(
            delete(SessionRow).where(SessionRow.user_id == user_id), "end the sessions of a user"
        )

    def expire_sessions(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        return self._write(
            delete(SessionRow).where(SessionRow.expires_at <= now), "drop expired sessions"
        )

    # -- API keys ----------------------------------------------------------------------------

    def create_api_key(self, user_id: int, name: str) -> NewApiKey:
        """A new key for `user_id`; the full key is in the answer and nowhere else."""
        label = name.strip()
        if not label or len(label) > API_KEY_NAME_LENGTH:
            raise UsageError(f"name: an API key needs a name of 1-{API_KEY_NAME_LENGTH} characters")
        prefix = secrets.token_hex(4)
        key = f"{API_KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
        row = ApiKeyRow(
            user_id=user_id,
            name=label,
            prefix=prefix,
            key_hash=digest(key),
            created_at=time.time(),
            last_used_at=None,
            revoked_at=None,
        )
        try:
            with self._sessions.begin() as session:
                if session.get(UserRow, user_id) is None:
                    raise UsageError(f"user_id: no user {user_id}")
                session.add(row)
        except SQLAlchemyError as exc:
            raise self._error(f"create an API key for user {user_id}", exc) from exc
        return NewApiKey(key, _key_info(row))

    def api_keys(
        self,
        user_id: int | None = None,
        include_revoked: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[ApiKeyInfo]:
        query = (
            select(ApiKeyRow)
            .where(*_key_filters(user_id, include_revoked))
            .order_by(ApiKeyRow.id)
            .limit(limit)
            .offset(_bounded(offset))
        )
        return self._read(lambda s: [_key_info(r) for r in s.scalars(query)])

    def count_api_keys(self, user_id: int | None = None, include_revoked: bool = False) -> int:
        query = select(func.count()).select_from(ApiKeyRow)
        query = query.where(*_key_filters(user_id, include_revoked))
        return self._read(lambda s: int(s.scalar(query) or 0))

    def api_key(self, key_id: int) -> ApiKeyInfo | None:
        found = self._first(select(ApiKeyRow).where(ApiKeyRow.id == key_id))
        return None if found is None else _key_info(found[0])

    def verify_api_key(self, key: str, now: float | None = None) -> UserInfo | None:
        """The enabled user an unrevoked `key` belongs to; else None."""
        if not API_KEY_PATTERN.fullmatch(key):
            return None
        now = time.time() if now is None else now
        query = (
            select(ApiKeyRow, UserRow)
            .join(UserRow, UserRow.id == ApiKeyRow.user_id)
            .where(ApiKeyRow.key_hash == digest(key), ApiKeyRow.revoked_at.is_(None))
        )
        found = self._first(query)
        if found is None:
            return None
        row, user_row = found
        if user_row.disabled_at is not None:
            return None
        if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY_S:
            self._write(
                update(ApiKeyRow).where(ApiKeyRow.id == row.id).values(last_used_at=now),
                "note an API key's use",
            )
        return _user_info(user_row)

    def revoke_api_key(self, key_id: int) -> bool:
        """Revoke a key for good; False when there is no such key or it was revoked already."""
        revoked = self._write(
            update(ApiKeyRow)
            .where(ApiKeyRow.id == key_id, ApiKeyRow.revoked_at.is_(None))
            .values(revoked_at=time.time()),
            "revoke an API key",
        )
        return revoked > 0

    # -- plumbing ----------------------------------------------------------------------------

    def _change(
        self, user_id: int, what: str, change: Callable[[Session, UserRow], None]
    ) -> UserInfo | None:
        try:
            with self._sessions.begin() as session:
                row = session.get(UserRow, user_id, with_for_update=True)
                if row is None:
                    return None
                change(session, row)
                session.flush()
                return _user_info(row)
        except SQLAlchemyError as exc:
            raise self._error(f"{what} user {user_id}", exc) from exc

    def _first(self, query: AnySelect) -> AnyRow | None:
        return self._read(lambda session: session.execute(query).first())

    def _read(self, read: Callable[[Session], T]) -> T:
        try:
            with self._sessions() as session:
                return read(session)
        except SQLAlchemyError as exc:
            raise self._error("read users", exc) from exc

    def _write(self, statement: object, what: str) -> int:
        try:
            with self._sessions.begin() as session:
                result = session.execute(statement)  # type: ignore[call-overload]
        except SQLAlchemyError as exc:
            raise self._error(what, exc) from exc
        return int(result.rowcount)

    def _error(self, what: str, exc: SQLAlchemyError) -> StoreError:
        return StoreError(f"cannot {what} in database {self.store.url}: {reason(exc)}")


def _bounded(offset: int) -> int:
    """An offset both databases take (64-bit signed); past the last row the page is empty."""
    return min(max(offset, 0), MAX_OFFSET)


def _key_filters(user_id: int | None, include_revoked: bool) -> list[ColumnElement[bool]]:
    filters = []
    if user_id is not None:
        filters.append(ApiKeyRow.user_id == user_id)
    if not include_revoked:
        filters.append(ApiKeyRow.revoked_at.is_(None))
    return filters


def _keep_an_admin(session: Session, row: UserRow, verb: str) -> None:
    others = session.scalars(
        select(UserRow.id)
        .where(
            UserRow.role == Role.ADMIN.label, UserRow.disabled_at.is_(None), UserRow.id != row.id
        )
        .with_for_update()
    ).first()
    if others is None:
        raise UsageError(f"cannot {verb} {row.username!r}: they are the last active admin")


def _user_info(row: UserRow) -> UserInfo:
    return UserInfo(
        id=int(row.id),
        username=row.username,
        role=Role.parse(row.role),
        created_at=row.created_at,
        disabled_at=row.disabled_at,
    )


def _session_info(row: SessionRow, user: UserInfo) -> SessionInfo:
    return SessionInfo(
        id=int(row.id),
        user=user,
        csrf_token=row.csrf_token,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


def _key_info(row: ApiKeyRow) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=int(row.id),
        user_id=int(row.user_id),
        name=row.name,
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )
