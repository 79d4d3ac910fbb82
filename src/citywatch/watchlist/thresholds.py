"""The threshold report: what people decided about face matches, by distance.

Every watchlist alert is a candidate that a person confirms or rejects (the review queue).
Those decisions are the only ground truth a live site has about its own cameras, so they feed
back here: reviewed alerts binned by face distance, the share rejected in each bin, and the
largest threshold at which no more than `max_rejected_share` of the reviewed matches it would
have raised were rejected. The report suggests; changing `faces.threshold` stays a person's
decision (a lower threshold also misses true matches, which no review can count).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from citywatch.store.repository import Store
from citywatch.store.schema import AlertRow

BIN_WIDTH = 0.05


@dataclass(frozen=True)
class DistanceBin:
    low: float
    high: float
    confirmed: int
    rejected: int


@dataclass(frozen=True)
class ThresholdReport:
    embedder: str | None
    threshold: float | None  # the threshold the alerts were raised under (the latest one)
    confirmed: int
    rejected: int
    pending: int
    bins: tuple[DistanceBin, ...]
    rejected_share: float | None  # of reviewed alerts
    suggested_threshold: float | None
    confirmed_kept: int  # confirmed matches at or under the suggestion
    rejected_avoided: int  # rejected matches over it
    max_rejected_share: float


def threshold_report(
    store: Store, embedder: str | None = None, max_rejected_share: float = 0.05
) -> ThresholdReport:
    """Reviewed face alerts of `embedder` (all embedders when None), binned by distance."""
    query = select(AlertRow.distance, AlertRow.threshold, AlertRow.review, AlertRow.embedder)
    if embedder is not None:
        query = query.where(AlertRow.embedder == embedder)
    with sessionmaker(store.engine)() as session:
        rows = session.execute(query.order_by(AlertRow.time)).all()
    confirmed = sorted(float(r.distance) for r in rows if r.review == "confirmed")
    rejected = sorted(float(r.distance) for r in rows if r.review == "rejected")
    pending = sum(1 for r in rows if r.review == "pending")
    reviewed = len(confirmed) + len(rejected)
    suggestion, kept, avoided = _suggest(confirmed, rejected, max_rejected_share)
    return ThresholdReport(
        embedder=embedder if embedder is not None else (rows[-1].embedder if rows else None),
        threshold=float(rows[-1].threshold) if rows else None,
        confirmed=len(confirmed),
        rejected=len(rejected),
        pending=pending,
        bins=_bins(confirmed, rejected),
        rejected_share=len(rejected) / reviewed if reviewed else None,
        suggested_threshold=suggestion,
        confirmed_kept=kept,
        rejected_avoided=avoided,
        max_rejected_share=max_rejected_share,
    )


def _bins(confirmed: list[float], rejected: list[float]) -> tuple[DistanceBin, ...]:
    if not confirmed and not rejected:
        return ()
    top = max(confirmed + rejected)
    count = int(top / BIN_WIDTH) + 1
    bins = []
    for index in range(count):
        low, high = index * BIN_WIDTH, (index + 1) * BIN_WIDTH
        bins.append(
            DistanceBin(
                low=round(low, 4),
                high=round(high, 4),
                confirmed=sum(1 for d in confirmed if low <= d < high),
                rejected=sum(1 for d in rejected if low <= d < high),
            )
        )
    return tuple(b for b in bins if b.confirmed or b.rejected)


def _suggest(
    confirmed: list[float], rejected: list[float], max_share: float
) -> tuple[float | None, int, int]:
    """The largest reviewed distance t such that, of the reviewed matches at or under t, at
    most `max_share` were rejected; None when there is nothing reviewed or no such t."""
    best: float | None = None
    for candidate in sorted(set(confirmed + rejected)):
        kept = sum(1 for d in confirmed if d <= candidate)
        wrong = sum(1 for d in rejected if d <= candidate)
        if kept and wrong / (kept + wrong) <= max_share:
            best = candidate
    if best is None:
        return None, 0, len(rejected)
    return (
        best,
        sum(1 for d in confirmed if d <= best),
        sum(1 for d in rejected if d > best),
    )
