"""`citywatch watchlist add|list|remove`: good photos enrol; bad ones are refused, none stored."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

EXAMPLES = "faces/face_recognition_examples/examples"
IMGTOOLS = "faces/compreface_samples/imgtools"


def open_case(data: Path) -> list[str]:
    """Enrolments and removals are made within an open case: the options naming it."""
    from citywatch.store import open_store
    from citywatch.store.cases import CaseRecords

    with open_store(None, data, thumbnails=False) as store:
        records = CaseRecords(store)
        if records.case("T-1") is None:
            records.create("T-1", "tests", "", "tests")
    return ["--case", "T-1", "--purpose", "tests"]


def cli(*args: str, model_dir: Path, data: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "CITYWATCH_MODEL_DIR": str(model_dir)}
    if args[:1] == ("watchlist",) and args[1:2] in (("add",), ("remove",)):
        args = (*args, *open_case(data))
    return subprocess.run(
        [sys.executable, "-m", "citywatch", *args, "--data-dir", str(data)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def add(name: str, *photos: Path, model_dir: Path, data: Path) -> subprocess.CompletedProcess:
    return cli(
        "watchlist",
        "add",
        name,
        *map(str, photos),
        "--reason",
        "case 2026/41",
        "--legal-basis",
        "court order 17",
        "--expires",
        "2099-12-31",
        "--by",
        "investigator1",
        model_dir=model_dir,
        data=data,
    )


def entries(model_dir: Path, data: Path, *extra: str) -> list[dict]:
    done = cli("watchlist", "list", *extra, model_dir=model_dir, data=data)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def bomb(path: Path) -> Path:
    """A tiny PNG whose header claims 30000 x 30000 pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )
    return path


def test_enrol_list_and_remove(data_dir, model_dir, tmp_path):
    data = tmp_path / "data"
    done = add(
        "Barack Obama",
        data_dir / EXAMPLES / "obama.jpg",
        data_dir / EXAMPLES / "obama2.jpg",
        model_dir=model_dir,
        data=data,
    )
    assert done.returncode == 0, done.stderr
    entry = json.loads(done.stdout)
    assert entry["photos"] == 2
    (listed,) = entries(model_dir, data)
    assert (
        listed["name"] == "Barack Obama"
        and listed["legal_basis"] == "court order 17"
        and listed["active"]
    )
    assert (
        cli(
            "watchlist", "remove", str(entry["entry_id"]), model_dir=model_dir, data=data
        ).returncode
        == 0
    )
    assert entries(model_dir, data) == []
    assert len(entries(model_dir, data, "--all")) == 1
    again = cli("watchlist", "remove", str(entry["entry_id"]), model_dir=model_dir, data=data)
    assert again.returncode == 2 and "no active watchlist entry" in again.stderr


@pytest.mark.parametrize(
    ("photo", "code", "reason"),
    [
        (f"{IMGTOOLS}/corrupted.png", 1, "not a recognised image"),
        (f"{IMGTOOLS}/empty.png", 1, "not a recognised image"),
        ("faces/dlib_faces/dogs.jpg", 1, "no face found"),
        (f"{EXAMPLES}/two_people.jpg", 1, "faces of similar size"),
        ("nope/missing.jpg", 2, "no such file"),
    ],
)
def test_bad_photos_are_refused_with_a_reason_and_store_nothing(
    data_dir, model_dir, tmp_path, photo, code, reason
):
    data = tmp_path / "data"
    good = data_dir / EXAMPLES / "obama.jpg"
    done = add(
        "Somebody", good, data_dir / photo, model_dir=model_dir, data=data
    )  # one bad spoils all
    assert done.returncode == code, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("citywatch: error: ") and reason in last and photo.split("/")[-1] in last
    assert "Traceback" not in done.stderr
    assert entries(model_dir, data, "--all") == []
    assert not (data / "media" / "watchlist").exists() or not any(
        (data / "media" / "watchlist").rglob("*.jpg")
    )


def test_a_decompression_bomb_is_refused_before_decoding(data_dir, model_dir, tmp_path):
    data = tmp_path / "data"
    done = add("Somebody", bomb(tmp_path / "bomb.png"), model_dir=model_dir, data=data)
    assert done.returncode == 1 and "decompression bomb" in done.stderr
    assert entries(model_dir, data, "--all") == []


def test_incomplete_requests_are_usage_errors(data_dir, model_dir, tmp_path):
    data = tmp_path / "data"
    done = cli(
        "watchlist",
        "add",
        "X",
        str(data_dir / EXAMPLES / "obama.jpg"),
        "--reason",
        "r",
        "--legal-basis",
        "b",
        "--expires",
        "2001-01-01",
        "--by",
        "u",
        model_dir=model_dir,
        data=data,
    )
    assert done.returncode == 2 and "future" in done.stderr
    done = cli(
        "watchlist",
        "add",
        "X",
        str(data_dir / EXAMPLES / "obama.jpg"),
        "--reason",
        "r",
        "--legal-basis",
        "b",
        "--expires",
        "someday",
        "--by",
        "u",
        model_dir=model_dir,
        data=data,
    )
    assert done.returncode == 2 and "--expires" in done.stderr


def test_a_zero_byte_photo_is_refused(data_dir, model_dir, tmp_path):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    done = add("Somebody", empty, model_dir=model_dir, data=tmp_path / "data")
    assert done.returncode == 1 and "empty file" in done.stderr
