"""A video file: any container and codec FFmpeg reads, raw H.264/H.265 elementary streams too."""

from __future__ import annotations

import logging
from pathlib import Path

from citywatch.core.errors import SourceError
from citywatch.ingest.sources.pyav import PyAVSource

log = logging.getLogger("citywatch.ingest")


class FileSource(PyAVSource):
    """Decodes a file as fast as it can (or at its own pace with `realtime=True`).

    A file that stops decoding part-way ends in one of two ways, both seen with real clips cut
    to half their size: FFmpeg raises while reading (a `SourceError` after the frames that did
    decode), or it just stops early without complaint. For the second, the decoded count is
    compared with the count the container declares; a shortfall is logged as a warning and
    recorded in `ended_early`, and the frames that were there are kept. (MP4 files whose index
    sits at the end cannot be opened at all once cut: that is a `SourceError` at open.)
    """

    kind = "file"

    def __init__(
        self,
        path: Path,
        camera_id: str = "cam",
        *,
        spec: str | None = None,
        fps: float | None = None,
        realtime: bool = False,
        loop: bool = False,
    ) -> None:
        self.path = path
        self.ended_early = False
        super().__init__(
            spec or str(path),
            camera_id,
            str(path),
            fps=fps,
            realtime=realtime,
            loop=loop,
            # Frame threading decodes several frames at once; for a file the extra latency is
            # irrelevant and it roughly doubles throughput on multi-core machines.
            thread_type="AUTO",
        )

    def _end_of_pass(self, decoded: int) -> None:
        if decoded == 0:
            raise SourceError(self.spec, "no frame could be decoded (damaged file or not a video)")
        declared = self.declared_frames
        if declared is not None and decoded < declared:
            self.ended_early = True
            log.warning(
                "%s: ended early: decoded %d of the %d frames the file declares (truncated?)",
                self.spec,
                decoded,
                declared,
            )
