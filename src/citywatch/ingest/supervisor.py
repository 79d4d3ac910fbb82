"""One thread per camera: open the source, push frames into the camera's queue, reconnect.

The supervisor is the only place that decides what a source failure means:
- a live source (stream, webcam) or a looping file is reopened after a `Backoff` delay, forever,
  until `stop()`; a camera that is offline at start-up is simply retried;
- a plain file or folder ends at its end (state `finished`) or at its first error (`failed`);
- a `SourceUsageError` (missing file, unknown scheme) is `failed` at once: retrying cannot help.
In every case the queue is closed at the end, so the consumer sees end-of-stream.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import threading
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from citywatch.core.errors import SourceError, SourceUsageError
from citywatch.core.frame import Frame
from citywatch.core.redact import mask_url
from citywatch.ingest.backoff import Backoff
from citywatch.ingest.queue import DropOldestQueue
from citywatch.ingest.sources.base import FrameSource
from citywatch.ingest.sources.opener import open_source, parse_spec

if TYPE_CHECKING:
    from citywatch.config.cameras import CameraConfig

log = logging.getLogger("citywatch.ingest")

Opener = Callable[..., FrameSource]


class SupervisorState(enum.StrEnum):
    IDLE = "idle"  # created, not started
    CONNECTING = "connecting"
    STREAMING = "streaming"
    BACKOFF = "backoff"  # waiting before the next reconnect
    STOPPED = "stopped"  # stop() was called
    FINISHED = "finished"  # a file or folder reached its end
    FAILED = "failed"  # an error that reconnecting cannot fix

    @property
    def final(self) -> bool:
        return self in (SupervisorState.STOPPED, SupervisorState.FINISHED, SupervisorState.FAILED)


@dataclasses.dataclass(frozen=True)
class SupervisorStats:
    """A consistent snapshot of one camera's ingest, for the API and logs."""

    camera_id: str
    source: str
    state: SupervisorState
    frames_read: int
    frames_dropped: int
    queued: int
    reconnects: int  # times the source streamed again after an error
    errors: int
    last_error: str | None
    last_frame_wall_time: float | None


class _Continuity:
    """Keeps `index` and `ts` increasing across reconnections.

    Each new connection numbers its frames from 0 again; downstream (tracking, storage) needs
    one increasing sequence per camera. After an outage, `ts` resumes advanced by the
    wall-clock gap, so speeds computed over the gap stay sensible.
    """

    def __init__(self) -> None:
        self._next_index = 0
        self._last_ts: float | None = None
        self._last_wall = 0.0
        self._index_base = 0
        self._ts_base = 0.0
        self._fresh = True

    def new_connection(self) -> None:
        self._fresh = True

    def adapt(self, frame: Frame) -> Frame:
        if self._fresh:
            self._fresh = False
            self._index_base = self._next_index
            if self._last_ts is None:
                self._ts_base = 0.0
            else:
                gap = max(frame.wall_time - self._last_wall, 1e-3)
                self._ts_base = self._last_ts + gap - frame.ts
        index = self._index_base + frame.index
        ts = self._ts_base + frame.ts
        self._next_index = index + 1
        self._last_ts = ts
        self._last_wall = frame.wall_time
        if index == frame.index and ts == frame.ts:
            return frame
        return dataclasses.replace(frame, index=index, ts=ts)


class CameraSupervisor:
    """Reads one camera in a background thread into a `DropOldestQueue[Frame]`.

    Use `start()`, then consume `queue` (it ends with `QueueClosed` / the iterator stopping),
    and `stop()` when done. `stop()` is prompt: it wakes a backoff wait at once, interrupts the
    source between frames, and closes the queue. A read blocked inside FFmpeg on a stalled
    stream cannot be cancelled from outside (closing the container from another thread is
    unsafe); it ends within the source's read timeout (5 s by default), and `stop()` returns
    when its own `timeout` passes whether or not the thread has finished.

    A supervisor gives camera semantics: over a file without `realtime=True` it decodes as
    fast as it can and the queue drops whatever analysis cannot keep up with. Offline work
    where every frame matters (`citywatch track`) iterates the source itself instead.
    """

    def __init__(
        self,
        camera_id: str,
        source: str,
        *,
        fps: float | None = None,
        queue_size: int = 8,
        loop: bool = False,
        realtime: bool = False,
        timeout: float | None = None,
        backoff: Backoff | None = None,
        frame_queue: DropOldestQueue[Frame] | None = None,
        opener: Opener = open_source,
        start_index: int = 0,
    ) -> None:
        self.camera_id = camera_id
        self._start_index = start_index  # first connection only: where a moved camera resumes
        self.source = source
        self._display = mask_url(source)
        self._fps = fps
        self._loop = loop
        self._realtime = realtime
        self._timeout = timeout
        self._backoff = backoff or Backoff()
        self.queue: DropOldestQueue[Frame] = frame_queue or DropOldestQueue(queue_size)
        self._opener = opener
        self._continuity = _Continuity()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._current: FrameSource | None = None
        self._state = SupervisorState.IDLE
        self._frames_read = 0
        self._reconnects = 0
        self._errors = 0
        self._last_error: str | None = None
        self._last_frame_wall: float | None = None
        self._error: SourceError | None = None
        self._warned_error: str | None = None  # last error logged as a warning in this outage

    @classmethod
    def from_config(
        cls,
        camera: CameraConfig,
        *,
        backoff: Backoff | None = None,
        timeout: float | None = None,
        opener: Opener = open_source,
        start_index: int = 0,
    ) -> CameraSupervisor:
        """A supervisor for a configured camera (`source`, `fps`, `queue_size`, `loop`,
        `realtime`); `start_index` resumes recorded media at that frame number."""
        return cls(
            camera.id,
            camera.source,
            fps=camera.fps,
            queue_size=camera.queue_size,
            loop=camera.loop,
            realtime=camera.realtime,
            timeout=timeout,
            backoff=backoff,
            opener=opener,
            start_index=start_index,
        )

    # --- public ---------------------------------------------------------------------------------

    @property
    def stats(self) -> SupervisorStats:
        with self._lock:
            return SupervisorStats(
                camera_id=self.camera_id,
                source=self._display,
                state=self._state,
                frames_read=self._frames_read,
                frames_dropped=self.queue.dropped,
                queued=self.queue.qsize(),
                reconnects=self._reconnects,
                errors=self._errors,
                last_error=self._last_error,
                last_frame_wall_time=self._last_frame_wall,
            )

    @property
    def state(self) -> SupervisorState:
        with self._lock:
            return self._state

    @property
    def error(self) -> SourceError | None:
        """The error that made the camera `failed`, for a caller that wants to re-raise it."""
        with self._lock:
            return self._error

    def start(self) -> CameraSupervisor:
        if self._thread is not None:
            raise RuntimeError(f"camera {self.camera_id}: supervisor already started")
        self._thread = threading.Thread(
            target=self._run, name=f"ingest-{self.camera_id}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout: float | None = 5.0) -> bool:
        """Stop reading and close the queue. Returns True if the thread has ended."""
        self._stop.set()
        with self._lock:
            current = self._current
            if not self._state.final:
                self._state = SupervisorState.STOPPED
        if current is not None:
            current.interrupt()
        self.queue.close()
        return self.join(timeout)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end (a file's end, a failure, or after stop()). True if ended."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> CameraSupervisor:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<CameraSupervisor {self.camera_id} {self._display} {self.state}>"

    # --- the thread -----------------------------------------------------------------------------

    def _retry_allowed(self) -> bool:
        if self._loop:
            return True
        try:
            return parse_spec(self.source).kind.live
        except SourceUsageError:
            return False

    def _set_state(
        self, state: SupervisorState, detail: str = "", level: int = logging.INFO
    ) -> None:
        with self._lock:
            if self._stop.is_set() and not state.final:
                return  # stop() already decided the state
            self._state = state
        log.log(level, "camera %s: %s%s", self.camera_id, state, f" ({detail})" if detail else "")

    def _run(self) -> None:
        retry = self._retry_allowed()
        try:
            while not self._stop.is_set():
                # Debug: while a camera is down this repeats every backoff period.
                self._set_state(SupervisorState.CONNECTING, self._display, logging.DEBUG)
                try:
                    self._read_once()
                except SourceUsageError as error:
                    self._fail(error)
                    return
                except SourceError as error:
                    if self._stop.is_set():
                        return
                    if not retry:
                        self._fail(error)
                        return
                    self._wait_after(error)
                except Exception as error:  # a bug, not a camera problem: keep the camera alive
                    if self._stop.is_set():
                        return
                    log.exception("camera %s: unexpected error while reading", self.camera_id)
                    wrapped = SourceError(self._display, f"unexpected error: {error!r}")
                    if not retry:
                        self._fail(wrapped)
                        return
                    self._wait_after(wrapped)
                else:
                    if not self._stop.is_set():
                        self._set_state(SupervisorState.FINISHED, "end of source")
                    return
        finally:
            with self._lock:
                if not self._state.final:
                    self._state = SupervisorState.STOPPED
            self.queue.close()

    def _read_once(self) -> None:
        kwargs: dict[str, object] = {
            "fps": self._fps,
            "realtime": self._realtime,
            "loop": self._loop,
        }
        if self._timeout is not None:
            kwargs["timeout"] = self._timeout
        with self._opener(self.source, self.camera_id, **kwargs) as source:
            with self._lock:
                self._current = source
            try:
                if self._stop.is_set():
                    return
                if self._start_index:
                    source.skip_before(self._start_index)
                    self._start_index = 0  # a reconnection starts the media afresh
                self._continuity.new_connection()
                first = True
                for frame in source.frames():
                    frame = self._continuity.adapt(frame)
                    if first:
                        first = False
                        self._on_streaming(source)
                    self.queue.put(frame)
                    with self._lock:
                        self._frames_read += 1
                        self._last_frame_wall = frame.wall_time
                    if self._stop.is_set():
                        return
            finally:
                with self._lock:
                    self._current = None

    def _on_streaming(self, source: FrameSource) -> None:
        self._backoff.connected()
        with self._lock:
            self._warned_error = None
            if self._errors:
                self._reconnects += 1
        self._set_state(SupervisorState.STREAMING, source.describe())

    def _wait_after(self, error: SourceError) -> None:
        delay = self._backoff.failure()
        message = str(error)
        with self._lock:
            repeated = message == self._warned_error
            self._warned_error = message
            self._errors += 1
            self._last_error = message
        # The same error again (a camera that stays down) is logged once, not every attempt.
        level = logging.DEBUG if repeated else logging.WARNING
        self._set_state(SupervisorState.BACKOFF, f"{message}; retrying in {delay:.1f} s", level)
        self._stop.wait(delay)

    def _fail(self, error: SourceError) -> None:
        with self._lock:
            self._errors += 1
            self._last_error = str(error)
            self._error = error
        self._set_state(SupervisorState.FAILED, str(error), logging.ERROR)
