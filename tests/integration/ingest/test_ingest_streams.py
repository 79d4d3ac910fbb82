"""Network streams through FFmpeg's own protocols, against real local servers."""

from __future__ import annotations

import time

import pytest
from stream_servers import LiveTsServer, MjpegServer

from citywatch.core.errors import SourceError
from citywatch.ingest import StreamSource, open_source


def _runtime_error(error: SourceError, url: str) -> str:
    assert type(error) is SourceError and error.exit_code == 1
    message = str(error)
    assert "\n" not in message and message.startswith(url)
    return message


@pytest.mark.parametrize("scheme", ["http", "rtsp"])
def test_connection_refused(closed_port: int, scheme: str) -> None:
    url = f"{scheme}://127.0.0.1:{closed_port}/x"
    start = time.monotonic()
    with pytest.raises(SourceError) as caught:
        open_source(url)
    assert time.monotonic() - start < 5
    assert _runtime_error(caught.value, url) == f"{url}: cannot open: connection refused"


@pytest.mark.parametrize("scheme", ["http", "rtsp"])
def test_server_that_never_answers_times_out(silent_server: int, scheme: str) -> None:
    url = f"{scheme}://127.0.0.1:{silent_server}/x"
    start = time.monotonic()
    with pytest.raises(SourceError) as caught:
        open_source(url, timeout=1.0)
    elapsed = time.monotonic() - start
    assert 0.8 < elapsed < 4
    assert "timed out" in _runtime_error(caught.value, url)


def test_password_is_masked_in_errors(closed_port: int) -> None:
    url = f"rtsp://admin:hunter2@127.0.0.1:{closed_port}/x"
    with pytest.raises(SourceError) as caught:
        open_source(url)
    assert "hunter2" not in str(caught.value)
    assert "admin:***@" in str(caught.value)


def test_live_mpegts_over_http(live_ts_server: LiveTsServer) -> None:
    start = time.monotonic()
    with open_source(live_ts_server.url, "gate", fps=5) as source:
        assert isinstance(source, StreamSource)
        assert source.live and source.frame_count is None
        assert source.frame_rate == 10.0
        frames = []
        for frame in source.frames():
            frames.append(frame)
            if len(frames) == 10:
                break
    assert time.monotonic() - start < 8
    assert [f.index for f in frames] == list(range(0, 20, 2))  # 10 fps sampled at 5
    assert all(f.image.shape == (360, 480, 3) for f in frames)
    assert frames[-1].ts == pytest.approx(1.8)
    assert abs(frames[-1].wall_time - time.time()) < 2.0, "wall time is arrival time"


def test_server_dropping_the_stream_is_an_error(live_ts_server: LiveTsServer) -> None:
    seen = 0
    with pytest.raises(SourceError) as caught, open_source(live_ts_server.url) as source:
        for _ in source.frames():
            seen += 1
            if seen == 5:
                live_ts_server.drop()
    message = _runtime_error(caught.value, live_ts_server.url)
    assert "stream lost" in message or "stream ended" in message
    assert seen >= 5


def test_mjpeg_camera_is_timed_by_arrival(mjpeg_server: MjpegServer) -> None:
    # MJPEG carries no timestamps (FFmpeg counts frames at a guessed 25 fps); the camera sends
    # 10 a second, so ts must follow arrival for fps sampling to mean anything.
    frames = []
    with pytest.raises(SourceError), open_source(mjpeg_server.url, fps=5) as source:
        assert "mjpeg 640x480" in source.describe()
        for frame in source.frames():
            frames.append(frame)
    assert 12 <= len(frames) <= 18  # 30 frames at 10 fps, sampled at 5 fps
    steps = [b.ts - a.ts for a, b in zip(frames, frames[1:], strict=False)]
    assert sum(steps) / len(steps) == pytest.approx(0.2, abs=0.05)
    assert frames[0].image.shape == (480, 640, 3)


def test_webcam_goes_through_ffmpeg_v4l2() -> None:
    # No camera here; /dev/null exists, so this reaches FFmpeg's v4l2 input, which refuses it.
    with pytest.raises(SourceError) as caught:
        open_source("webcam:/dev/null")
    message = _runtime_error(caught.value, "webcam:/dev/null")
    assert "cannot open" in message
