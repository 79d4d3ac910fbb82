"""Human oversight in numbers: the threshold report built from review decisions
(watchlist/thresholds.py), for investigators and admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from citywatch.api.deps import Investigator, Services
from citywatch.watchlist.thresholds import threshold_report

router = APIRouter(prefix="/api/review", tags=["review"])


class DistanceBinOut(BaseModel):
    low: float
    high: float
    confirmed: int
    rejected: int


class ThresholdReportOut(BaseModel):
    embedder: str | None
    threshold: float | None
    confirmed: int
    rejected: int
    pending: int
    bins: list[DistanceBinOut]
    rejected_share: float | None
    suggested_threshold: float | None
    confirmed_kept: int
    rejected_avoided: int
    max_rejected_share: float


@router.get(
    "/thresholds",
    summary="Review decisions on face matches by distance, and a threshold they suggest",
)
def thresholds(
    user: Investigator,
    services: Services,
    max_rejected_share: Annotated[
        float, Query(gt=0, lt=1, description="rejected share to stay under")
    ] = 0.05,
    embedder: Annotated[
        str | None, Query(max_length=200, description="one face model (default: all)")
    ] = None,
) -> ThresholdReportOut:
    report = threshold_report(services.store, embedder, max_rejected_share=max_rejected_share)
    return ThresholdReportOut(
        embedder=report.embedder,
        threshold=report.threshold,
        confirmed=report.confirmed,
        rejected=report.rejected,
        pending=report.pending,
        bins=[DistanceBinOut(**vars(b)) for b in report.bins],
        rejected_share=report.rejected_share,
        suggested_threshold=report.suggested_threshold,
        confirmed_kept=report.confirmed_kept,
        rejected_avoided=report.rejected_avoided,
        max_rejected_share=report.max_rejected_share,
    )
