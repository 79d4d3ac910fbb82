"""`load_image`: what it decodes, what it refuses before decoding, and how it says so."""

from __future__ import annotations

import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from citywatch.core.images import ImageError, ImageNotFoundError, load_image

IMGTOOLS = "compreface_samples/imgtools"


def png_header_only(path: Path, width: int, height: int) -> None:
    """A tiny PNG whose header claims width x height (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("name", ["corrupted.png", "empty.png"])
def test_corrupt_and_empty_files_are_refused_in_one_line_naming_the_file(faces_dir, name):
    path = faces_dir / IMGTOOLS / name
    with pytest.raises(ImageError) as error:
        load_image(path)
    message = str(error.value)
    assert str(path) in message and "\n" not in message
    assert error.value.exit_code == 1


def test_truncated_jpeg_decodes_to_its_full_size(faces_dir):
    image = load_image(faces_dir / IMGTOOLS / "truncated.jpg")
    assert image.shape == (225, 225, 3) and image.dtype == np.uint8


def test_every_einstein_format_gives_the_same_bgr_picture(faces_dir):
    names = ["bmp", "gif", "ico", "jpeg", "png", "tiff", "webp"]
    images = {n: load_image(faces_dir / IMGTOOLS / f"einstein.{n}") for n in names}
    assert all(i.shape == (256, 256, 3) and i.dtype == np.uint8 for i in images.values())
    reference = images["png"].astype(int)
    for name, picture in images.items():
        assert np.abs(picture.astype(int) - reference).mean() < 20, name


def test_rgba_png_loses_its_alpha(faces_dir):
    image = load_image(faces_dir / "face_recognition_examples/tests/test_images/32bit.png")
    assert image.shape == (1200, 626, 3)


def test_a_decompression_bomb_is_refused_from_its_header_without_decoding(tmp_path):
    bomb = tmp_path / "bomb.png"
    png_header_only(bomb, 30000, 30000)
    started = time.perf_counter()
    with pytest.raises(ImageError) as error:
        load_image(bomb)
    assert time.perf_counter() - started < 1.0  # 2.7 GB of pixels were never allocated
    assert str(bomb) in str(error.value) and "refused" in str(error.value)


def test_pixel_limit_is_configurable(tmp_path):
    picture = tmp_path / "small.png"
    png_header_only(picture, 300, 200)
    with pytest.raises(ImageError, match="above the 0.05 MP limit"):
        load_image(picture, max_pixels=50_000)


def test_text_with_an_image_extension_is_not_an_image(tmp_path):
    fake = tmp_path / "photo.jpg"
    fake.write_text("this is not a JPEG\n" * 20)
    with pytest.raises(ImageError, match="not a recognised image format"):
        load_image(fake)


def test_the_format_comes_from_the_bytes_not_the_extension(faces_dir, tmp_path):
    renamed = tmp_path / "einstein.jpg"
    renamed.write_bytes((faces_dir / IMGTOOLS / "einstein.png").read_bytes())
    assert load_image(renamed).shape == (256, 256, 3)


def test_a_missing_file_or_a_folder_is_a_usage_error(tmp_path):
    for path in (tmp_path / "nope.jpg", tmp_path):
        with pytest.raises(ImageNotFoundError) as error:
            load_image(path)
        assert error.value.exit_code == 2 and str(path) in str(error.value)
