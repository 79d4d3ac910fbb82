"""Short evidence clips around rule events: a few seconds before and after, as MP4.

Each camera keeps its last `pre_s` seconds of analysed frames, shrunk to at most `max_width`
pixels wide (a clip is evidence to look at, not to analyse again). When an event asks for a
clip, its path is known at once (it goes into the event's row), the next `post_s` seconds are
added, and a writer thread encodes the file, so the analysis loop never waits for the encoder.
A clip still open when the camera stops is written with what it has.
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import queue
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from citywatch.core.frame import Frame
from citywatch.store.media import safe_dir_name

log = logging.getLogger("citywatch.pipeline")

CLIPS_DIR = Path("media") / "clips"


@dataclass
class _OpenClip:
    relative: str
    until: float  # wall time of the last frame it wants
    frames: list[tuple[float, np.ndarray]] = field(default_factory=list)


class ClipRecorder:
    def __init__(
        self,
        camera_id: str,
        data_dir: Path,
        pre_s: float = 3.0,
        post_s: float = 3.0,
        max_width: int = 640,
        fps: float = 5.0,
    ) -> None:
        self.camera_id = camera_id
        self.data_dir = data_dir
        self.pre_s, self.post_s = pre_s, post_s
        self.max_width = max_width
        self.fps = fps
        self._recent: collections.deque[tuple[float, np.ndarray]] = collections.deque()
        self._open: list[_OpenClip] = []
        self._jobs: queue.Queue[_OpenClip | None] = queue.Queue(maxsize=64)
        self._writer = threading.Thread(
            target=self._write_loop, name=f"clips-{camera_id}", daemon=True
        )
        self._writer.start()
        self.written = 0
        self.failed = 0

    def push(self, frame: Frame) -> None:
        """Every analysed frame, in order."""
        image = self._shrink(frame.image)
        now = frame.wall_time
        self._recent.append((now, image))
        while self._recent and self._recent[0][0] < now - self.pre_s:
            self._recent.popleft()
        still_open = []
        for clip in self._open:
            clip.frames.append((now, image))
            if now >= clip.until:
                self._submit(clip)
            else:
                still_open.append(clip)
        self._open = still_open

    def request(self, event_time: float) -> str:
        """Start a clip around `event_time`; returns its path relative to the data directory."""
        day = dt.datetime.fromtimestamp(event_time, tz=dt.UTC).date().isoformat()
        relative = CLIPS_DIR / safe_dir_name(self.camera_id) / day / f"{uuid.uuid4().hex}.mp4"
        before = [(t, image) for t, image in self._recent if t >= event_time - self.pre_s]
        self._open.append(_OpenClip(str(relative), event_time + self.post_s, before))
        return str(relative)

    def close(self, timeout: float = 10.0) -> None:
        """Write the clips still collecting frames, then stop the writer."""
        for clip in self._open:
            self._submit(clip)
        self._open = []
        self._jobs.put(None)
        self._writer.join(timeout)

    def _submit(self, clip: _OpenClip) -> None:
        try:
            self._jobs.put_nowait(clip)
        except queue.Full:  # the disk is far behind: lose the clip, not the analysis
            self.failed += 1
            log.warning(
                "camera %s: clip writer busy; clip %s dropped", self.camera_id, clip.relative
            )

    def _shrink(self, image: np.ndarray) -> np.ndarray:
        height, width = image.shape[:2]
        if width <= self.max_width:
            return image.copy()
        scale = self.max_width / width
        size = (self.max_width, max(2, int(round(height * scale / 2)) * 2))
        return cv2.resize(image, size, interpolation=cv2.INTER_AREA)

    def _write_loop(self) -> None:
        while True:
            clip = self._jobs.get()
            if clip is None:
                return
            try:
                self._encode(clip)
                self.written += 1
            except Exception as error:  # a clip is evidence, not worth the camera
                self.failed += 1
                log.warning(
                    "camera %s: cannot write clip %s: %s", self.camera_id, clip.relative, error
                )

    def _encode(self, clip: _OpenClip) -> None:
        import av

        if not clip.frames:
            return
        target = self.data_dir / clip.relative
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        height, width = clip.frames[0][1].shape[:2]
        height, width = height - height % 2, width - width % 2  # yuv420p wants even sizes
        with av.open(str(partial), "w", format="mp4") as container:
            stream = container.add_stream("libx264", rate=max(1, int(round(self.fps))))
            stream.width, stream.height = width, height
            stream.pix_fmt = "yuv420p"
            stream.options = {"crf": "28", "preset": "veryfast"}
            for _, image in clip.frames:
                picture = av.VideoFrame.from_ndarray(
                    np.ascontiguousarray(image[:height, :width]), format="bgr24"
                )
                for packet in stream.encode(picture):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        partial.replace(target)
