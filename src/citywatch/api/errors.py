"""One shape for every error the API answers: `{"detail": "one line"}`.

- HTTPException: its status and detail (routes raise these for 401, 403, 404, 409, 429).
- Validation (422): each problem as `where.field: message`, joined with '; ', without the
  values sent (they may be passwords).
- citywatch's own errors: UsageError 400, StoreError 503 (the database cannot be reached),
  ModelError 503, any other CitywatchError 500; the message is meant for people already.
- Anything else: 500 "internal error (request <id>)", the traceback logged under that id.

Every response carries `X-Request-ID` and headers that keep pages from being framed or
sniffed; API answers are never cached.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from citywatch.core.errors import CitywatchError, ModelError, StoreError, UsageError

log = logging.getLogger("citywatch.api")

REQUEST_ID_HEADER = "X-Request-ID"
MAX_DETAIL = 500  # characters; a detail is one line for a person, not a dump

SECURITY_HEADERS = (
    # The UI is served from here and loads nothing from elsewhere (no CDN).
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)


class ErrorBody(BaseModel):
    detail: str


ERROR_RESPONSE: dict[str, Any] = {"model": ErrorBody}


def one_line(text: object) -> str:
    line = re.sub(r"\s+", " ", str(text)).strip()
    return line if len(line) <= MAX_DETAIL else line[: MAX_DETAIL - 1] + "…"


def validation_detail(errors: Any) -> str:
    parts = []
    for error in errors:
        where = ".".join(str(part) for part in error.get("loc", ()))
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return one_line("; ".join(parts) or "invalid request")


def request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", "") or "-")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(CitywatchError, _citywatch_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)


def _error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": one_line(detail)}, status_code=status, headers=headers)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return _error(exc.status_code, str(exc.detail), dict(exc.headers or {}))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    return _error(422, validation_detail(exc.errors()))


async def _citywatch_error(request: Request, exc: CitywatchError) -> JSONResponse:
    if isinstance(exc, UsageError):
        return _error(400, str(exc))
    if isinstance(exc, StoreError | ModelError):
        log.error("request %s: %s", request_id(request), exc)
        return _error(503, str(exc))
    log.error("request %s failed: %s", request_id(request), exc)
    return _error(500, str(exc))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    rid = request_id(request)
    log.error("request %s (%s %s) failed", rid, request.method, request.url.path, exc_info=exc)
    return _error(500, f"internal error (request {rid})", {REQUEST_ID_HEADER: rid})


class RequestContext:
    """Gives each request an id (in `request.state.request_id` and the response headers) and
    adds the security headers. Pure ASGI, so streamed answers are not buffered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = rid
        api = str(scope.get("path", "")).startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID_HEADER] = rid
                for name, value in SECURITY_HEADERS:
                    headers.setdefault(name, value)
                if api:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
