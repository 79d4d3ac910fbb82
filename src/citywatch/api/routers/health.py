"""`GET /api/health`: the one route that answers without credentials (load balancers, probes).

It says the process serves requests and nothing about the deployment beyond the version.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from citywatch import __version__

router = APIRouter(prefix="/api", tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]
    version: str


@router.get("/health", summary="Is the API up (no sign-in needed)")
def health() -> Health:
    return Health(status="ok", version=__version__)
