"""CameraSupervisor's decisions, driven by scripted sources (no video, no network, fast).

Real footage and a real reconnecting stream are in tests/integration/ingest; these cover the
branches that are hard to provoke on demand there: which errors are retried, numbering across
reconnects, stop during a backoff wait.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from types import TracebackType

import numpy as np
import pytest

from citywatch.config.cameras import CameraConfig
from citywatch.core.errors import SourceError, SourceUsageError
from citywatch.core.frame import Frame
from citywatch.ingest import Backoff, CameraSupervisor, FrameSource, SupervisorState

IMAGE = np.zeros((4, 4, 3), np.uint8)
FAST = Backoff(initial=0.01, maximum=0.02, jitter=0.0)


class ScriptedSource:
    """Yields `count` frames at 10 fps, then raises `error`, ends, or waits for interrupt."""

    live = True

    def __init__(self, spec: str, count: int, then: BaseException | str) -> None:
        self.spec = spec
        self.camera_id = "cam"
        self.count = count
        self.then = then
        self._interrupt = threading.Event()
        self.closed = False

    @property
    def frame_count(self) -> int | None:
        return None

    @property
    def frame_rate(self) -> float | None:
        return 10.0

    def frames(self) -> Iterator[Frame]:
        for i in range(self.count):
            yield Frame("cam", i, i / 10, time.time(), IMAGE)
        if isinstance(self.then, BaseException):
            raise self.then
        if self.then == "block":
            self._interrupt.wait(30)

    def describe(self) -> str:
        return f"scripted {self.spec}"

    def skip_before(self, index: int) -> None:
        pass

    def interrupt(self) -> None:
        self._interrupt.set()

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> ScriptedSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Script:
    """An opener that plays one step per (re)open: a source, or an exception from open."""

    def __init__(self, *steps: ScriptedSource | BaseException) -> None:
        self.steps = list(steps)
        self.opened: list[ScriptedSource] = []
        self.calls = 0

    def __call__(self, spec: str, camera_id: str, **kwargs: object) -> ScriptedSource:
        self.calls += 1
        step = self.steps.pop(0) if self.steps else ScriptedSource(spec, 0, "block")
        if isinstance(step, BaseException):
            raise step
        self.opened.append(step)
        return step


def drain(supervisor: CameraSupervisor, until: int, timeout: float = 5.0) -> list[Frame]:
    frames: list[Frame] = []
    deadline = time.monotonic() + timeout
    while len(frames) < until and time.monotonic() < deadline:
        try:
            frames.append(supervisor.queue.get(timeout=0.1))
        except Exception:
            if supervisor.queue.closed and supervisor.queue.qsize() == 0:
                break
    return frames


URL = "rtsp://camera.invalid/stream"


def test_live_source_reconnects_and_keeps_numbering_increasing() -> None:
    script = Script(
        ScriptedSource(URL, 3, SourceError(URL, "stream lost")),
        SourceError(URL, "cannot open: connection refused"),
        ScriptedSource(URL, 3, "block"),
    )
    supervisor = CameraSupervisor("cam", URL, backoff=FAST, opener=script, queue_size=16)
    supervisor.start()
    frames = drain(supervisor, 6)
    stats = supervisor.stats
    assert supervisor.stop(timeout=2.0)
    assert [f.index for f in frames] == [0, 1, 2, 3, 4, 5]
    assert all(b.ts > a.ts for a, b in zip(frames, frames[1:], strict=False))
    assert stats.state is SupervisorState.STREAMING
    assert stats.reconnects == 1
    assert stats.errors == 2
    assert stats.last_error == f"{URL}: cannot open: connection refused"
    assert supervisor.state is SupervisorState.STOPPED
    assert all(source.closed for source in script.opened)


def test_file_error_fails_without_retry() -> None:
    spec = "/footage/clip.mp4"
    script = Script(ScriptedSource(spec, 2, SourceError(spec, "corrupt data at frame 2")))
    supervisor = CameraSupervisor("cam", spec, backoff=FAST, opener=script)
    supervisor.start()
    assert supervisor.join(timeout=2.0)
    assert supervisor.state is SupervisorState.FAILED
    assert isinstance(supervisor.error, SourceError)
    assert script.calls == 1
    assert supervisor.queue.closed
    assert len(list(supervisor.queue)) == 2


def test_file_end_is_finished() -> None:
    spec = "/footage/clip.mp4"
    supervisor = CameraSupervisor(
        "cam", spec, opener=Script(ScriptedSource(spec, 4, "end")), queue_size=8
    )
    supervisor.start()
    assert supervisor.join(timeout=2.0)
    assert supervisor.state is SupervisorState.FINISHED
    assert supervisor.stats.frames_read == 4
    assert [f.index for f in supervisor.queue] == [0, 1, 2, 3]


def test_usage_error_fails_even_for_a_live_source() -> None:
    script = Script(SourceUsageError(URL, "unknown scheme"))
    supervisor = CameraSupervisor("cam", URL, backoff=FAST, opener=script)
    supervisor.start()
    assert supervisor.join(timeout=2.0)
    assert supervisor.state is SupervisorState.FAILED
    assert script.calls == 1


def test_unexpected_exception_in_a_live_source_is_retried() -> None:
    script = Script(
        ScriptedSource(URL, 1, RuntimeError("bug")),
        ScriptedSource(URL, 1, "block"),
    )
    supervisor = CameraSupervisor("cam", URL, backoff=FAST, opener=script)
    supervisor.start()
    frames = drain(supervisor, 2)
    supervisor.stop(timeout=2.0)
    assert len(frames) == 2
    assert supervisor.stats.reconnects == 1
    assert "unexpected error" in (supervisor.stats.last_error or "")


def test_looping_file_is_retried_after_an_error() -> None:
    spec = "/footage/clip.mp4"
    script = Script(
        ScriptedSource(spec, 1, SourceError(spec, "read failed")),
        ScriptedSource(spec, 1, "block"),
    )
    supervisor = CameraSupervisor("cam", spec, loop=True, backoff=FAST, opener=script)
    supervisor.start()
    assert len(drain(supervisor, 2)) == 2
    supervisor.stop(timeout=2.0)
    assert script.calls == 2


def test_stop_during_a_long_backoff_is_prompt() -> None:
    script = Script(*[SourceError(URL, "connection refused")] * 3)
    slow = Backoff(initial=30.0, maximum=60.0, jitter=0.0)
    supervisor = CameraSupervisor("cam", URL, backoff=slow, opener=script)
    supervisor.start()
    deadline = time.monotonic() + 2
    while supervisor.state is not SupervisorState.BACKOFF and time.monotonic() < deadline:
        time.sleep(0.01)
    assert supervisor.state is SupervisorState.BACKOFF
    start = time.monotonic()
    assert supervisor.stop(timeout=2.0)
    assert time.monotonic() - start < 0.5
    assert supervisor.state is SupervisorState.STOPPED


def test_stop_interrupts_a_source_waiting_for_data() -> None:
    script = Script(ScriptedSource(URL, 1, "block"))
    supervisor = CameraSupervisor("cam", URL, opener=script)
    supervisor.start()
    assert len(drain(supervisor, 1)) == 1
    start = time.monotonic()
    assert supervisor.stop(timeout=2.0)
    assert time.monotonic() - start < 0.5


def test_stop_before_start_and_double_start() -> None:
    supervisor = CameraSupervisor("cam", URL, opener=Script())
    assert supervisor.stop()
    assert supervisor.state is SupervisorState.STOPPED
    assert supervisor.queue.closed
    started = CameraSupervisor("cam", URL, opener=Script()).start()
    with pytest.raises(RuntimeError):
        started.start()
    started.stop()


def test_scripted_source_meets_the_protocol() -> None:
    assert isinstance(ScriptedSource(URL, 0, "end"), FrameSource)


def test_from_config_uses_the_camera_settings() -> None:
    camera = CameraConfig(id="gate-1", source=URL, fps=2.0, queue_size=3, loop=False)
    script = Script(ScriptedSource(URL, 0, "block"))
    supervisor = CameraSupervisor.from_config(camera, opener=script)
    assert supervisor.camera_id == "gate-1"
    assert supervisor.queue.maxsize == 3
    assert supervisor.stats.state is SupervisorState.IDLE
