"""The threshold report from review decisions: bins, rejected share, the suggestion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from citywatch.core.records import Alert
from citywatch.store import open_store
from citywatch.store.alerts import AlertRecords
from citywatch.store.watchlists import EnrolmentPhoto, FaceRecords
from citywatch.watchlist.thresholds import threshold_report


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    made = open_store(None, tmp_path / "data")
    yield made
    made.close()


def raise_and_decide(store, decisions: list[tuple[float, str | None]]) -> None:  # type: ignore[no-untyped-def]
    faces = FaceRecords(store)
    photo = EnrolmentPhoto(np.zeros((64, 64, 3), np.uint8), np.ones(8, np.float32), "emb", 0.9)
    entry = faces.add_entry("Test", "reason", "basis", "admin", 4e9, [photo])
    reviews = AlertRecords(store)
    for index, (distance, decision) in enumerate(decisions):
        alert_id = faces.save_alert(
            Alert("gate", 1000.0 + index, "run", index, entry, "Test", distance, 0.5, "emb",
                  (0, 0, 40, 40))
        )  # fmt: skip
        if decision is not None:
            reviews.decide("face", alert_id, decision, "checked" if decision else "", "anna")


def test_an_empty_store_suggests_nothing(store) -> None:  # type: ignore[no-untyped-def]
    report = threshold_report(store)
    assert report.confirmed == report.rejected == report.pending == 0
    assert report.bins == () and report.suggested_threshold is None


def test_rejections_above_a_distance_suggest_a_lower_threshold(store) -> None:  # type: ignore[no-untyped-def]
    decisions = [(0.12, "confirm"), (0.18, "confirm"), (0.22, "confirm"), (0.31, "confirm")]
    decisions += [(0.41, "reject"), (0.44, "reject"), (0.47, "confirm"), (0.48, "reject")]
    decisions += [(0.3, None), (0.2, None)]
    raise_and_decide(store, decisions)
    report = threshold_report(store, max_rejected_share=0.05)
    assert (report.confirmed, report.rejected, report.pending) == (5, 3, 2)
    assert report.rejected_share == pytest.approx(3 / 8)
    assert report.threshold == 0.5 and report.embedder == "emb"
    # Up to 0.31 nothing was rejected; past it, 1 in 5 or worse.
    assert report.suggested_threshold == pytest.approx(0.31)
    assert report.confirmed_kept == 4 and report.rejected_avoided == 3
    counted = {(b.low, b.high): (b.confirmed, b.rejected) for b in report.bins}
    assert counted[(0.4, 0.45)] == (0, 2) and counted[(0.45, 0.5)] == (1, 1)
    assert sum(c for c, _ in counted.values()) == 5 and sum(r for _, r in counted.values()) == 3
    # A laxer target accepts the 0.47 confirmation with one rejection in six.
    assert threshold_report(store, max_rejected_share=0.25).suggested_threshold == pytest.approx(
        0.41
    )
