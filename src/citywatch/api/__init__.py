"""The HTTP API (FastAPI) and the web UI it serves: `create_app` builds both.

Every route under /api requires authentication except /api/health and /api/auth/login;
the OpenAPI document is the contract (`/api/openapi.json`).
"""
