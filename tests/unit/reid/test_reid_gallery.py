"""Ranking a folder of crops against a query, with the colour embedder on drawn people."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from citywatch.core.errors import UsageError
from citywatch.reid.embedders import ColourStripeEmbedder
from citywatch.reid.gallery import gallery_images, rank_gallery


def person(top: tuple[int, int, int], legs: tuple[int, int, int], height: int = 100):
    crop = np.full((height, height * 2 // 5, 3), 128, np.uint8)
    w = crop.shape[1]
    crop[height // 10 : height // 2, w // 4 : 3 * w // 4] = top
    crop[height // 2 : height - 2, w // 3 : 2 * w // 3] = legs
    return crop


RED, BLUE, GREEN, DENIM = (30, 30, 200), (200, 60, 30), (40, 170, 40), (140, 90, 50)


@pytest.fixture
def gallery(tmp_path: Path) -> Path:
    folder = tmp_path / "gallery"
    (folder / "cam2").mkdir(parents=True)
    cv2.imwrite(str(folder / "a_green.png"), person(GREEN, DENIM))
    cv2.imwrite(str(folder / "b_blue.jpg"), person(BLUE, DENIM, height=80))
    cv2.imwrite(str(folder / "cam2" / "red_later.png"), person(RED, DENIM, height=120))
    (folder / "broken.jpg").write_text("not a picture")
    (folder / "notes.txt").write_text("ignored: not an image suffix")
    return folder


def test_the_same_colours_come_first_and_a_broken_file_is_skipped(gallery):
    skipped: list[str] = []
    hits = rank_gallery(
        ColourStripeEmbedder(),
        person(RED, DENIM),
        gallery_images(gallery),
        top=10,
        on_skip=skipped.append,
    )
    assert [h.image.name for h in hits][0] == "red_later.png"
    assert [h.rank for h in hits] == [1, 2, 3]
    assert hits[0].box == (0, 0, 48, 120)  # the whole crop, x y w h
    assert [h.distance for h in hits] == sorted(h.distance for h in hits)
    assert len(skipped) == 1 and "broken.jpg" in skipped[0] and "\n" not in skipped[0]
    row = hits[0].as_dict()
    assert set(row) == {"rank", "image", "box", "distance"} and row["box"] == [0, 0, 48, 120]


def test_top_limits_the_results(gallery):
    hits = rank_gallery(
        ColourStripeEmbedder(), person(RED, DENIM), gallery_images(gallery), 1, lambda _: None
    )
    assert len(hits) == 1
    with pytest.raises(UsageError, match="top"):
        rank_gallery(ColourStripeEmbedder(), person(RED, DENIM), [], 0)


def test_a_gallery_of_unreadable_files_gives_no_results(tmp_path):
    (tmp_path / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    skipped: list[str] = []
    paths = gallery_images(tmp_path)
    assert rank_gallery(ColourStripeEmbedder(), person(RED, DENIM), paths, 5, skipped.append) == []
    assert len(skipped) == 1


def test_missing_or_empty_gallery_folders_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="not found"):
        gallery_images(tmp_path / "nowhere")
    (tmp_path / "readme.md").write_text("no images here")
    with pytest.raises(UsageError, match="no images"):
        gallery_images(tmp_path)
