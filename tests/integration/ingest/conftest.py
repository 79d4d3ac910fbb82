"""Fixtures for ingest integration tests: real local stream servers and spare ports."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from stream_servers import LiveTsServer, MjpegServer, encode_mpegts


@pytest.fixture(scope="session")
def live_ts_payload(data_dir: Path) -> tuple[bytes, int]:
    """12 s of PETS09 footage at 10 fps as MPEG-TS bytes, and its frame count."""
    frames, fps = 120, 10
    payload = encode_mpegts(data_dir / "tracking/pets09_s2l1/vtest.mp4", frames=frames, fps=fps)
    return payload, frames


@pytest.fixture
def live_ts_server(live_ts_payload: tuple[bytes, int]) -> Iterator[LiveTsServer]:
    payload, frames = live_ts_payload
    server = LiveTsServer(payload, duration=frames / 10)
    server.start()
    yield server
    server.close()


@pytest.fixture
def mjpeg_server(data_dir: Path) -> Iterator[MjpegServer]:
    """30 TUD-Campus frames as an MJPEG-over-HTTP camera at 10 fps."""
    images = sorted((data_dir / "tracking/tud_campus/img1").glob("*.jpg"))[:30]
    server = MjpegServer(images, fps=10)
    yield server
    server.close()


@pytest.fixture
def closed_port() -> int:
    """A local TCP port with nothing listening on it (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections (via the backlog) but never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield int(listener.getsockname()[1])
    listener.close()
