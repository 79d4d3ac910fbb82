"""The latest frame of each camera, for snapshots and the live MJPEG view.

The pipeline (when it runs in the same process as the API) puts each camera's newest frame
here, already JPEG-encoded, with the face and person boxes it found and the tracked objects
(id, class, box) the live wall draws over it; the API only reads. One frame per camera is kept:
a slow viewer skips frames rather than holding older ones.

The blurred copy a viewer gets is made once per frame, on first request, and shared by every
viewer of that camera, so ten people on the live wall cost one blur, not ten.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from citywatch.api.redaction import redact_jpeg
from citywatch.core.records import Box, LiveTrack


@dataclass(frozen=True)
class LatestFrame:
    camera_id: str
    jpeg: bytes
    time: float  # Unix seconds of the frame
    seq: int  # rises by one per frame put for this camera
    # Pixel boxes (x, y, w, h). None: not known (blurring then covers the whole frame).
    faces: tuple[Box, ...] | None = None
    persons: tuple[Box, ...] | None = None
    tracks: tuple[LiveTrack, ...] = ()
    size: tuple[int, int] | None = None  # width, height of the JPEG, when the producer knows


class LatestFrames:
    """camera id -> its latest frame. Any number of threads may put and read."""

    def __init__(self) -> None:
        self._frames: dict[str, LatestFrame] = {}
        self._blurred: dict[str, tuple[int, bytes]] = {}
        self._lock = threading.Lock()

    def put(
        self,
        camera_id: str,
        jpeg: bytes,
        time_s: float | None = None,
        faces: Sequence[Box] | None = None,
        persons: Sequence[Box] | None = None,
        tracks: Sequence[LiveTrack] = (),
        size: tuple[int, int] | None = None,
    ) -> LatestFrame:
        with self._lock:
            previous = self._frames.get(camera_id)
            frame = LatestFrame(
                camera_id=camera_id,
                jpeg=bytes(jpeg),
                time=time.time() if time_s is None else float(time_s),
                seq=0 if previous is None else previous.seq + 1,
                faces=None if faces is None else tuple(_box(b) for b in faces),
                persons=None if persons is None else tuple(_box(b) for b in persons),
                tracks=tuple(tracks),
                size=size,
            )
            self._frames[camera_id] = frame
            return frame

    def get(self, camera_id: str) -> LatestFrame | None:
        with self._lock:
            return self._frames.get(camera_id)

    def cameras(self) -> list[str]:
        with self._lock:
            return sorted(self._frames)

    def forget(self, camera_id: str) -> None:
        with self._lock:
            self._frames.pop(camera_id, None)
            self._blurred.pop(camera_id, None)

    def blurred(self, frame: LatestFrame) -> bytes:
        """`frame` as a viewer may see it (faces blurred); made once per frame."""
        with self._lock:
            cached = self._blurred.get(frame.camera_id)
        if cached is not None and cached[0] == frame.seq:
            return cached[1]
        # Outside the lock: blurring takes milliseconds and other cameras must not wait.
        jpeg = redact_jpeg(frame.jpeg, frame.faces, frame.persons)
        with self._lock:
            current = self._blurred.get(frame.camera_id)
            if current is None or current[0] < frame.seq:
                self._blurred[frame.camera_id] = (frame.seq, jpeg)
        return jpeg


def _box(box: Sequence[float]) -> Box:
    x, y, w, h = (float(v) for v in box)
    return (x, y, w, h)
