"""A local capture device: `webcam:N` is `/dev/videoN`, read through FFmpeg's v4l2 input (Linux)."""

from __future__ import annotations

from pathlib import Path

from citywatch.core.errors import SourceError
from citywatch.ingest.sources.pyav import PyAVSource

WEBCAM_READ_TIMEOUT = 5.0


class WebcamSource(PyAVSource):
    """A V4L2 camera. A missing device is a `SourceError` (exit 1), not a usage error: a USB
    camera can be unplugged and come back, and the supervisor retries."""

    kind = "webcam"
    live = True

    def __init__(
        self,
        device: Path,
        camera_id: str = "cam",
        *,
        spec: str | None = None,
        fps: float | None = None,
        open_timeout: float = 10.0,
        read_timeout: float = WEBCAM_READ_TIMEOUT,
    ) -> None:
        spec = spec or str(device)
        if not device.exists():
            raise SourceError(spec, f"no capture device at {device} (camera absent or unplugged)")
        super().__init__(
            spec,
            camera_id,
            str(device),
            fps=fps,
            container_format="v4l2",
            timeout=(open_timeout, read_timeout),
            thread_type="SLICE",
        )

    def _end_of_pass(self, decoded: int) -> None:
        raise SourceError(self.spec, f"capture ended after frame {decoded}")
