"""`citywatch plates read`: the JSON contract, and bad images among good ones (no models)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from citywatch import cli
from citywatch.cli import plates as plates_cli
from citywatch.plates.types import PlateRead


class FakeReader:
    """Reads one plate, the image's width as its text, so outputs are told apart."""

    def __init__(self) -> None:
        self.calls = 0

    def read(self, image: np.ndarray) -> list[PlateRead]:
        self.calls += 1
        return [PlateRead(f"AB{image.shape[1]}CD", (1, 2, 30, 10), 0.93456)]


@pytest.fixture
def fake(monkeypatch) -> FakeReader:
    reader = FakeReader()
    monkeypatch.setattr(plates_cli, "_reader", lambda config, model_dir: reader)
    return reader


def image_file(path: Path, width: int) -> Path:
    import cv2

    cv2.imwrite(str(path), np.full((40, width, 3), 200, np.uint8))
    return path


@pytest.fixture
def run(capsys):
    def go(*args: str | Path) -> tuple[int, list[str], list[str]]:
        capsys.readouterr()
        code = cli.main(["plates", "read", *map(str, args)])
        out = capsys.readouterr()
        return code, out.out.splitlines(), out.err.splitlines()

    return go


def test_json_lines_in_order(fake, run, tmp_path):
    a, b = image_file(tmp_path / "a.png", 64), image_file(tmp_path / "b.jpg", 80)
    code, out, err = run(a, b, "--json")
    assert code == 0, err
    assert [json.loads(line) for line in out] == [
        {
            "image": str(a),
            "plates": [{"text": "AB64CD", "box": [1, 2, 30, 10], "confidence": 0.9346}],
        },
        {
            "image": str(b),
            "plates": [{"text": "AB80CD", "box": [1, 2, 30, 10], "confidence": 0.9346}],
        },
    ]


def test_plain_output(fake, run, tmp_path):
    a = image_file(tmp_path / "a.png", 64)
    code, out, _ = run(a)
    assert code == 0 and out == [f"{a}\tAB64CD (0.93)"]


def test_corrupt_and_missing_files_among_good_ones(fake, run, tmp_path):
    good1, good2 = image_file(tmp_path / "1.png", 50), image_file(tmp_path / "2.png", 70)
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8 not really a jpeg")
    missing = tmp_path / "missing.jpg"
    code, out, err = run(good1, corrupt, missing, good2, "--json")
    assert code == 1
    assert [json.loads(line)["image"] for line in out] == [str(good1), str(good2)]
    errors = [line for line in err if line.startswith("citywatch: error:")]
    assert len(errors) == 3 and len(err) == 3  # one line per bad file, one summary line
    assert str(corrupt) in errors[0] and str(missing) in errors[1]
    assert "2 of 4 images" in errors[2]
    assert fake.calls == 2


def test_models_do_not_load_for_a_batch_of_bad_files(monkeypatch, run, tmp_path):
    def refuse(config, model_dir):
        raise AssertionError("the reader must not be built")

    monkeypatch.setattr(plates_cli, "_reader", refuse)
    code, out, err = run(tmp_path / "nope.png")
    assert code == 1 and out == [] and "nope.png" in err[0]


def test_no_image_is_a_usage_error(run):
    code, _, err = run()
    assert code == 2 and err
