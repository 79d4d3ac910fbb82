"""Licence plates on every backend: reads saved with tracks, wildcard search, hotlist, alerts."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pytest
from test_store_backends import T0, a_track

from citywatch.core.errors import UsageError
from citywatch.core.records import PlateRecord
from citywatch.store import Store
from citywatch.store.plates import PlateRecords, pattern_key, plate_key


def plate(text: str, camera: str = "gate", t: float = T0) -> PlateRecord:
    crop = np.full((60, 120, 3), 200, np.uint8)
    return PlateRecord(camera, t, text, 0.9, 5, (10, 20, 80, 20), "car", "white", crop)


def test_keys_fold_look_alikes_and_refuse_junk() -> None:
    assert plate_key("rk-099 an") == plate_key("RKO99AN") == "RK099AN"
    assert plate_key("LS15 EBC") == "LS15EBC"
    assert pattern_key("ls15*") == "LS15*" and pattern_key("?O9*") == "?09*"
    with pytest.raises(UsageError, match="pattern"):
        pattern_key("AB%12")


def test_reads_are_searched_with_wildcards(make_store: Callable[..., Store]) -> None:
    store = make_store()
    records = PlateRecords(store)
    for i, text in enumerate(["RKO99AN", "LS15EBC", "LS16EBC", "M5XSX"]):
        store.save_track(a_track("gate", i + 1, T0 + i), [], plate=plate(text, t=T0 + i))
    assert [r.text for r in records.search("RK099AN")] == ["RKO99AN"]  # O and 0 are one
    assert [r.text for r in records.search("LS1?EBC")] == ["LS16EBC", "LS15EBC"]
    assert [r.text for r in records.search("*EBC")] == ["LS16EBC", "LS15EBC"]
    assert records.search("LS15") == []  # whole plates unless a wildcard says otherwise
    [read] = records.search("M5*")
    assert (read.votes, read.vehicle_type, read.vehicle_colour) == (5, "car", "white")
    assert read.thumbnail_path is not None
    # Saving the track again replaces its plate read.
    store.save_track(a_track("gate", 4, T0 + 3), [], plate=plate("M5XSY", t=T0 + 3))
    assert [r.text for r in records.search("M5*")] == ["M5XSY"]


def test_hotlist_entries_match_expire_and_raise_alerts(make_store: Callable[..., Store]) -> None:
    store = make_store()
    records = PlateRecords(store)
    stolen = records.add_hotlist("ls15 ebc", "stolen", "police request 42", "op", time.time() + 60)
    records.add_hotlist("AB*", "case 7", "warrant", "op", time.time() + 60)
    entries = records.hotlist()
    assert [e.pattern for e in entries] == ["LS15EBC", "AB*"]
    assert entries[0].matches("LS15-EBC") and not entries[0].matches("LS16EBC")
    assert entries[1].matches("AB12CDE")
    alert_id = records.save_alert(plate("LS15EBC"), entries[0], "r1", 3)
    [alert] = records.alerts()
    assert (alert.id, alert.plate, alert.hotlist_id, alert.review) == (
        alert_id,
        "LS15EBC",
        stolen,
        "pending",
    )
    assert alert.evidence_path is not None
    assert records.remove_hotlist(stolen) and not records.remove_hotlist(stolen)
    assert [e.pattern for e in records.hotlist()] == ["AB*"]
    with pytest.raises(UsageError, match="past"):
        records.add_hotlist("XY1", "r", "b", "op", time.time() - 1)
    with pytest.raises(UsageError, match="reason"):
        records.add_hotlist("XY1", " ", "b", "op", time.time() + 60)
