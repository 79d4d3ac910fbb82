"""The audit log for admins and overseers: entries newest first with filters, and a check of
the whole chain (`citywatch audit verify` over HTTP)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from citywatch.api.deps import Admin, Services
from citywatch.api.schemas import AuditEntryOut, AuditVerifyOut, Page, PageQuery
from citywatch.store.audit import AuditEntry, AuditFilter

router = APIRouter(prefix="/api/audit", tags=["audit"])


@router.get("", summary="Audit log entries, newest first (admins)")
def list_entries(
    user: Admin,
    services: Services,
    page: PageQuery,
    action: Annotated[
        str | None,
        Query(max_length=64, description="an action, or a prefix ending in '.' (search.)"),
    ] = None,
    actor: Annotated[str | None, Query(max_length=64, description="a username")] = None,
    case: Annotated[str | None, Query(max_length=64, description="a case reference")] = None,
) -> Page[AuditEntryOut]:
    where = AuditFilter(action=action, actor=actor, case_ref=case)
    entries = services.audit().entries(where, limit=page.fetch, offset=page.offset)
    return page.page([entry_out(e) for e in entries])


@router.get("/verify", summary="Check the audit log's hash chain (admins)")
async def verify(user: Admin, services: Services) -> AuditVerifyOut:
    report = await run_in_threadpool(services.audit().verify)  # reads the whole log
    broken = report.first_broken
    return AuditVerifyOut(
        intact=report.intact,
        entries=report.entries,
        first_broken=None if broken is None else broken.id,
        why=None if broken is None else broken.why,
    )


def entry_out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        id=entry.id,
        time=entry.time,
        actor=entry.actor,
        actor_role=entry.actor_role,
        action=entry.action,
        outcome=entry.outcome,
        case=entry.case_ref,
        purpose=entry.purpose,
        target=entry.target,
        detail=json.loads(entry.detail),
        prev_hash=entry.prev_hash,
        hash=entry.hash,
    )
