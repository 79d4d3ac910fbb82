from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from store_factories import T0, track

from citywatch.core.classes import ObjectClass
from citywatch.core.records import TrackPoint
from citywatch.store.convert import plain_json, track_values, utc_day


def test_utc_day_uses_utc_not_local_time() -> None:
    midnight = dt.datetime(2024, 3, 1, tzinfo=dt.UTC).timestamp()
    assert utc_day(midnight - 0.001) == dt.date(2024, 2, 29)
    assert utc_day(midnight) == dt.date(2024, 3, 1)


def test_plain_json_turns_pipeline_values_into_plain_python() -> None:
    values = {
        "count": np.int64(3),
        "speed": np.float32(1.5),
        "box": (1, 2.5),
        "hist": np.array([1, 2]),
        "cls": ObjectClass.VEHICLE,
        "undefined": math.nan,
        "nested": {1: [np.bool_(True), None, "x"]},
    }
    assert plain_json(values) == {
        "count": 3,
        "speed": 1.5,
        "box": [1, 2.5],
        "hist": [1, 2],
        "cls": 1,
        "undefined": None,
        "nested": {"1": [True, None, "x"]},
    }
    assert type(plain_json(values)["count"]) is int


def test_plain_json_names_what_cannot_be_stored() -> None:
    with pytest.raises(TypeError, match=r"values\.when: datetime"):
        plain_json({"when": dt.datetime.now()}, "values")


def test_track_values_drops_path_points_that_are_not_finite() -> None:
    record = track(path=(TrackPoint(T0, 1.0, 2.0), TrackPoint(T0 + 1, math.nan, 2.0)))
    values = track_values(record)
    assert values["path"] == [[T0, 1.0, 2.0]]
    assert values["class_id"] == 0 and type(values["class_id"]) is int
