"""Who is calling: a session cookie (the web UI), a bearer token (scripts) or an API key.

- Cookie `citywatch_session`: set at sign-in; HttpOnly (scripts on the page cannot read it),
  SameSite=Strict (other sites' pages do not send it), Secure behind HTTPS. Requests that change
  something (POST, PUT, PATCH, DELETE) must also carry `X-CSRF-Token` with the session's CSRF
  token, which the page gets from sign-in or `/api/auth/me`: another site can make a browser
  send the cookie along (SameSite aside), but cannot read that token.
- `Authorization: Bearer <token>`: the same session, for scripts that sign in with JSON.
- `X-API-Key: cw_...`: an integration acting as the key's user.

Header credentials need no CSRF token (a browser never adds them by itself) and take
precedence: a request carrying a wrong one is refused even when it also carries a good cookie.

`CredentialsGate` checks credentials for every /api/ path except health and sign-in before
routing, so no route can be reached without them, whatever its dependencies say, and nothing
(a malformed body, an unknown path) is answered before the 401. Roles are checked by the
routes' dependencies (`api/deps.py`), which find the caller the gate already identified.
"""

from __future__ import annotations

import hmac
import logging

from fastapi import HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from citywatch.api.errors import one_line
from citywatch.api.roles import User
from citywatch.api.services import ApiServices
from citywatch.core.errors import StoreError
from citywatch.store.users import SESSION_MAX_S, SessionInfo

log = logging.getLogger("citywatch.api")

SESSION_COOKIE = "citywatch_session"
CSRF_HEADER = "X-CSRF-Token"
API_KEY_HEADER = "X-API-Key"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PUBLIC = frozenset({("GET", "/api/health"), ("POST", "/api/auth/login")})
NO_CREDENTIALS = "sign in, or send a bearer token or an API key"


def authenticate(request: Request, services: ApiServices) -> User | None:
    """The caller, or None when the request carries no valid credential.

    Raises 403 for a cookie-authenticated unsafe request without the right CSRF token.
    Keeps the session (cookie or bearer) on `request.state.session` for sign-out.
    """
    known = getattr(request.state, "user", None)
    if isinstance(known, User):  # identified by the gate already
        return known
    records = services.users()
    api_key = request.headers.get(API_KEY_HEADER)
    if api_key is not None:
        user = records.verify_api_key(api_key.strip())
        return None if user is None else User(user.id, user.username, user.role, "api-key")
    authorization = request.headers.get("Authorization")
    if authorization is not None:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return _session_user(request, records.session(token.strip()), "token")
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    session = records.session(cookie)
    if session is not None and request.method in UNSAFE_METHODS:
        check_csrf(request, session)
    return _session_user(request, session, "session")


def check_csrf(request: Request, session: SessionInfo) -> None:
    sent = request.headers.get(CSRF_HEADER, "")
    # Compared as bytes: compare_digest refuses non-ASCII text, and headers may carry any.
    if not hmac.compare_digest(sent.encode("utf-8", "replace"), session.csrf_token.encode()):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"missing or wrong {CSRF_HEADER} header (send the csrf_token given at sign-in)",
        )


def request_session(request: Request) -> SessionInfo | None:
    """The session this request was authenticated with (None for API keys)."""
    session: SessionInfo | None = getattr(request.state, "session", None)
    return session


def set_session_cookie(response: Response, token: str, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_MAX_S),  # the server ends it sooner when idle
        path="/",
        secure=secure,
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response, secure: bool) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="strict"
    )


def _session_user(request: Request, session: SessionInfo | None, via: str) -> User | None:
    if session is None:
        return None
    request.state.session = session
    user = session.user
    return User(user.id, user.username, user.role, via)


class CredentialsGate:
    """Answers 401 to /api/ requests without valid credentials, before anything else runs.

    Tests that replace `deps.current_user` (`app.dependency_overrides`) replace this too.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if (
            scope["type"] != "http"
            or not (path == "/api" or path.startswith("/api/"))
            or (scope["method"], path) in PUBLIC
        ):
            await self.app(scope, receive, send)
            return
        from citywatch.api.deps import current_user

        application = scope["app"]
        if current_user in application.dependency_overrides:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            user = await run_in_threadpool(authenticate, request, application.state.services)
        except HTTPException as refused:  # a missing CSRF token
            await _refuse(refused.status_code, str(refused.detail), scope, receive, send)
            return
        except StoreError as exc:  # outside the app's error handlers, so answered here
            log.error("request %s: %s", scope.get("state", {}).get("request_id", "-"), exc)
            await _refuse(503, one_line(exc), scope, receive, send)
            return
        if user is None:
            await _refuse(401, NO_CREDENTIALS, scope, receive, send, {"WWW-Authenticate": "Bearer"})
            return
        request.state.user = user
        await self.app(scope, receive, send)


async def _refuse(
    code: int,
    detail: str,
    scope: Scope,
    receive: Receive,
    send: Send,
    headers: dict[str, str] | None = None,
) -> None:
    await JSONResponse({"detail": detail}, status_code=code, headers=headers)(scope, receive, send)
