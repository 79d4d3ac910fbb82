"""Time bookkeeping shared by every source: timestamps, analysis-rate sampling, pacing, wall time.

All pure (clock and sleep are parameters), so each rule is unit-tested without video.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

DEFAULT_FRAME_RATE = 25.0


class Timeline:
    """Turns container timestamps into a strictly increasing `ts`, starting at 0.

    Containers lie: AVI files can carry decode-order pts (1, 4, 3, 5, 2, ...), raw H.264/H.265
    elementary streams carry none, live streams jump backwards on a camera restart. Whenever a
    timestamp is missing or not after the previous one, the frame gets the previous ts plus one
    nominal frame period instead, so `ts` never stalls or goes back. `ts` is relative to the
    first frame, so it reads like a player's position even for MPEG-TS files that start at 1.4 s.

    `new_pass()` (for looping a file) makes the next frame continue one period after the last.
    """

    def __init__(self, frame_rate: float | None) -> None:
        rate = frame_rate if frame_rate and frame_rate > 0 else DEFAULT_FRAME_RATE
        self.period = 1.0 / rate
        self._last: float | None = None
        self._origin = 0.0  # raw time that maps to `_base`
        self._base = 0.0
        self._rebase = True

    @property
    def last(self) -> float | None:
        return self._last

    def new_pass(self) -> None:
        self._rebase = True

    def next(self, raw: float | None) -> float:
        if self._rebase:
            self._rebase = False
            self._base = 0.0 if self._last is None else self._last + self.period
            self._origin = raw if raw is not None and math.isfinite(raw) else 0.0
            ts = self._base
        else:
            assert self._last is not None
            ts = self._last + self.period
            if raw is not None and math.isfinite(raw):
                candidate = self._base + (raw - self._origin)
                if candidate > self._last:
                    ts = candidate
        self._last = ts
        return ts


class FpsSampler:
    """Keeps a frame each time `ts` reaches the next 1/fps slot (slots anchored at the first ts).

    A frame counts as reaching a slot when it is within half a source frame of it, so a 10 fps
    camera analysed at 10 fps keeps every frame even when its timestamps jitter, and 10 -> 5 fps
    keeps exactly every other frame. `fps=None` keeps everything.
    """

    def __init__(self, fps: float | None, source_rate: float | None = None) -> None:
        if fps is not None and fps <= 0:
            raise ValueError(f"analysis fps must be positive, got {fps}")
        self.period = None if fps is None else 1.0 / fps
        if self.period is None:
            self._tolerance = 0.0
        elif source_rate and source_rate > 0:
            self._tolerance = min(0.5 / source_rate, self.period / 2)
        else:
            self._tolerance = self.period * 1e-3
        self._origin: float | None = None
        self._slot = 0

    def keep(self, ts: float) -> bool:
        if self.period is None:
            return True
        if self._origin is None:
            self._origin = ts
        offset = ts - self._origin
        if offset + self._tolerance < self._slot * self.period:
            return False
        # Jump to the first slot after this frame, so a gap in the stream does not cause a
        # burst of catch-up frames afterwards.
        self._slot = math.floor((offset + self._tolerance) / self.period) + 1
        return True


def sampled_count(total: int, source_rate: float, fps: float | None) -> int:
    """How many of `total` frames at a constant `source_rate` an `FpsSampler(fps)` keeps."""
    if fps is None or total <= 0:
        return max(total, 0)
    sampler = FpsSampler(fps, source_rate)
    return sum(1 for i in range(total) if sampler.keep(i / source_rate))


class WallAnchor:
    """Wall-clock time for a frame.

    Files (`live=False`): the wall time at open plus `ts` (what DESIGN.md promises).
    Live sources: stream time anchored to arrival. The anchor is the earliest `arrival - ts` seen,
    i.e. the frame that came with the least delay, because the first frames of a stream often
    arrive late (FFmpeg buffers while probing) and would otherwise put every later frame in the
    future. If stream time falls more than `max_lag` behind arrival (camera clock reset, pts
    discontinuity) the anchor moves to the current frame.
    """

    def __init__(
        self,
        live: bool,
        *,
        clock: Callable[[], float] = time.time,
        max_lag: float = 5.0,
    ) -> None:
        self._live = live
        self._clock = clock
        self._max_lag = max_lag
        self._anchor: float | None = None if live else clock()

    def wall_time(self, ts: float) -> float:
        if not self._live:
            assert self._anchor is not None
            return self._anchor + ts
        now = self._clock()
        candidate = now - ts
        # Earliest arrival wins; a big lag means the timeline broke, so start over from here.
        if (
            self._anchor is None
            or candidate < self._anchor
            or candidate - self._anchor > self._max_lag
        ):
            self._anchor = candidate
        return self._anchor + ts


class Pacer:
    """Holds frames back until their timestamp, for `realtime=True` file sources.

    If the consumer is slower than real time (more than `max_behind` late), the schedule moves
    instead of bursting frames to catch up: a live camera does not replay what you missed.
    Waiting uses `stop_event`, so an interrupt ends a long wait at once.
    """

    def __init__(
        self,
        stop_event: threading.Event,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_behind: float = 1.0,
    ) -> None:
        self._stop = stop_event
        self._clock = clock
        self._max_behind = max_behind
        self._start: float | None = None  # clock value that ts 0 maps to

    def wait(self, ts: float) -> bool:
        """Wait until `ts` is due. Returns False if interrupted."""
        now = self._clock()
        if self._start is None:
            self._start = now - ts
            return not self._stop.is_set()
        delay = self._start + ts - now
        if delay < -self._max_behind:
            self._start = now - ts
            return not self._stop.is_set()
        if delay > 0:
            return not self._stop.wait(delay)
        return not self._stop.is_set()
