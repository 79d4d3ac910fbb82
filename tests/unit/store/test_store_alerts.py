"""AlertRecords: face and plate alerts paged together, and decisions stored once."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from citywatch.core.records import Alert, PlateRecord
from citywatch.store import Store
from citywatch.store.alerts import AlertNotFoundError, AlertRecords, AlreadyReviewedError
from citywatch.store.plates import PlateRecords
from citywatch.store.watchlists import EnrolmentPhoto, FaceRecords

T0 = 1_700_000_000.0


def _seed(store: Store, faces: int, plates: int) -> None:
    records = FaceRecords(store)
    photo = EnrolmentPhoto(np.zeros((8, 8, 3), np.uint8), np.ones(4, np.float32), "m", 1.0)
    entry = records.add_entry("A", "why", "basis", "admin", time.time() + 3600, [photo])
    for i in range(faces):
        records.save_alert(
            Alert("gate", T0 + 2 * i, "r", i, entry, "A", 0.2, 0.4, "m", (0, 0, 1, 1))
        )
    hot = PlateRecords(store)
    hot_id = hot.add_hotlist("AB*", "stolen", "basis", "admin", time.time() + 3600)
    entry_info = hot.hotlist()[0]
    assert entry_info.id == hot_id
    for i in range(plates):
        plate = PlateRecord("yard", T0 + 2 * i + 1, "AB1", 0.9, 3, (0, 0, 1, 1))
        hot.save_alert(plate, entry_info, "r", i)


def test_both_kinds_page_together_in_time_order(store: Store) -> None:
    _seed(store, faces=5, plates=5)
    records = AlertRecords(store)
    pages = [records.alerts(limit=3, offset=o) for o in range(0, 12, 3)]
    times = [a.time for page in pages for a in page]
    assert times == sorted(times, reverse=True) and len(times) == 10
    kinds = [a.kind for a in records.alerts(limit=4)]
    assert kinds == ["plate", "face", "plate", "face"]
    oldest = records.alerts(limit=2, oldest_first=True)
    assert [(a.kind, a.time) for a in oldest] == [("face", T0), ("plate", T0 + 1)]
    assert {a.kind for a in records.alerts(kind="plate")} == {"plate"}
    assert [a.camera_id for a in records.alerts(camera_id="gate")] == ["gate"] * 5
    with pytest.raises(ValueError, match="limit"):
        records.alerts(limit=0)


def test_a_decision_is_stored_once(store: Store) -> None:
    _seed(store, faces=1, plates=1)
    records = AlertRecords(store)
    review = records.decide("face", 1, "reject", "not her", "ann", user_id=3)
    assert (review.decision, review.note, review.username, review.user_id) == (
        "rejected",
        "not her",
        "ann",
        3,
    )
    alert = records.get("face", 1)
    assert alert is not None and alert.review == "rejected" and alert.decision == review
    with pytest.raises(AlreadyReviewedError, match="face alert 1 was already rejected by ann"):
        records.decide("face", 1, "confirm", "", "bob")
    with pytest.raises(AlertNotFoundError, match="plate alert 7 does not exist"):
        records.decide("plate", 7, "confirm", "", "bob")
    assert records.get("plate", 1).review == "pending"  # type: ignore[union-attr]
    assert records.get("plate", 9) is None


def test_two_decisions_at_once_store_one(store: Store) -> None:
    _seed(store, faces=1, plates=0)
    records = AlertRecords(store)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def decide(name: str) -> None:
        barrier.wait()
        try:
            records.decide("face", 1, "confirm", "", name)
            outcomes.append("stored")
        except AlreadyReviewedError:
            outcomes.append("refused")

    threads = [threading.Thread(target=decide, args=(f"u{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 3 + ["stored"]
