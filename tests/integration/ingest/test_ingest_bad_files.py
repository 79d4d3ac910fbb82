"""Broken input gives one-line errors naming the file, with the right type and exit code.

Truncation was checked on real clips cut to half their bytes: MP4s with their index at the end
cannot be opened at all; vtest.mp4 (index first) and vtest.avi stop early without any error
from FFmpeg (400 and 422 frames), which the source notices from the declared frame count; raw
H.264 just ends. Garbage inside a stream makes the decoder raise on some packets, which are
skipped; garbage all the way to the end raises.
"""

from __future__ import annotations

import io
import logging
import random
import shutil
from pathlib import Path

import pytest

from citywatch.core.errors import SourceError, SourceUsageError
from citywatch.ingest import FileSource, open_source

PETS = "tracking/pets09_s2l1"


def _runtime_error(error: SourceError, path: Path) -> str:
    assert type(error) is SourceError, "a runtime failure, not a usage error"
    assert error.exit_code == 1
    message = str(error)
    assert "\n" not in message and str(path) in message
    return message


def _half(source: Path, tmp_path: Path) -> Path:
    data = source.read_bytes()
    cut = tmp_path / f"half_{source.name}"
    cut.write_bytes(data[: len(data) // 2])
    return cut


def _decode(path: Path) -> tuple[int, FileSource]:
    with open_source(str(path)) as source:
        assert isinstance(source, FileSource)
        return sum(1 for _ in source.frames()), source


def test_corrupted_png_renamed_mp4(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "corrupted.mp4"
    shutil.copy(data_dir / "faces/compreface_samples/imgtools/corrupted.png", path)
    # FFmpeg opens it (it sniffs a PNG) but nothing decodes.
    with pytest.raises(SourceError) as caught, open_source(str(path)) as source:
        list(source.frames())
    assert "no frame could be decoded" in _runtime_error(caught.value, path)


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.touch()
    with pytest.raises(SourceError) as caught:
        open_source(str(path))
    assert "cannot open" in _runtime_error(caught.value, path)


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.mp4"
    path.write_bytes(random.Random(7).randbytes(200_000))
    with pytest.raises(SourceError) as caught:
        open_source(str(path))
    assert "invalid data" in _runtime_error(caught.value, path)


def test_audio_only_file_has_no_video_stream(tmp_path: Path) -> None:
    import av
    import numpy as np

    path = tmp_path / "voice.m4a"
    with av.open(str(path), mode="w") as out:
        stream = out.add_stream("aac", rate=16000)
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 16000), dtype=np.float32), format="fltp", layout="mono"
        )
        frame.sample_rate = 16000
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    with pytest.raises(SourceError) as caught:
        open_source(str(path))
    assert "no video stream" in _runtime_error(caught.value, path)


def test_truncated_mp4_with_index_at_the_end_cannot_open(data_dir: Path, tmp_path: Path) -> None:
    path = _half(data_dir / "tracking/tud_campus/TUD-Campus.mp4", tmp_path)
    with pytest.raises(SourceError) as caught:
        open_source(str(path))
    assert "cannot open" in _runtime_error(caught.value, path)


@pytest.mark.parametrize(("name", "decodable"), [("vtest.mp4", 400), ("vtest.avi", 422)])
def test_truncated_file_yields_what_is_there_and_warns(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str, decodable: int
) -> None:
    path = _half(data_dir / PETS / name, tmp_path)
    with caplog.at_level(logging.WARNING, logger="citywatch.ingest"):
        count, source = _decode(path)
    assert count == decodable
    assert source.ended_early
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(str(path) in m and "ended early" in m and "of the 795" in m for m in warnings)


def test_truncated_raw_h264_just_ends(data_dir: Path, tmp_path: Path) -> None:
    path = _half(data_dir / "video/dlib_ffmpeg/MOT20-08-raw_shorter.h264", tmp_path)
    count, source = _decode(path)
    assert count == 60  # no declared count to compare with: nothing to warn about
    assert not source.ended_early


def test_damaged_packets_are_skipped(data_dir: Path, tmp_path: Path) -> None:
    data = bytearray((data_dir / PETS / "vtest.mp4").read_bytes())
    middle = len(data) // 2
    data[middle : middle + 20_000] = random.Random(1).randbytes(20_000)
    path = tmp_path / "damaged.mp4"
    path.write_bytes(bytes(data))
    count, source = _decode(path)
    assert source.corrupt_packets > 0
    assert 780 <= count < 795


def test_garbage_to_the_end_raises_after_the_good_frames(data_dir: Path, tmp_path: Path) -> None:
    data = (data_dir / PETS / "vtest.mp4").read_bytes()
    half = len(data) // 2
    path = tmp_path / "garbage_tail.mp4"
    path.write_bytes(data[:half] + random.Random(0).randbytes(len(data) - half))
    seen = 0
    with pytest.raises(SourceError) as caught, open_source(str(path)) as source:
        for _ in source.frames():
            seen += 1
    message = _runtime_error(caught.value, path)
    assert "corrupt data at frame" in message
    assert 350 <= seen <= 420, "the good first half was delivered before the error"


def test_missing_file_is_a_usage_error(data_dir: Path) -> None:
    path = data_dir / PETS / "no_such_clip.mp4"
    with pytest.raises(SourceUsageError) as caught:
        open_source(str(path))
    assert caught.value.exit_code == 2
    assert str(caught.value) == f"{path}: no such file or folder"


def test_error_messages_carry_no_traceback_text(tmp_path: Path) -> None:
    path = tmp_path / "x.mp4"
    path.write_bytes(b"not a video at all" * 100)
    with pytest.raises(SourceError) as caught:
        open_source(str(path))
    text = str(caught.value)
    assert "Traceback" not in text and "Errno" not in text
    assert io.StringIO(text).read().count("\n") == 0
