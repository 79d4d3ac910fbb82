"""Folders of frames: order, frame rate from seqinfo.ini, MOT layout, unreadable images."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from citywatch.core.errors import SourceError
from citywatch.ingest import FolderSource, open_source

TUD = "tracking/tud_campus"
IMGTOOLS = "faces/compreface_samples/imgtools"


def test_tud_campus_img1(data_dir: Path) -> None:
    with open_source(str(data_dir / TUD / "img1"), "tud") as source:
        assert isinstance(source, FolderSource)
        assert source.frame_rate == 25.0  # from ../seqinfo.ini
        assert source.frame_count == 71
        frames = list(source.frames())
    assert len(frames) == 71
    assert [f.index for f in frames] == list(range(71))
    assert frames[10].ts == pytest.approx(10 / 25)
    assert frames[0].image.shape == (480, 640, 3)
    assert source.images[0].name == "000001.jpg"


def test_mot_sequence_folder_reads_its_img1(data_dir: Path) -> None:
    with open_source(str(data_dir / TUD)) as source:
        assert isinstance(source, FolderSource)
        assert source.folder.name == "img1"
        assert source.frame_count == 71


def test_fps_sampling_on_a_folder(data_dir: Path) -> None:
    with open_source(str(data_dir / TUD / "img1"), fps=5) as source:
        expected = source.frame_count
        frames = list(source.frames())
    assert expected == 15 and len(frames) == 15
    assert [f.index for f in frames[:3]] == [0, 5, 10]


def test_frame_rate_from_seqinfo_in_the_parent(data_dir: Path, tmp_path: Path) -> None:
    seq = tmp_path / "SEQ-01"
    (seq / "img1").mkdir(parents=True)
    (seq / "seqinfo.ini").write_text("[Sequence]\nname=SEQ-01\nimDir=img1\nframeRate=7\n")
    for i in range(1, 4):
        shutil.copy(data_dir / TUD / "img1" / f"{i:06d}.jpg", seq / "img1" / f"{i:06d}.jpg")
    with open_source(str(seq / "img1")) as source:
        ts = [f.ts for f in source.frames()]
    assert ts == pytest.approx([0, 1 / 7, 2 / 7])


def test_numbers_in_names_sort_as_numbers(data_dir: Path, tmp_path: Path) -> None:
    src = data_dir / TUD / "img1"
    for n, name in [(1, "frame_1.jpg"), (2, "frame_2.jpg"), (3, "frame_10.jpg")]:
        shutil.copy(src / f"{n:06d}.jpg", tmp_path / name)
    (tmp_path / "._frame_3.jpg").write_bytes(b"macOS resource fork")  # hidden: ignored
    (tmp_path / "README.txt").write_text("not a frame")
    with open_source(str(tmp_path)) as source:
        assert isinstance(source, FolderSource)
        assert [p.name for p in source.images] == ["frame_1.jpg", "frame_2.jpg", "frame_10.jpg"]


def test_every_listed_image_format_decodes(data_dir: Path, tmp_path: Path) -> None:
    tools = data_dir / IMGTOOLS
    for i, suffix in enumerate(["bmp", "jpeg", "png", "tiff", "webp"]):
        shutil.copy(tools / f"einstein.{suffix}", tmp_path / f"{i:03d}.{suffix}")
    with open_source(str(tmp_path)) as source:
        frames = list(source.frames())
    assert len(frames) == 5
    assert all(f.image.shape == (256, 256, 3) for f in frames)  # RGBA bmp/tiff become BGR


def test_unreadable_image_is_skipped_with_a_warning(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    src = data_dir / TUD / "img1"
    for i in range(1, 6):
        shutil.copy(src / f"{i:06d}.jpg", tmp_path / f"{i:06d}.jpg")
    broken = tmp_path / "000003.jpg"
    shutil.copy(data_dir / IMGTOOLS / "corrupted.png", broken)
    with (
        caplog.at_level(logging.WARNING, logger="citywatch.ingest"),
        open_source(str(tmp_path)) as source,
    ):
        frames = list(source.frames())
        assert source.frames_skipped == 1
    # The bad frame's number stays unused, so later frames keep their MOT frame numbers.
    assert [f.index for f in frames] == [0, 1, 3, 4]
    assert any(str(broken) in r.getMessage() for r in caplog.records)


def test_folder_where_nothing_decodes(data_dir: Path, tmp_path: Path) -> None:
    for name in ("a.png", "b.png"):
        shutil.copy(data_dir / IMGTOOLS / "empty.png", tmp_path / name)
    with pytest.raises(SourceError) as caught, open_source(str(tmp_path)) as source:
        list(source.frames())
    assert caught.value.exit_code == 1
    assert str(tmp_path) in str(caught.value)


def test_folder_loop_and_realtime(data_dir: Path, tmp_path: Path) -> None:
    src = data_dir / TUD / "img1"
    for i in range(1, 4):
        shutil.copy(src / f"{i:06d}.jpg", tmp_path / f"{i:06d}.jpg")
    with open_source(str(tmp_path), loop=True, realtime=True) as source:
        frames = []
        for frame in source.frames():
            frames.append(frame)
            if len(frames) == 7:
                break
    assert [f.index for f in frames] == list(range(7))
    assert [f.ts for f in frames] == pytest.approx([i / 25 for i in range(7)])
    assert frames[6].wall_time - frames[0].wall_time == pytest.approx(0.24, abs=0.05)
