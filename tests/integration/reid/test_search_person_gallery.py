"""`citywatch search person --gallery` with retail-0287 on crops cut from PETS09 into a folder."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from citywatch.cli import main
from citywatch.eval.reid import PETS09, EvalSettings, build_crops


@pytest.fixture(scope="module")
def gallery(data_dir, tmp_path_factory) -> tuple[Path, Path]:
    """(query crop, gallery folder): 3 crops of every ground-truth track but track 1, whose
    man (long black coat) is track 19 before he leaves the view and comes back."""
    pets = build_crops(data_dir, PETS09, EvalSettings().rule)
    folder = tmp_path_factory.mktemp("reid") / "gallery"
    folder.mkdir()
    for track in np.unique(pets.track_ids):
        if track == 1:
            continue
        index = np.flatnonzero(pets.track_ids == track)
        for i in index[np.linspace(0, len(index) - 1, 3).round().astype(int)]:
            cv2.imwrite(
                str(folder / f"track{track:02d}_frame{pets.frames[i]:03d}.png"), pets.crops[i]
            )
    (folder / "damaged.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0")
    index = np.flatnonzero(pets.track_ids == 1)
    query = folder.parent / "query.png"
    cv2.imwrite(str(query), pets.crops[index[np.argmin(np.abs(pets.frames[index] - 600))]])
    return query, folder


def search(capsys, model_dir: Path, *args: str | Path) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["search", "person", "--model-dir", str(model_dir), *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_same_person_from_before_he_left_is_ranked_first(capsys, model_dir, gallery):
    query, folder = gallery
    code, out, err = search(
        capsys, model_dir, "--query", query, "--gallery", folder, "--top", "5", "--json"
    )
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["rank"] for r in rows] == [1, 2, 3, 4, 5]
    assert Path(rows[0]["image"]).name.startswith("track19_")
    assert rows[0]["box"][:2] == [0, 0] and rows[0]["distance"] < 0.6
    assert [r["distance"] for r in rows] == sorted(r["distance"] for r in rows)
    skipped = [line for line in err.splitlines() if "damaged.png" in line]
    assert len(skipped) == 1 and skipped[0].startswith("citywatch: warning:")


def test_an_unreadable_query_is_a_one_line_error(capsys, model_dir, gallery, tmp_path):
    bad = tmp_path / "query.jpg"
    bad.write_text("not a picture")
    code, out, err = search(capsys, model_dir, "--query", bad, "--gallery", gallery[1])
    errors = [line for line in err.splitlines() if line.startswith("citywatch: error:")]
    assert code == 1 and out == "" and len(errors) == 1 and "query.jpg" in errors[0]
    assert "Traceback" not in err
