"""Uploads: size limits, corrupt files and bombs refused in one line, nothing left on disk,
nothing written outside the data directory."""

from __future__ import annotations

import tempfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from api_seed import IN_CASE, Clients, FakeFaces, Seeded
from bad_inputs import bomb

from citywatch.api.roles import Role
from citywatch.api.services import ApiServices
from citywatch.api.uploads import MAX_UPLOAD_BYTES


def png(width: int = 64, height: int = 64, seed: int = 0) -> bytes:
    image = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


def search(client: Clients, data: bytes, name: str = "q.png") -> object:
    return client(Role.INVESTIGATOR).post(
        "/api/search/face", files={"photo": (name, data, "image/png")}, data=IN_CASE
    )


def test_a_file_over_the_limit_is_a_413_naming_the_field(
    client: Clients, seeded: Seeded, fake_faces: FakeFaces
) -> None:
    answer = search(client, b"\xff" * (MAX_UPLOAD_BYTES + 1))
    assert answer.status_code == 413  # type: ignore[attr-defined]
    assert answer.json() == {  # type: ignore[attr-defined]
        "detail": "photo: the file is larger than the 10 MB limit"
    }


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(
    client: Clients, seeded: Seeded, fake_faces: FakeFaces
) -> None:
    big = b"x" * (3 * MAX_UPLOAD_BYTES)
    answer = client(Role.INVESTIGATOR).post(
        "/api/search/face", content=big, headers={"content-type": "multipart/form-data; boundary=z"}
    )
    assert answer.status_code == 413


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"this is not a picture\n" * 30, "not a recognised image format"),
        (b"", "empty file"),
        (bomb(), "refused"),
        (bomb(9000, 9000), "above the 50 MP limit (decompression bomb?)"),
        (png()[:40], "corrupt"),
    ],
)
def test_a_corrupt_file_or_a_bomb_is_a_422_with_the_reason(
    client: Clients, seeded: Seeded, fake_faces: FakeFaces, data: bytes, reason: str
) -> None:
    answer = search(client, data, "holiday.jpg")
    assert answer.status_code == 422, answer.text  # type: ignore[attr-defined]
    message = answer.json()["detail"]  # type: ignore[attr-defined]
    assert message.startswith("photo (holiday.jpg): ") and reason in message
    assert "\n" not in message and "tmp" not in message


def test_uploads_leave_nothing_in_the_data_dir(
    client: Clients, services: ApiServices, seeded: Seeded, fake_faces: FakeFaces
) -> None:
    assert search(client, png()).status_code == 200  # type: ignore[attr-defined]
    assert search(client, b"junk" * 100).status_code == 422  # type: ignore[attr-defined]
    assert list((services.data_dir / "tmp").iterdir()) == []


def test_a_large_upload_never_spills_to_the_system_temp_dir(
    client: Clients, seeded: Seeded, fake_faces: FakeFaces, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Starlette's own form parsing spools a file over 1 MB to tempfile.TemporaryFile.
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an upload was written to the system's temporary directory")

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    large = png(1800, 1200)
    assert len(large) > 4 * 2**20
    assert search(client, large).status_code == 200  # type: ignore[attr-defined]


def test_not_a_form_is_a_415_and_a_missing_field_a_422(
    client: Clients, seeded: Seeded, fake_faces: FakeFaces
) -> None:
    investigator = client(Role.INVESTIGATOR)
    answer = investigator.post("/api/search/face", json={"photo": "x"})
    assert answer.status_code == 415
    assert answer.json() == {"detail": "send the request as multipart/form-data"}
    missing = investigator.post(
        "/api/search/face", files={"picture": ("a.png", png())}, data=IN_CASE
    )
    assert missing.status_code == 422
    assert missing.json()["detail"] in (
        "photo: Field required",
        "picture: Extra inputs are not permitted",
    )
    text = investigator.post(
        "/api/search/face", files={"camera": (None, "gate")}, data={**IN_CASE, "photo": "x"}
    )
    assert text.status_code == 422 and text.json() == {"detail": "photo: send a file"}
    two = investigator.post(
        "/api/search/face", files=[("photo", ("a.png", png())), ("photo", ("b.png", png()))]
    )
    assert two.status_code == 400 and "Too many files" in two.json()["detail"]


def test_a_file_name_is_cleaned_for_messages(
    client: Clients, seeded: Seeded, fake_faces: FakeFaces, tmp_path: Path
) -> None:
    answer = search(client, b"junk" * 10, "../../etc/<script>.jpg")
    message = answer.json()["detail"]  # type: ignore[attr-defined]
    assert message.startswith("photo (_script_.jpg): ")
