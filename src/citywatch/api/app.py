"""`create_app`: the FastAPI application, the OpenAPI contract and the web UI's static files.

Every route under /api requires credentials except `GET /api/health` and
`POST /api/auth/login`; that includes the OpenAPI document (`/api/openapi.json`) and its
page (`/api/docs`), which describe what a signed-in user may call. `/` and `/static/` serve
the web UI, which signs in through the API.

The document is post-processed so it tells the truth: errors are `{"detail": "..."}` (422s
too), and every operation but the two public ones lists the three ways to authenticate.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from citywatch import __version__
from citywatch.api.auth import API_KEY_HEADER, PUBLIC, SESSION_COOKIE, CredentialsGate
from citywatch.api.deps import CurrentUser
from citywatch.api.errors import ErrorBody, RequestContext, install_error_handlers
from citywatch.api.routers import (
    alerts,
    audit,
    auth,
    cameras,
    cases,
    display,
    events,
    exports,
    health,
    live,
    oversight,
    persons,
    plates,
    retention,
    review,
    search,
    site,
    users,
    watchlists,
)
from citywatch.api.services import ApiServices
from citywatch.web import STATIC_DIR

OPENAPI_URL = "/api/openapi.json"
DOCS_URL = "/api/docs"
PUBLIC_OPERATIONS = frozenset((method.lower(), path) for method, path in PUBLIC)

# The data routers, imported by name so that a missing one fails loudly here.
DATA_ROUTERS = (
    cameras,
    events,
    alerts,
    watchlists,
    search,
    persons,
    plates,
    review,
    live,
    exports,
    site,
    cases,
    audit,
    display,
    retention,
    oversight,
)

SECURITY_SCHEMES = {
    "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
    "token": {"type": "http", "scheme": "bearer"},
    "apiKey": {"type": "apiKey", "in": "header", "name": API_KEY_HEADER},
}
ERROR_SCHEMA_REF = {"$ref": "#/components/schemas/ErrorBody"}


def create_app(services: ApiServices) -> FastAPI:
    app = FastAPI(
        title="citywatch",
        version=__version__,
        description="Accountable video analytics: cameras, events, alerts, search, review.",
        openapi_url=None,  # served below, behind authentication
        docs_url=None,  # Swagger UI loads from a CDN; /api/docs is served from here instead
        redoc_url=None,
    )
    app.state.services = services
    install_error_handlers(app)
    app.add_middleware(CredentialsGate)
    app.add_middleware(RequestContext)  # added last, so outermost: ids even on refusals

    app.include_router(health.router)
    app.include_router(auth.router)
    for router in (*users.routers, *(module.router for module in DATA_ROUTERS)):
        app.include_router(router)

    app.openapi = _contract(app)  # type: ignore[method-assign]

    @app.get(OPENAPI_URL, include_in_schema=False)
    def openapi_document(_: CurrentUser) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get(DOCS_URL, include_in_schema=False)
    def openapi_page(_: CurrentUser) -> HTMLResponse:
        return HTMLResponse(_docs_page(app.openapi()))

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def _contract(app: FastAPI) -> Callable[[], dict[str, Any]]:
    generate = app.openapi  # FastAPI's own: caches, and regenerates when routes change

    def openapi() -> dict[str, Any]:
        schema = generate()
        if not schema.get("x-citywatch-contract"):
            _tell_the_truth(schema)
            schema["x-citywatch-contract"] = True
        return schema

    return openapi


def _tell_the_truth(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["ErrorBody"] = ErrorBody.model_json_schema()
    # Validation errors are answered in the same one-line shape as every other error.
    schemas.pop("ValidationError", None)
    if "HTTPValidationError" in schemas:
        schemas["HTTPValidationError"] = ErrorBody.model_json_schema() | {
            "title": "HTTPValidationError"
        }
    components["securitySchemes"] = SECURITY_SCHEMES
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if (method, path) in PUBLIC_OPERATIONS:
                operation["security"] = []
                continue
            operation["security"] = [{name: []} for name in SECURITY_SCHEMES]
            operation["responses"].setdefault(
                "401",
                {
                    "description": "no valid session, token or API key",
                    "content": {"application/json": {"schema": ERROR_SCHEMA_REF}},
                },
            )


def _docs_page(schema: dict[str, Any]) -> str:
    """A plain list of the operations (Swagger UI would need a CDN); the JSON is the contract."""
    rows = []
    for path, item in sorted(schema.get("paths", {}).items()):
        for method, operation in item.items():
            if isinstance(operation, dict):
                rows.append(
                    "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>".format(
                        html.escape(method.upper()),
                        html.escape(path),
                        html.escape(str(operation.get("summary", ""))),
                    )
                )
    title = html.escape(f"{schema['info']['title']} {schema['info']['version']} API")
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        '<link rel="stylesheet" href="/static/style.css"></head><body><main>'
        f'<h1>{title}</h1><p>The contract: <a href="{OPENAPI_URL}">{OPENAPI_URL}</a>.</p>'
        "<table><thead><tr><th>method</th><th>path</th><th>what</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></main></body></html>"
    )
