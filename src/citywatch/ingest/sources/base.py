"""The one contract every source meets, and the loop they share.

A concrete source only says how to walk its media once (`_raw_frames`), how to turn a kept
raw frame into a BGR image (`_to_image`), how to start over (`_rewind`, for `loop=True`) and
how to let go of resources (`_release`). Timestamps, analysis-rate sampling, pacing, looping,
wall time and frame numbering live here, once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, runtime_checkable

import numpy as np

from citywatch.core.errors import SourceUsageError
from citywatch.core.frame import Frame
from citywatch.ingest.sources.timing import (
    FpsSampler,
    Pacer,
    Timeline,
    WallAnchor,
    sampled_count,
)

log = logging.getLogger("citywatch.ingest")


@runtime_checkable
class FrameSource(Protocol):
    """Frames from one camera, file or folder. Use as a context manager.

    `frames()` yields `Frame`s in stream order and may be iterated once. `frame_count` is how
    many frames `frames()` is expected to yield after fps sampling (None when unknown or
    endless), for progress bars; `frame_rate` is the media's own nominal rate (None when
    unknown). `interrupt()` may be called from another thread to make `frames()` end soon;
    everything else belongs to the thread that opened the source.
    """

    spec: str
    camera_id: str
    live: bool

    @property
    def frame_count(self) -> int | None: ...

    @property
    def frame_rate(self) -> float | None: ...

    def frames(self) -> Iterator[Frame]: ...

    def describe(self) -> str: ...

    def interrupt(self) -> None: ...

    def skip_before(self, index: int) -> None: ...

    def close(self) -> None: ...

    def __enter__(self) -> FrameSource: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class RawFrame:
    """A decoded (or merely listed) frame before sampling: its container time and a handle.

    `payload` is whatever `_to_image` needs (a PyAV frame, an image path); turning it into an
    ndarray is deferred so frames dropped by fps sampling never pay for colour conversion.
    """

    time: float | None
    payload: object


class SourceBase:
    """Shared behaviour of all sources; subclasses fill in the media-specific steps."""

    kind = "source"
    live = False

    def __init__(
        self,
        spec: str,
        camera_id: str,
        *,
        fps: float | None = None,
        realtime: bool = False,
        loop: bool = False,
    ) -> None:
        if fps is not None and not fps > 0:
            raise SourceUsageError(spec, f"analysis fps must be positive, got {fps:g}")
        self.spec = spec
        self.camera_id = camera_id
        self.fps = fps
        self._realtime = realtime
        self._loop = loop
        self._interrupt = threading.Event()
        self._started = False
        self._closed = False
        self._first_index = 0  # frames numbered below are read but not given (skip_before)
        self.frames_decoded = 0  # raw frames seen, before sampling, over all passes
        self.frames_skipped = 0  # kept frames that could not be turned into an image

    @property
    def realtime(self) -> bool:
        """Pace frames to their timestamps (recorded media only; live sources pace themselves)."""
        return self._realtime and not self.live

    @property
    def loop(self) -> bool:
        """Replay from the start at the end. Only for recorded media."""
        return self._loop and not self.live

    # --- what subclasses provide -------------------------------------------------------------

    @property
    def frame_rate(self) -> float | None:
        """Nominal frames per second of the media, if known."""
        return None

    def _frames_per_pass(self) -> int | None:
        """Raw frames one pass is expected to give, if known."""
        return None

    def _raw_frames(self) -> Iterator[RawFrame]:
        raise NotImplementedError

    def _to_image(self, payload: object) -> np.ndarray | None:
        raise NotImplementedError

    def _rewind(self) -> None:
        raise NotImplementedError

    def _release(self) -> None:
        """Free resources; must be safe to call twice."""

    # --- the contract ------------------------------------------------------------------------

    @property
    def frame_count(self) -> int | None:
        if self.loop:
            return None
        total = self._frames_per_pass()
        if total is None:
            return None
        rate = self.frame_rate
        if self.fps is None or rate is None:
            return total
        return sampled_count(total, rate, self.fps)

    def describe(self) -> str:
        parts = [f"{self.kind} {self.spec}"]
        if self.frame_rate:
            parts.append(f"{self.frame_rate:g} fps")
        if self.fps is not None:
            parts.append(f"analysed at {self.fps:g} fps")
        if self.realtime:
            parts.append("real time")
        if self.loop:
            parts.append("looping")
        return ", ".join(parts)

    def skip_before(self, index: int) -> None:
        """Start giving frames at frame number `index` (recorded media; a live source has no
        past to skip). Earlier frames are decoded but neither converted nor paced, so a camera
        moved to another host resumes where it was at once, at the same frame numbers."""
        if self._started:
            raise RuntimeError(f"{self.spec}: skip_before() must come before frames()")
        if not self.live:
            self._first_index = max(int(index), 0)

    def interrupt(self) -> None:
        """Ask a running `frames()` (in another thread) to end at the next frame. Thread-safe."""
        self._interrupt.set()

    @property
    def interrupted(self) -> bool:
        return self._interrupt.is_set()

    def frames(self) -> Iterator[Frame]:
        if self._started:
            raise RuntimeError(f"{self.spec}: frames() can be iterated only once")
        if self._closed:
            raise RuntimeError(f"{self.spec}: source is closed")
        self._started = True
        return self._generate()

    def _generate(self) -> Iterator[Frame]:
        timeline = Timeline(self.frame_rate)
        sampler = FpsSampler(self.fps, self.frame_rate)
        # A realtime file stands in for a live camera, so it gets arrival-anchored wall time.
        wall = WallAnchor(live=self.live or self.realtime)
        pacer = Pacer(self._interrupt) if self.realtime else None
        index = 0
        arrival_origin = time.monotonic()
        while True:
            for raw in self._raw_frames():
                if self._interrupt.is_set() or self._closed:
                    return
                raw_time = raw.time
                if raw_time is None and self.live:
                    # A live stream without timestamps (MJPEG over HTTP) runs at whatever rate
                    # the camera sends, not the nominal one FFmpeg guesses: arrival is its clock.
                    raw_time = time.monotonic() - arrival_origin
                ts = timeline.next(raw_time)
                frame_index = index
                index += 1
                self.frames_decoded += 1
                if not sampler.keep(ts) or frame_index < self._first_index:
                    continue
                image = self._to_image(raw.payload)
                if image is None:
                    self.frames_skipped += 1
                    continue
                if pacer is not None and not pacer.wait(ts):
                    return
                yield Frame(
                    camera_id=self.camera_id,
                    index=frame_index,
                    ts=ts,
                    wall_time=wall.wall_time(ts),
                    image=image,
                )
            if not self.loop or self._interrupt.is_set() or self._closed:
                return
            log.debug("%s: end of pass, looping", self.spec)
            self._rewind()
            timeline.new_pass()

    def close(self) -> None:
        self._closed = True
        self._release()

    def __enter__(self) -> SourceBase:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec!r} camera={self.camera_id!r}>"
