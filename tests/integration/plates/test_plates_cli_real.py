"""`citywatch plates read --json` with the real models, as a separate process (DESIGN.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_read_json_contract(plates_dir: Path, model_dir: Path, tmp_path: Path):
    good = [
        plates_dir / "openalpr_eu" / "eu5.jpg",
        plates_dir / "yolov4_custom_functions" / "car4.jpg",
    ]
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    missing = tmp_path / "missing.jpg"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "citywatch",
            "plates",
            "read",
            str(good[0]),
            str(corrupt),
            str(missing),
            str(good[1]),
            "--json",
            "--model-dir",
            str(model_dir),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["image"] for line in lines] == [str(p) for p in good]
    assert [line["plates"][0]["text"] for line in lines] == ["OY09FEU", "KS67AEA"]
    for line in lines:
        for plate in line["plates"]:
            assert set(plate) == {"text", "box", "confidence"}
            assert plate["text"] == plate["text"].upper() and plate["text"].isalnum()
            assert len(plate["box"]) == 4 and all(isinstance(v, int) for v in plate["box"])
            assert 0.0 <= plate["confidence"] <= 1.0
    errors = [line for line in done.stderr.splitlines() if line.startswith("citywatch: error:")]
    assert any(str(corrupt) in e for e in errors) and any(str(missing) in e for e in errors)
    assert "Traceback" not in done.stderr
