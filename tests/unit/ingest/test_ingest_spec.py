"""Source strings: what each form means, and the errors for ones that name nothing usable.

None of these need the shared footage.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from citywatch.core.errors import SourceError, SourceUsageError
from citywatch.core.redact import mask_url
from citywatch.ingest import SourceKind, open_source, parse_spec


def _one_line_naming(error: BaseException, name: str) -> str:
    message = str(error)
    assert "\n" not in message
    assert name in message
    return message


@pytest.mark.parametrize(
    ("spec", "kind", "target"),
    [
        ("webcam:0", SourceKind.WEBCAM, "/dev/video0"),
        ("webcam:12", SourceKind.WEBCAM, "/dev/video12"),
        ("webcam:/dev/video3", SourceKind.WEBCAM, "/dev/video3"),
        ("rtsp://cam.local:554/stream1", SourceKind.STREAM, "rtsp://cam.local:554/stream1"),
        ("rtsp+udp://cam.local/s", SourceKind.STREAM, "rtsp+udp://cam.local/s"),
        ("http://host/video.mjpg", SourceKind.STREAM, "http://host/video.mjpg"),
        ("https://host/live/index.m3u8", SourceKind.STREAM, "https://host/live/index.m3u8"),
        ("udp://239.0.0.1:1234", SourceKind.STREAM, "udp://239.0.0.1:1234"),
        ("file:///tmp/some%20clip.mp4", SourceKind.FILE, "/tmp/some clip.mp4"),
        ("/no/such/clip.mp4", SourceKind.FILE, "/no/such/clip.mp4"),
    ],
)
def test_parse_spec(spec: str, kind: SourceKind, target: str) -> None:
    parsed = parse_spec(spec)
    assert parsed.kind is kind
    assert parsed.target == target


def test_a_directory_is_a_folder_source(tmp_path: Path) -> None:
    assert parse_spec(str(tmp_path)).kind is SourceKind.FOLDER


def test_live_kinds() -> None:
    assert SourceKind.STREAM.live and SourceKind.WEBCAM.live
    assert not SourceKind.FILE.live and not SourceKind.FOLDER.live


@pytest.mark.parametrize("spec", ["ftp://host/clip.mp4", "foo://bar", "webcam:front", ""])
def test_bad_specs_are_usage_errors(spec: str) -> None:
    with pytest.raises(SourceUsageError) as caught:
        open_source(spec)
    assert caught.value.exit_code == 2
    assert "\n" not in str(caught.value)


def test_unknown_scheme_message_names_the_scheme() -> None:
    with pytest.raises(SourceUsageError) as caught:
        open_source("ftp://host/clip.mp4")
    message = _one_line_naming(caught.value, "ftp://host/clip.mp4")
    assert "unknown scheme 'ftp://'" in message


def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.mp4"
    with pytest.raises(SourceUsageError) as caught:
        open_source(str(missing))
    assert caught.value.exit_code == 2
    assert "no such file" in _one_line_naming(caught.value, str(missing))


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceUsageError) as caught:
        open_source(str(tmp_path))
    assert caught.value.exit_code == 2
    assert "empty" in _one_line_naming(caught.value, str(tmp_path))


def test_folder_without_images(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a frame")
    (tmp_path / "clip.mp4").write_bytes(b"\0" * 64)
    with pytest.raises(SourceUsageError) as caught:
        open_source(str(tmp_path))
    assert "no image files" in _one_line_naming(caught.value, str(tmp_path))


def test_absent_webcam_is_a_runtime_error_not_usage() -> None:
    # /dev/video99 does not exist here; a real camera may be unplugged and come back, so the
    # supervisor retries it like a stream (SourceError, exit 1), unlike a typo (exit 2).
    with pytest.raises(SourceError) as caught:
        open_source("webcam:99")
    assert not isinstance(caught.value, SourceUsageError)
    assert caught.value.exit_code == 1
    assert "/dev/video99" in _one_line_naming(caught.value, "webcam:99")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("rtsp://admin:hunter2@10.0.0.5:554/s1", "rtsp://admin:***@10.0.0.5:554/s1"),
        ("rtsp://10.0.0.5/s1", "rtsp://10.0.0.5/s1"),
        ("http://user@host/x", "http://user@host/x"),
    ],
)
def test_passwords_never_reach_messages(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_unknown_scheme_error_hides_the_password() -> None:
    with pytest.raises(SourceUsageError) as caught:
        open_source("rtspx://admin:hunter2@10.0.0.5/s1")
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("fps", [0.0, -5.0, float("nan")])
def test_nonpositive_fps_is_a_usage_error(tmp_path: Path, fps: float) -> None:
    (tmp_path / "000001.jpg").write_bytes(b"")
    with pytest.raises(SourceUsageError) as caught:
        open_source(str(tmp_path), fps=fps)
    assert caught.value.exit_code == 2
    assert "fps" in str(caught.value)
