"""Video files from ../shared/data: every clip decodes to its stated frame count and size;
timestamps, fps sampling, looping and pacing on real footage."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from citywatch.ingest import FileSource, FrameSource, open_source

NOTE = re.compile(r"^(\d+)x(\d+), [\d.]+ fps, (\d+) frames decoded")


def manifest_videos(data_dir: Path) -> list[tuple[str, int, int, int]]:
    """(path, width, height, frames) for every video under video/ and tracking/ in MANIFEST.tsv."""
    rows = []
    for line in (data_dir / "MANIFEST.tsv").read_text().splitlines()[1:]:
        path, _size, _sha, kind, notes = (line.split("\t") + [""] * 5)[:5]
        if kind != "video" or not path.startswith(("video/", "tracking/")):
            continue
        match = NOTE.match(notes)
        assert match, f"MANIFEST note not understood for {path}: {notes}"
        width, height, frames = (int(g) for g in match.groups())
        rows.append((path, width, height, frames))
    return rows


def dlib_details(data_dir: Path) -> list[tuple[str, int, int, int]]:
    """(file, width, height, nframes) from video/dlib_ffmpeg/details.cfg, for files present."""
    text = (data_dir / "video/dlib_ffmpeg/details.cfg").read_text()
    entries = []
    for block in re.findall(r"\{([^{}]*)\}", text):
        fields = dict(re.findall(r"(\w+)\s*=\s*(\S+)", block))
        path = data_dir / "video/dlib_ffmpeg" / fields.get("file", "")
        if path.is_file() and int(fields.get("nframes", 0)) > 0:
            entries.append(
                (
                    fields["file"],
                    int(fields["width"]),
                    int(fields["height"]),
                    int(fields["nframes"]),
                )
            )
    return entries


def decode_all(
    spec: Path | str, **kwargs: object
) -> tuple[int, tuple[int, ...] | None, FileSource]:
    with open_source(str(spec), **kwargs) as source:  # type: ignore[arg-type]
        count, shape = 0, None
        for frame in source.frames():
            count += 1
            shape = frame.image.shape
        assert isinstance(source, FileSource)
        return count, shape, source


@pytest.mark.slow
def test_every_video_decodes_to_its_stated_frame_count(data_dir: Path) -> None:
    videos = manifest_videos(data_dir)
    assert len(videos) >= 15
    failures = []
    for path, width, height, frames in videos:
        count, shape, source = decode_all(data_dir / path)
        if count != frames or shape != (height, width, 3):
            failures.append(f"{path}: {count} frames {shape}, expected {frames} {width}x{height}")
        if source.frame_count is not None and source.frame_count != frames:
            failures.append(f"{path}: frame_count {source.frame_count}, expected {frames}")
        assert not source.ended_early and source.corrupt_packets == 0
    assert not failures, "\n".join(failures)


def test_dlib_clips_match_details_cfg(data_dir: Path) -> None:
    entries = dlib_details(data_dir)
    assert {e[0] for e in entries} == {
        "MOT20-08-raw_shorter.h264",
        "MOT17-13-SDP-raw.h265",
        "MOT20-05-raw_even_shorter.mp4",
    }
    for name, width, height, nframes in entries:
        count, shape, source = decode_all(data_dir / "video/dlib_ffmpeg" / name)
        assert (count, shape) == (nframes, (height, width, 3)), name
        assert source.frame_rate == 25.0


@pytest.mark.parametrize("name", ["vtest.avi", "vtest.mp4"])
def test_pets09_has_795_frames(data_dir: Path, name: str) -> None:
    count, shape, source = decode_all(data_dir / "tracking/pets09_s2l1" / name)
    assert count == 795
    assert source.frame_count == 795
    assert shape == (360, 480, 3)


def test_tud_campus_video_and_frames_agree(data_dir: Path) -> None:
    seq = data_dir / "tracking/tud_campus"
    with open_source(str(seq / "TUD-Campus.mp4")) as video, open_source(str(seq / "img1")) as imgs:
        assert video.frame_count == 71
        assert imgs.frame_count == 71
        video_frames = list(video.frames())
        image_frames = list(imgs.frames())
    assert len(video_frames) == len(image_frames) == 71
    assert [f.index for f in video_frames] == list(range(71))
    first_video, first_image = video_frames[0].image, image_frames[0].image
    assert first_video.shape == first_image.shape == (480, 640, 3)
    # The same picture, one through H.264/MPEG-4 and one through JPEG.
    assert np.abs(first_video.astype(int) - first_image.astype(int)).mean() < 3.0


def test_first_frame_of_vtest_mp4(data_dir: Path) -> None:
    with open_source(str(data_dir / "tracking/pets09_s2l1/vtest.mp4"), "cam-7") as source:
        assert isinstance(source, FrameSource)
        assert source.frame_rate == 10.0 and not source.live
        frame = next(iter(source.frames()))
    assert frame.camera_id == "cam-7"
    assert (frame.index, frame.ts) == (0, 0.0)
    assert frame.image.shape == (360, 480, 3)
    assert frame.image.dtype == np.uint8
    assert frame.image.flags["C_CONTIGUOUS"]
    assert 20 < frame.image.mean() < 235, "a real picture, not a blank buffer"


def test_padded_width_gives_contiguous_images(data_dir: Path) -> None:
    # 826 px rows are padded by FFmpeg; the image must still be a plain contiguous array.
    with open_source(str(data_dir / "video/dlib_ffmpeg/MOT20-05-raw_even_shorter.mp4")) as source:
        frame = next(iter(source.frames()))
    assert frame.image.shape == (540, 826, 3)
    assert frame.image.flags["C_CONTIGUOUS"]


def test_vtest_avi_broken_pts_give_monotonic_timestamps(data_dir: Path) -> None:
    with open_source(str(data_dir / "tracking/pets09_s2l1/vtest.avi")) as source:
        frames = [(f.index, f.ts, f.wall_time) for f in source.frames()]
    ts = [t for _, t, _ in frames]
    assert ts[0] == 0.0
    assert all(b > a for a, b in zip(ts, ts[1:], strict=False))
    assert max(abs(t - i / 10) for i, t in enumerate(ts)) <= 0.25  # 10 fps, within 2.5 frames
    walls = [w for _, _, w in frames]
    assert walls[-1] - walls[0] == pytest.approx(ts[-1])


def test_raw_h264_without_timestamps_gets_frame_rate_steps(data_dir: Path) -> None:
    with open_source(str(data_dir / "video/dlib_ffmpeg/MOT20-08-raw_shorter.h264")) as source:
        assert source.frame_count is None  # raw elementary stream: no declared count
        ts = [f.ts for f in source.frames()]
    assert len(ts) == 127
    assert ts[1] == pytest.approx(0.04)
    assert ts[-1] == pytest.approx(126 * 0.04)


@pytest.mark.parametrize("name", ["vtest.avi", "vtest.mp4"])
def test_fps_sampling_pets_10_to_5(data_dir: Path, name: str) -> None:
    with open_source(str(data_dir / "tracking/pets09_s2l1" / name), fps=5) as source:
        assert source.frame_count == 398
        frames = list(source.frames())
    assert abs(len(frames) - 398) <= 2
    steps = [b.ts - a.ts for a, b in zip(frames, frames[1:], strict=False)]
    assert min(steps) >= 0.099 and sum(steps) / len(steps) == pytest.approx(0.2, abs=0.01)
    assert frames[-1].index >= 790, "indices count decoded frames, not kept ones"


def test_fps_sampling_counts_match_frame_count(data_dir: Path) -> None:
    for path, fps in [
        ("tracking/tud_campus/TUD-Campus.mp4", 5.0),
        ("video/traffic/input_video.mp4", 4.0),
        ("video/intel/car-detection.mp4", 5.0),
    ]:
        with open_source(str(data_dir / path), fps=fps) as source:
            expected = source.frame_count
            got = sum(1 for _ in source.frames())
        assert expected is not None and abs(got - expected) <= 1, path


def test_loop_replays_with_increasing_index_and_ts(data_dir: Path) -> None:
    with open_source(str(data_dir / "tracking/tud_campus/TUD-Campus.mp4"), loop=True) as source:
        assert source.frame_count is None
        frames = []
        for frame in source.frames():
            frames.append(frame)
            if len(frames) == 160:
                break
    assert [f.index for f in frames] == list(range(160))
    assert all(b.ts > a.ts for a, b in zip(frames, frames[1:], strict=False))
    assert frames[71].ts == pytest.approx(71 / 25)
    assert np.array_equal(frames[71].image, frames[0].image)


def test_realtime_paces_to_the_file_frame_rate(data_dir: Path) -> None:
    path = data_dir / "tracking/tud_campus/TUD-Campus.mp4"  # 25 fps
    with open_source(str(path), realtime=True) as source:
        start = time.monotonic()
        frames = []
        for frame in source.frames():
            frames.append(frame)
            if len(frames) == 11:
                break
        elapsed = time.monotonic() - start
    assert elapsed >= 0.38  # 10 frame periods of 40 ms
    assert frames[-1].wall_time - frames[0].wall_time == pytest.approx(0.4, abs=0.05)


def test_describe_names_file_codec_and_size(data_dir: Path) -> None:
    path = data_dir / "video/dlib_ffmpeg/MOT17-13-SDP-raw.h265"
    with open_source(str(path), fps=5) as source:
        text = source.describe()
    assert str(path) in text and "hevc" in text and "960x540" in text and "5 fps" in text


def test_frames_can_be_iterated_only_once(data_dir: Path) -> None:
    with open_source(str(data_dir / "tracking/tud_campus/TUD-Campus.mp4")) as source:
        list(source.frames())
        with pytest.raises(RuntimeError):
            source.frames()


@pytest.mark.parametrize("loop", [False, True])
def test_close_mid_iteration_ends_the_iterator_safely(data_dir: Path, loop: bool) -> None:
    # Pulling from FFmpeg after its container is closed would crash the whole process.
    source = open_source(str(data_dir / "tracking/pets09_s2l1/vtest.mp4"), loop=loop)
    frames = source.frames()
    assert next(frames).index == 0
    source.close()
    assert list(frames) == []
    source.close()  # idempotent


def test_interrupt_from_another_thread_ends_frames(data_dir: Path) -> None:
    path = data_dir / "tracking/pets09_s2l1/vtest.mp4"
    with open_source(str(path), realtime=True, loop=True) as source:
        frames = source.frames()
        next(frames)
        threading.Timer(0.2, source.interrupt).start()
        start = time.monotonic()
        rest = sum(1 for _ in frames)
        assert time.monotonic() - start < 1.0
    assert 0 < rest < 10  # about 0.2 s of 10 fps video
