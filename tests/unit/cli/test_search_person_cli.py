"""`citywatch search person --gallery`: JSON lines, the table, and one-line errors.

Runs the colour embedder (`--embedder colour`) on drawn crops, so no model directory is needed;
tests/integration/reid runs the OMZ model on real footage.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from citywatch.cli import main

RED, GREEN, DENIM = (30, 30, 200), (40, 170, 40), (140, 90, 50)


def person(top: tuple[int, int, int]) -> np.ndarray:
    crop = np.full((100, 40, 3), 128, np.uint8)
    crop[10:50, 10:30] = top
    crop[50:98, 13:27] = DENIM
    return crop


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    gallery = tmp_path / "gallery"
    gallery.mkdir()
    cv2.imwrite(str(gallery / "green.png"), person(GREEN))
    cv2.imwrite(str(gallery / "red.png"), person(RED))
    (gallery / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\nrubbish")
    query = tmp_path / "query.png"
    cv2.imwrite(str(query), person(RED))
    return {"gallery": gallery, "query": query, "tmp": tmp_path}


@pytest.fixture
def search(capsys):
    def run(*args: str | Path) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["search", "person", "--embedder", "colour", *map(str, args)])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_json_lines_nearest_first_and_a_warning_for_the_corrupt_file(search, files):
    code, out, err = search("--query", files["query"], "--gallery", files["gallery"], "--json")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["rank"] for r in rows] == [1, 2]
    assert Path(rows[0]["image"]).name == "red.png" and rows[0]["box"] == [0, 0, 40, 100]
    assert set(rows[0]) == {"rank", "image", "box", "distance"}
    warnings = [line for line in err.splitlines() if "corrupt.png" in line]
    assert len(warnings) == 1 and "warning" in warnings[0]


def test_top_and_the_table(search, files, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # a wide console: the path stays on one line
    code, out, _ = search("--query", files["query"], "--gallery", files["gallery"], "--top", "1")
    assert code == 0 and "red.png" in out and "green.png" not in out


def stored(tmp_path: Path) -> Path:
    """A data directory with three person tracks embedded by the colour embedder: a red and a
    green one on camera gate, the red one again on camera hall under the same identity."""
    from citywatch.core.classes import ObjectClass
    from citywatch.core.records import Sighting, TrackAppearance, TrackRecord
    from citywatch.reid.embedders import ColourStripeEmbedder
    from citywatch.store import open_store

    embedder = ColourStripeEmbedder()
    data = tmp_path / "data"
    store = open_store(None, data)
    rows = [("gate", 1, 0.0, RED, "red", "r" * 32), ("gate", 2, 5.0, GREEN, "green", "g" * 32)]
    rows.append(("hall", 3, 40.0, RED, "red", "r" * 32))
    for camera, local, t, colour, name, identity in rows:
        t += 1_700_000_000.0
        crop = person(colour)
        store.save_track(
            TrackRecord(camera, "run", local, ObjectClass.PERSON, t, t + 5, 30),
            [Sighting(camera, "object", t, t + 5, t + 1, (0, 0, 40, 100), 0.9, thumbnail=crop)],
            TrackAppearance(
                embedder=embedder.name,
                embedding=embedder.embed([crop])[0],
                identity_id=identity,
                crops=1,
                attributes={"upper_colour": name},
            ),
        )
    store.close()
    return data


IN_CASE = ["--case", "T-1", "--purpose", "tests"]


def open_case(data: Path) -> Path:
    """Stored data is searched within an open case."""
    assert main(["cases", "add", "T-1", "--title", "tests", "--data-dir", str(data)]) == 0
    return data


def test_without_gallery_it_searches_stored_tracks(search, files, capsys):
    data = open_case(stored(files["tmp"]))
    code, out, err = search("--query", files["query"], "--data-dir", data, "--json", *IN_CASE)
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert {rows[0]["camera"], rows[1]["camera"]} == {"gate", "hall"}  # the two red tracks
    assert rows[0]["identity"] == rows[1]["identity"] == "r" * 32
    assert rows[0]["distance"] <= rows[1]["distance"] < rows[2]["distance"]
    code, out, _ = search(
        "--query", files["query"], "--data-dir", data, "--camera", "hall", *IN_CASE
    )
    assert code == 0 and len(out.splitlines()) == 1 and "hall" in out

    capsys.readouterr()
    assert (
        main(["search", "trajectory", "r" * 32, "--data-dir", str(data), *IN_CASE, "--json"]) == 0
    )
    path = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [p["camera"] for p in path] == ["gate", "hall"]
    assert (
        main(["search", "attributes", "--where", "upper=green", "--data-dir", str(data), *IN_CASE])
        == 0
    )
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 1 and "g" * 32 in out


def test_stored_search_errors_are_one_line(search, files, capsys):
    data = open_case(stored(files["tmp"]))
    capsys.readouterr()
    assert (
        main(["search", "attributes", "--where", "ethnicity=x", "--data-dir", str(data), *IN_CASE])
        == 2
    )
    assert main(["search", "trajectory", "nobody", "--data-dir", str(data), *IN_CASE]) == 2
    err = capsys.readouterr().err
    assert "ethnicity" in err and "nobody" in err and "Traceback" not in err
    code, _, err = search("--query", files["query"], "--gallery", files["gallery"], "--camera", "x")
    assert code == 2 and "--camera" in err


@pytest.mark.parametrize(
    ("query", "code"),
    [("missing.png", 2), ("bad.png", 1)],
)
def test_a_bad_query_is_one_line_naming_the_file(search, files, query, code):
    (files["tmp"] / "bad.png").write_text("not an image")
    got, out, err = search("--query", files["tmp"] / query, "--gallery", files["gallery"])
    errors = [line for line in err.splitlines() if line.startswith("citywatch: error:")]
    assert got == code and out == "" and len(errors) == 1 and query in errors[0]


def test_usage_errors_exit_2_before_anything_loads(search, files):
    code, _, err = search("--query", files["query"], "--gallery", files["tmp"] / "nowhere")
    assert code == 2 and "nowhere" in err
    code, _, err = search("--query", files["query"], "--gallery", files["gallery"], "--top", "0")
    assert code == 2 and "--top" in err
    # the last --embedder wins over the fixture's `--embedder colour`
    code, _, err = search(
        "--query", files["query"], "--gallery", files["gallery"], "--embedder", "x"
    )
    assert code == 2 and "--embedder" in err
