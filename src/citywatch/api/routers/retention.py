"""Retention, case holds and erasures (admins only).

- POST /api/retention/purge: run a purge now (or `dry_run`: count only); the report back.
- GET/POST /api/retention/holds, DELETE /api/retention/holds/{id}: case holds.
- POST /api/erasures: erase one person's data; GET /api/erasures: those carried out.

Purges and erasures run in a worker thread (they may take seconds); each of these actions is
written to the audit log with its counts (ids and counts, never the data).
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from citywatch.api.access import CaseUse, audit
from citywatch.api.deps import Admin, Services
from citywatch.api.errors import ERROR_RESPONSE
from citywatch.api.schemas import MAX_ROW_ID
from citywatch.api.services import ApiServices
from citywatch.privacy.erasure import ErasureRequest, ErasureResult, erase, erasure, erasures
from citywatch.store.schema import CASE_REF_LENGTH

router = APIRouter(tags=["retention"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: ERROR_RESPONSE,
    401: ERROR_RESPONSE,
    403: ERROR_RESPONSE,
    404: ERROR_RESPONSE,
    422: ERROR_RESPONSE,
    503: ERROR_RESPONSE,
}


class PurgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dry_run: bool = Field(default=False, description="count what would go; delete nothing")


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case: str = Field(min_length=1, max_length=CASE_REF_LENGTH, description="an open case")
    kind: str = Field(
        description="identity, track, sighting, event, plate_read, face_alert or plate_alert"
    )
    record_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=2000)


class HoldOut(BaseModel):
    id: int
    case_ref: str
    kind: str
    record_id: str
    reason: str
    created_by: str
    created_at: float
    released_at: float | None


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identity_id: str | None = Field(default=None, max_length=32)
    # Ids within what the database holds: a larger number is a 422, not a database error.
    sighting_ids: list[Annotated[int, Field(ge=1, le=MAX_ROW_ID)]] = Field(
        default=[], max_length=10_000
    )
    watchlist_entry_id: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)
    legal_basis: str = Field(min_length=1, max_length=2000, description="the request answered")
    override_holds: str | None = Field(
        default=None, max_length=2000, description="erase held records too, for this reason"
    )


class ErasureOut(BaseModel):
    id: int
    subject: str
    requested_by: str
    requested_at: float
    legal_basis: str
    report: dict[str, Any]


@router.post("/api/retention/purge", responses=_ERRORS)
async def run_purge(body: PurgeIn, user: Admin, services: Services) -> dict[str, Any]:
    """Purge by the configured retention now; the report (counts per kind, files, bytes)."""
    from citywatch.privacy.retention import purge

    report = await run_in_threadpool(purge, services.store, services.config, dry_run=body.dry_run)
    result = report.to_dict()
    if not body.dry_run:
        audit(services, user, "retention.purge", detail={"deleted": result["deleted"]})
    return result


@router.get("/api/retention/holds", responses=_ERRORS)
def list_holds(
    user: Admin,
    services: Services,
    case: Annotated[str | None, Query(max_length=CASE_REF_LENGTH)] = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    record_id: Annotated[str | None, Query(max_length=64)] = None,
    include_released: bool = False,
) -> list[HoldOut]:
    from citywatch.store.holds import HoldRecords

    holds = HoldRecords(services.store).holds(case, kind, record_id, None, include_released)
    return [HoldOut(**dataclasses.asdict(h)) for h in holds]


@router.post("/api/retention/holds", status_code=status.HTTP_201_CREATED, responses=_ERRORS)
def add_hold(body: HoldIn, user: Admin, services: Services) -> HoldOut:
    """Hold a record for an open case (400 for an unknown case, kind or record)."""
    from citywatch.store.holds import HoldRecords

    records = HoldRecords(services.store)
    hold_id = records.add(body.case, body.kind, body.record_id, body.reason, user.username)
    audit(
        services,
        user,
        "hold.add",
        case=CaseUse(body.case, body.reason),
        target=f"{body.kind} {body.record_id}",
        detail={"hold_id": hold_id},
    )
    [hold] = records.holds(hold_id=hold_id)
    return HoldOut(**dataclasses.asdict(hold))


@router.delete("/api/retention/holds/{hold_id}", responses=_ERRORS)
def release_hold(hold_id: int, user: Admin, services: Services) -> HoldOut:
    from citywatch.store.holds import HoldNotFoundError, HoldRecords

    try:
        hold = HoldRecords(services.store).release(hold_id)
    except HoldNotFoundError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    audit(
        services,
        user,
        "hold.release",
        case=CaseUse(hold.case_ref, hold.reason),
        target=f"{hold.kind} {hold.record_id}",
        detail={"hold_id": hold_id},
    )
    return HoldOut(**dataclasses.asdict(hold))


@router.post("/api/erasures", status_code=status.HTTP_201_CREATED, responses=_ERRORS)
async def create_erasure(body: ErasureIn, user: Admin, services: Services) -> ErasureOut:
    """Erase one person's data (400 for nothing named, or a record that does not exist)."""
    request = ErasureRequest(
        requested_by=user.username,
        legal_basis=body.legal_basis,
        identity_id=body.identity_id,
        sighting_ids=tuple(body.sighting_ids),
        watchlist_entry_id=body.watchlist_entry_id,
        override_holds=body.override_holds,
    )
    result = await run_in_threadpool(_erase_locked, services, request)
    audit(
        services,
        user,
        "erasure",
        target=request.subject(),
        detail={"erasure_id": result.erasure_id, "counts": result.report["counts"]},
    )
    row = erasure(services.store, result.erasure_id)
    if row is None:  # pragma: no cover - written in the same call
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no erasure {result.erasure_id}")
    return ErasureOut(**row)


@router.get("/api/erasures", responses=_ERRORS)
def list_erasures(
    user: Admin, services: Services, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[ErasureOut]:
    return [ErasureOut(**row) for row in erasures(services.store, limit)]


def _erase_locked(services: ApiServices, request: ErasureRequest) -> ErasureResult:
    # Searches share the in-process face index: none runs while its files are rebuilt.
    with services.face_index_lock:
        return erase(services.store, request)
