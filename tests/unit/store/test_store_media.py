from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import pytest
from store_factories import T0, crop

from citywatch.store.media import ThumbnailWriter, encode_thumbnail, safe_dir_name


def decode(jpeg: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_UNCHANGED)


def test_encode_shrinks_to_fit_keeping_the_aspect_ratio() -> None:
    jpeg = encode_thumbnail(crop(400, 200), 160)
    assert jpeg is not None and jpeg[:2] == b"\xff\xd8"
    assert decode(jpeg).shape == (160, 80, 3)


def test_encode_does_not_blow_up_small_crops() -> None:
    jpeg = encode_thumbnail(crop(40, 30), 160)
    assert jpeg is not None
    assert decode(jpeg).shape == (40, 30, 3)


def test_encode_takes_views_grey_and_bgra() -> None:
    frame = crop(720, 1280)
    view = frame[100:500:2, 200:400]  # a strided view into a frame, as a pipeline crop is
    assert encode_thumbnail(view, 64) is not None
    assert encode_thumbnail(crop(50, 50)[:, :, 0], 64) is not None
    bgra = np.dstack([crop(50, 50), np.full((50, 50), 255, np.uint8)])
    assert decode(encode_thumbnail(bgra, 64) or b"").shape == (50, 50, 3)


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((0, 10, 3), np.uint8),
        np.zeros((10, 10, 3), np.float32),
        np.zeros((4, 4, 2), np.uint8),
    ],
)
def test_encode_refuses_unusable_images_with_a_warning(
    image: np.ndarray, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="citywatch.store"):
        assert encode_thumbnail(image, 160) is None
    assert "thumbnail skipped" in caplog.text


def test_writer_lays_files_out_by_camera_and_utc_day(tmp_path: Path) -> None:
    writer = ThumbnailWriter(tmp_path)
    relative = writer.write("gate", T0, b"jpeg")
    assert relative is not None and relative.startswith("media/thumbs/gate/2023-11-14/")
    assert relative.endswith(".jpg")
    assert (tmp_path / relative).read_bytes() == b"jpeg"
    assert not list(tmp_path.rglob("*.part"))


def test_camera_ids_cannot_escape_the_media_folder() -> None:
    assert safe_dir_name("../../etc") == "______etc"
    assert safe_dir_name("Gate 1") == "gate_1"
    assert safe_dir_name("") == "_"


def test_a_failed_write_is_a_warning_once_not_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "media").write_text("a file where the media folder should be")
    writer = ThumbnailWriter(tmp_path)
    with caplog.at_level(logging.WARNING, logger="citywatch.store"):
        assert [writer.write("gate", T0, b"jpeg") for _ in range(5)] == [None] * 5
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "cannot write thumbnail" in warnings[0].getMessage()
