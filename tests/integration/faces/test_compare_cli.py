"""`citywatch faces compare`: one pair, a batch, exit codes and one-line errors."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest

IMGTOOLS = "compreface_samples/imgtools"
LENNON_1, LENNON_2 = "openface_examples/lennon-1.jpg", "openface_examples/lennon-2.jpg"
CARELL = "openface_examples/carell.jpg"


@pytest.fixture
def compare(cli_main, model_dir, capsys):
    """Run `citywatch faces compare ...`; return (exit code, stdout, stderr)."""

    def run(*args: str | Path) -> tuple[int, str, str]:
        capsys.readouterr()
        code = cli_main(["faces", "compare", *map(str, args), "--model-dir", str(model_dir)])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("citywatch: error:")]


def bomb(path: Path) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)
    return path


def test_one_pair_as_json(compare, faces_dir):
    code, out, err = compare(faces_dir / LENNON_1, faces_dir / LENNON_2, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["same"] is True and 0 <= result["distance"] <= result["threshold"]
    assert result["embedder"] == "face-reidentification-retail-0095"
    code, out, _ = compare(faces_dir / LENNON_1, faces_dir / CARELL, "--json")
    assert code == 0 and json.loads(out)["same"] is False


def test_threshold_and_embedder_options(compare, faces_dir):
    code, out, _ = compare(
        faces_dir / LENNON_1, faces_dir / LENNON_2, "--json", "--threshold", "0.05"
    )
    assert code == 0 and json.loads(out)["same"] is False and json.loads(out)["threshold"] == 0.05
    code, _, err = compare(faces_dir / LENNON_1, faces_dir / LENNON_2, "--embedder", "arcface")
    assert code == 2 and "--embedder" in errors(err)[0]


def test_truncated_jpeg_and_ico_decode(compare, faces_dir):
    code, out, err = compare(
        faces_dir / IMGTOOLS / "truncated.jpg", faces_dir / IMGTOOLS / "einstein.png", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["same"] is False
    code, out, err = compare(
        faces_dir / IMGTOOLS / "einstein.ico", faces_dir / IMGTOOLS / "einstein.png", "--json"
    )
    assert code == 0 and json.loads(out)["distance"] < 0.1, err


@pytest.mark.parametrize(
    "bad", ["corrupted.png", "empty.png", "bomb.png", "text.jpg", "missing.jpg"]
)
def test_bad_images_are_one_line_errors_naming_the_file(compare, faces_dir, tmp_path, bad):
    path = faces_dir / IMGTOOLS / bad
    if bad == "bomb.png":
        path = bomb(tmp_path / bad)
    elif bad == "text.jpg":
        path = tmp_path / bad
        path.write_text("not a picture, whatever the name says\n")
    elif bad == "missing.jpg":
        path = tmp_path / bad
    code, out, err = compare(faces_dir / LENNON_1, path, "--json")
    assert code == (2 if bad == "missing.jpg" else 1)
    assert "Traceback" not in err
    lines = errors(err)
    assert len(lines) == 1 and str(path) in lines[0]
    assert json.loads(out)["distance"] is None and str(path) in json.loads(out)["error"]


def test_no_face_is_an_error_for_one_pair(compare, faces_dir):
    code, _, err = compare(faces_dir / LENNON_1, faces_dir / "dlib_faces/dogs.jpg")
    assert code == 1 and "dogs.jpg: no face found" in errors(err)[0]


def test_usage_errors(compare, faces_dir, tmp_path):
    code, _, err = compare(faces_dir / LENNON_1)
    assert code == 2 and errors(err)
    code, _, err = compare(
        faces_dir / LENNON_1, faces_dir / LENNON_2, "--pairs", tmp_path / "p.tsv"
    )
    assert code == 2 and "not both" in errors(err)[0]
    code, _, err = compare("--pairs", tmp_path / "absent.tsv")
    assert code == 2 and "absent.tsv" in errors(err)[0]


def test_a_batch_scores_every_pair_it_can_and_names_what_it_cannot(compare, faces_dir, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(
        "a\tb\tlabel\n"
        f"{LENNON_1}\t{LENNON_2}\t1\n"
        f"{LENNON_1}\t{CARELL}\t0\n"
        f"{LENNON_1}\t{IMGTOOLS}/corrupted.png\t0\n"
        f"{CARELL}\tdlib_faces/dogs.jpg\t0\n"
        "# a comment\n"
        "only-one-column\n"
        f"{LENNON_2}\t{CARELL}\n",
        encoding="utf-8",
    )
    out = tmp_path / "scores.tsv"
    code, _, err = compare("--pairs", pairs, "--root", faces_dir, "--out", out)
    assert code == 1  # an unreadable image spoilt one pair; everything else still ran
    rows = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows[0] == ["a", "b", "distance", "same"]
    assert [r[:2] for r in rows[1:]] == [
        [LENNON_1, LENNON_2],
        [LENNON_1, CARELL],
        [LENNON_1, f"{IMGTOOLS}/corrupted.png"],
        [CARELL, "dlib_faces/dogs.jpg"],
        [LENNON_2, CARELL],
    ]
    assert rows[1][3] == "1" and rows[2][3] == "0" and rows[5][3] == "0"
    assert float(rows[1][2]) < float(rows[2][2])
    assert rows[3][2:] == ["", ""] and rows[4][2:] == ["", ""]
    warnings = [line for line in err.splitlines() if line.startswith("citywatch: warning:")]
    assert any("corrupted.png" in w and "not a recognised image" in w for w in warnings)
    assert any("dogs.jpg: no face found" in w for w in warnings)
    assert any("pairs.tsv:7" in w for w in warnings)
    assert "Traceback" not in err


def test_a_batch_without_unreadable_images_exits_0(compare, faces_dir, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(f"{LENNON_1}\t{LENNON_2}\n{CARELL}\tdlib_faces/dogs.jpg\n", encoding="utf-8")
    code, out, err = compare("--pairs", pairs, "--root", faces_dir)
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 3 and lines[1].endswith("\t1") and lines[2].endswith("\t\t")
