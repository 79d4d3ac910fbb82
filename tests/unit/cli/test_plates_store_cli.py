"""`citywatch plates search` and `plates hotlist`: stored plates by pattern, the hotlist."""

from __future__ import annotations

import json

import numpy as np

from citywatch.cli import main
from citywatch.core.classes import ObjectClass
from citywatch.core.records import PlateRecord, TrackRecord
from citywatch.store import open_store

T0 = 1_700_000_000.0


def stored(tmp_path):
    data = tmp_path / "data"
    store = open_store(None, data)
    for i, text in enumerate(["RKO99AN", "LS15EBC", "LS16EBC"]):
        t = T0 + 10 * i
        track = TrackRecord("road", "run", i + 1, ObjectClass.VEHICLE, t, t + 3, 15)
        crop = np.full((40, 80, 3), 120, np.uint8)
        plate = PlateRecord("road", t + 1, text, 0.95, 4, (5, 5, 40, 10), "car", "red", crop)
        store.save_track(track, [], plate=plate)
    store.close()
    return data


# Searching stored plates and changing the hotlist are done within an open case.
IN_CASE = ["--case", "T-1", "--purpose", "tests"]


def open_case(data: str) -> None:
    assert main(["cases", "add", "T-1", "--title", "tests", "--data-dir", data]) == 0


def test_search_by_pattern(tmp_path, capsys) -> None:
    data = str(stored(tmp_path))
    open_case(data)
    capsys.readouterr()
    assert main(["plates", "search", "LS1?-EBC", "--data-dir", data, *IN_CASE, "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["plate"] for r in rows] == ["LS16EBC", "LS15EBC"]
    assert rows[0]["vehicle_colour"] == "red" and rows[0]["thumbnail"]
    assert (
        main(["plates", "search", "rk 099 an", "--data-dir", data, *IN_CASE]) == 0
    )  # O and 0 alike
    assert "RKO99AN" in capsys.readouterr().out
    assert main(["plates", "search", "AB%", "--data-dir", data, *IN_CASE]) == 2
    assert "pattern" in capsys.readouterr().err


def test_hotlist_add_list_remove(tmp_path, capsys) -> None:
    data = str(tmp_path / "data")
    open_case(data)
    capsys.readouterr()
    args = ["--reason", "stolen", "--legal-basis", "police request 7", "--by", "op", *IN_CASE]
    assert (
        main(
            [
                "plates",
                "hotlist",
                "add",
                "LS15 EBC",
                *args,
                "--expires",
                "2099-01-01",
                "--data-dir",
                data,
            ]
        )
        == 0
    )
    assert "hotlist entry 1" in capsys.readouterr().out
    assert main(["plates", "hotlist", "list", "--data-dir", data, "--json"]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (row["pattern"], row["legal_basis"], row["active"]) == (
        "LS15EBC",
        "police request 7",
        True,
    )
    assert main(["plates", "hotlist", "remove", "1", "--data-dir", data, *IN_CASE]) == 0
    assert main(["plates", "hotlist", "remove", "1", "--data-dir", data, *IN_CASE]) == 2
    assert main(["plates", "hotlist", "list", "--data-dir", data]) == 0
    assert capsys.readouterr().out.strip().endswith("removed")  # nothing active is listed
    assert (
        main(
            ["plates", "hotlist", "add", "X1", *args, "--expires", "2001-01-01", "--data-dir", data]
        )
        == 2
    )
    assert "past" in capsys.readouterr().err
