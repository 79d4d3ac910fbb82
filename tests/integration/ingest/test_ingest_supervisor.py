"""CameraSupervisor on real sources: files end, slow consumers lose old frames, broken input
fails, unreachable cameras back off, and a live stream that drops comes back by itself."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from stream_servers import LiveTsServer

from citywatch.core.errors import SourceError, SourceUsageError
from citywatch.core.frame import Frame
from citywatch.ingest import Backoff, CameraSupervisor, QueueClosed, SupervisorState


def consume_in_background(
    supervisor: CameraSupervisor,
) -> tuple[list[tuple[float, Frame]], threading.Thread]:
    """Start `supervisor` and a thread taking its frames as they come, with their arrival time."""
    received: list[tuple[float, Frame]] = []

    def consume() -> None:
        for frame in supervisor.queue:
            received.append((time.monotonic(), frame))

    consumer = threading.Thread(target=consume, daemon=True)
    supervisor.start()
    consumer.start()
    return received, consumer


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll `condition` until it holds or `timeout` passes (the caller asserts after)."""
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_file_is_read_to_the_end_and_the_queue_closed(data_dir: Path) -> None:
    path = data_dir / "tracking/tud_campus/TUD-Campus.mp4"
    supervisor = CameraSupervisor("tud", str(path), queue_size=100).start()
    assert supervisor.join(timeout=20)
    frames = list(supervisor.queue)
    stats = supervisor.stats
    assert len(frames) == 71
    assert [f.index for f in frames] == list(range(71))
    assert stats.state is SupervisorState.FINISHED
    assert (stats.frames_read, stats.frames_dropped, stats.errors) == (71, 0, 0)
    assert stats.last_frame_wall_time == frames[-1].wall_time


def test_a_resumed_camera_starts_at_its_frame_at_once_and_keeps_the_numbers(
    data_dir: Path,
) -> None:
    """A camera moved to another host resumes at frame 50 of 71: the frames before are not
    paced (no 2 s wait at real time) and the numbers go on where they were."""
    path = data_dir / "tracking/tud_campus/TUD-Campus.mp4"  # 71 frames at 25 fps
    started = time.monotonic()
    supervisor = CameraSupervisor(
        "tud", str(path), realtime=True, queue_size=100, start_index=50
    ).start()
    first = supervisor.queue.get(timeout=5)
    waited = time.monotonic() - started
    assert supervisor.join(timeout=20)
    frames = [first, *supervisor.queue]
    assert [f.index for f in frames] == list(range(50, 71))
    assert supervisor.stats.frames_read == 21
    assert waited < 1.0  # 50 frames at 25 fps would take 2 s if they were paced


def test_slow_consumer_loses_old_frames_and_sees_recent_ones(data_dir: Path) -> None:
    path = data_dir / "tracking/tud_campus/TUD-Campus.mp4"  # 71 frames at 25 fps: 2.8 s
    queue_size = 3
    supervisor = CameraSupervisor("tud", str(path), realtime=True, queue_size=queue_size)
    lag: list[int] = []  # how many frames behind the camera each consumed frame was
    seen: list[Frame] = []
    supervisor.start()
    while True:
        try:
            frame = supervisor.queue.get(timeout=10)
        except QueueClosed:
            break
        lag.append(supervisor.stats.frames_read - 1 - frame.index)
        seen.append(frame)
        time.sleep(0.2)  # analysis five times slower than the camera
    stats = supervisor.stats
    assert stats.state is SupervisorState.FINISHED
    assert stats.frames_dropped > 30
    assert len(seen) + stats.frames_dropped == 71, "every frame was either analysed or dropped"
    assert max(lag) <= queue_size + 1, "never more than a queue's worth behind"
    assert seen[-1].index == 70, "the newest frame is not the one that got dropped"


def test_corrupt_file_fails_once_without_retry(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "corrupted.mp4"
    path.write_bytes((data_dir / "faces/compreface_samples/imgtools/corrupted.png").read_bytes())
    supervisor = CameraSupervisor("bad", str(path)).start()
    assert supervisor.join(timeout=10)
    stats = supervisor.stats
    assert stats.state is SupervisorState.FAILED
    assert stats.errors == 1 and stats.reconnects == 0
    assert isinstance(supervisor.error, SourceError)
    assert stats.last_error is not None and str(path) in stats.last_error
    assert supervisor.queue.closed


def test_missing_file_fails_with_a_usage_error(tmp_path: Path) -> None:
    supervisor = CameraSupervisor("gone", str(tmp_path / "gone.mp4")).start()
    assert supervisor.join(timeout=5)
    assert supervisor.state is SupervisorState.FAILED
    assert isinstance(supervisor.error, SourceUsageError)


def test_unreachable_camera_backs_off_and_stops_promptly(closed_port: int) -> None:
    url = f"rtsp://127.0.0.1:{closed_port}/stream"
    backoff = Backoff(initial=0.05, maximum=0.2, jitter=0.0)
    supervisor = CameraSupervisor("down", url, backoff=backoff).start()
    deadline = time.monotonic() + 5
    while supervisor.stats.errors < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    stats = supervisor.stats
    assert stats.errors >= 3, "kept retrying"
    assert stats.state in (SupervisorState.BACKOFF, SupervisorState.CONNECTING)
    assert stats.last_error == f"{url}: cannot open: connection refused"
    start = time.monotonic()
    assert supervisor.stop(timeout=3)
    assert time.monotonic() - start < 1.0
    assert supervisor.state is SupervisorState.STOPPED


def test_stop_while_streaming_a_looping_file_is_prompt(data_dir: Path) -> None:
    path = data_dir / "tracking/pets09_s2l1/vtest.mp4"
    supervisor = CameraSupervisor("loop", str(path), loop=True, realtime=True, fps=5)
    supervisor.start()
    first = supervisor.queue.get(timeout=5)
    assert first.index == 0
    start = time.monotonic()
    assert supervisor.stop(timeout=3)
    assert time.monotonic() - start < 0.5
    assert supervisor.state is SupervisorState.STOPPED


@pytest.mark.slow
def test_live_stream_drops_and_comes_back(live_ts_server: LiveTsServer) -> None:
    """The server streams, drops every connection and refuses new ones for 2 s, then returns.

    The supervisor must notice, back off, reconnect by itself, and frames must keep coming
    with one increasing index and timestamp.
    """
    backoff = Backoff(initial=0.2, maximum=1.0, jitter=0.1)
    supervisor = CameraSupervisor("gate", live_ts_server.url, backoff=backoff, queue_size=64)
    received, consumer = consume_in_background(supervisor)
    try:
        wait_until(lambda: len(received) >= 15)
        assert len(received) >= 15, f"no stream before the outage: {supervisor.stats}"

        live_ts_server.drop()
        outage_start = time.monotonic()
        time.sleep(2.0)
        during = supervisor.stats
        assert during.state in (SupervisorState.BACKOFF, SupervisorState.CONNECTING)
        assert during.errors >= 2, "the drop and at least one refused reconnect"
        assert "connection refused" in (during.last_error or "")
        live_ts_server.resume()

        def after() -> list[Frame]:
            return [f for t, f in received if t > outage_start + 2.0]

        wait_until(lambda: len(after()) >= 15)
        assert len(after()) >= 15, f"no frames after the outage: {supervisor.stats}"
        stats = supervisor.stats
        assert stats.reconnects >= 1
        assert stats.state is SupervisorState.STREAMING
        assert live_ts_server.connections >= 2

        frames = [f for _, f in received]
        assert all(b.index > a.index for a, b in zip(frames, frames[1:], strict=False))
        assert all(b.ts > a.ts for a, b in zip(frames, frames[1:], strict=False))
    finally:
        start = time.monotonic()
        stopped = supervisor.stop(timeout=5)
        stop_seconds = time.monotonic() - start
    consumer.join(timeout=2)
    assert stopped and stop_seconds < 1.0, f"stop took {stop_seconds:.2f} s"
    assert not consumer.is_alive(), "closing the queue ended the consumer"
    assert supervisor.state is SupervisorState.STOPPED


def test_a_stalled_stream_times_out_and_is_taken_up_again(live_ts_server: LiveTsServer) -> None:
    """The server keeps the connection open but stops sending (a hung camera): the read times
    out, the supervisor reconnects by itself, and frames come again once the server sends."""
    backoff = Backoff(initial=0.2, maximum=1.0, jitter=0.1)
    supervisor = CameraSupervisor(
        "gate", live_ts_server.url, backoff=backoff, queue_size=64, timeout=1.0
    )
    received, consumer = consume_in_background(supervisor)
    try:
        wait_until(lambda: len(received) >= 10)
        assert len(received) >= 10, f"no stream before the stall: {supervisor.stats}"

        live_ts_server.stall()
        stalled = time.monotonic()
        wait_until(lambda: supervisor.stats.errors > 0)
        noticed = time.monotonic() - stalled
        assert supervisor.stats.errors >= 1, "the stall was never noticed"
        assert noticed < 5.0  # the 1 s read timeout, not a hang
        live_ts_server.unstall()

        def resumed() -> int:
            return sum(1 for t, _ in received if t > stalled + noticed)

        wait_until(lambda: resumed() >= 10)
        stats = supervisor.stats
        assert resumed() >= 10, stats
        assert stats.reconnects >= 1
        indexes = [f.index for _, f in received]
        assert indexes == sorted(indexes) and len(set(indexes)) == len(indexes)
    finally:
        supervisor.stop()
        consumer.join(timeout=5)
