"""Decoding with PyAV (FFmpeg): the part files, streams and webcams have in common.

PyAV is imported when a source opens, not when this module is imported, so importing
`citywatch.ingest` stays cheap for commands that never decode video.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from citywatch.core.errors import SourceError
from citywatch.ingest.sources.base import RawFrame, SourceBase

if TYPE_CHECKING:
    import av.container
    import av.video.stream

log = logging.getLogger("citywatch.ingest")

# A damaged packet now and then is normal (a cut in a recording, UDP loss) and FFmpeg conceals
# it, so one bad packet must not end a camera. This many bad packets in a row means the rest
# of the data is garbage, and going on would only spin.
MAX_CONSECUTIVE_BAD_PACKETS = 30

# Containers sometimes report a rate that is a clock tick rate, not a frame rate (90000 for
# some MPEG-TS); outside this range a rate is treated as unknown.
_PLAUSIBLE_RATE = (0.1, 240.0)


# Demuxers whose timestamps are a frame counter at a guessed rate, not time. Live streams in
# these formats (MJPEG over HTTP, raw H.264 over TCP/UDP) are timed by arrival instead.
_COUNTED_PTS_FORMATS = frozenset({"mpjpeg", "mjpeg", "jpeg_pipe", "image2pipe", "h264", "hevc"})


def _error_reason(error: BaseException, *, timeout: float | None = None) -> str:
    """One line for people from a PyAV/OS error, without the path (the caller names the source)."""
    import av.error

    if isinstance(error, av.error.ExitError | TimeoutError):
        # ExitError is PyAV's interrupt callback firing: our own timeout ran out.
        return f"timed out after {timeout:g} s" if timeout else "timed out"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, FileNotFoundError):
        return "not found"
    if isinstance(error, PermissionError):
        return "permission denied"
    if isinstance(error, av.error.InvalidDataError):
        return "invalid data (not a video FFmpeg can read, or a damaged file)"
    reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return " ".join(str(reason).split())  # one line, whatever FFmpeg put in it


def _nominal_rate(stream: Any) -> float | None:
    """The stream's frame rate: measured average first, then FFmpeg's guess, then the base."""
    low, high = _PLAUSIBLE_RATE
    for value in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        try:
            rate = float(value) if value is not None else None
        except (TypeError, ValueError, ZeroDivisionError):
            rate = None
        if rate is not None and low <= rate <= high:
            return rate
    return None


class PyAVSource(SourceBase):
    """Anything FFmpeg can open: a file, a URL, a capture device.

    Decodes packet by packet so that a damaged packet is skipped (and counted in
    `corrupt_packets`) instead of ending the source; see `MAX_CONSECUTIVE_BAD_PACKETS`.
    """

    kind = "video"

    def __init__(
        self,
        spec: str,
        camera_id: str,
        url: str,
        *,
        fps: float | None = None,
        realtime: bool = False,
        loop: bool = False,
        container_format: str | None = None,
        options: Mapping[str, str] | None = None,
        timeout: tuple[float, float] | None = None,
        thread_type: str = "AUTO",
    ) -> None:
        super().__init__(spec, camera_id, fps=fps, realtime=realtime, loop=loop)
        self._url = url
        self._format = container_format
        self._options = dict(options or {})
        self._timeout = timeout
        self._thread_type = thread_type
        self._container: av.container.InputContainer | None = None
        self._stream: av.video.stream.VideoStream | None = None
        self.corrupt_packets = 0
        self._pass_frames = 0
        # What the container declares, kept so it can still be read after close().
        self._rate: float | None = None
        self._declared: int | None = None
        self._size: tuple[int, int] | None = None
        self._codec = ""
        self._counted_pts = False
        self._open()

    # --- opening -------------------------------------------------------------------------------

    def _open(self) -> None:
        import av
        import av.error

        started = time.monotonic()
        try:
            container = av.open(
                self._url,
                mode="r",
                format=self._format,
                options=self._options,
                timeout=self._timeout,
            )
        except (av.error.FFmpegError, OSError, ValueError) as error:
            reason = _error_reason(error, timeout=self._timeout[0] if self._timeout else None)
            if self._timeout and not isinstance(error, ConnectionRefusedError | FileNotFoundError):
                # FFmpeg's RTSP client reports a server that never answers as "invalid data"
                # once its socket timeout (= the shorter of our two) runs out; the clock knows.
                waited = time.monotonic() - started
                if waited >= 0.9 * min(self._timeout):
                    reason = f"timed out after {waited:.0f} s (no answer)"
            raise SourceError(self.spec, f"cannot open: {reason}") from error
        streams = [s for s in container.streams.video if not _is_cover_art(s)]
        if not streams:
            container.close()
            raise SourceError(self.spec, "no video stream in it (audio only, or not a video)")
        stream = streams[0]
        if stream.codec_context is None:
            # A damaged header can leave a video stream with no codec FFmpeg knows (PyAV then
            # gives it no codec context): nothing in it can be decoded.
            container.close()
            raise SourceError(
                self.spec, "no decoder for its video stream (damaged or unknown codec)"
            )
        stream.thread_type = self._thread_type
        self._container = container
        self._stream = stream
        self._pass_frames = 0
        self._rate = _nominal_rate(stream)
        frames = int(stream.frames or 0)
        self._declared = frames if frames > 0 else None
        ctx = stream.codec_context
        self._size = (ctx.width, ctx.height) if ctx.width and ctx.height else None
        self._codec = ctx.name or ""
        self._counted_pts = self.live and container.format.name in _COUNTED_PTS_FORMATS

    @property
    def frame_rate(self) -> float | None:
        return self._rate

    @property
    def size(self) -> tuple[int, int] | None:
        """(width, height) the container declares, if any."""
        return self._size

    @property
    def declared_frames(self) -> int | None:
        """Frame count the container states (None for raw streams and live sources)."""
        return None if self.live else self._declared

    def _frames_per_pass(self) -> int | None:
        return self.declared_frames

    def describe(self) -> str:
        text = super().describe()
        if self._codec:
            size = f" {self._size[0]}x{self._size[1]}" if self._size else ""
            text += f", {self._codec}{size}"
        return text

    # --- decoding ------------------------------------------------------------------------------

    def _raw_frames(self) -> Iterator[RawFrame]:
        import av.error

        container, stream = self._container, self._stream
        if container is None or stream is None:
            return
        read_timeout = self._timeout[1] if self._timeout else None
        bad_in_a_row = 0
        packets = container.demux(stream)
        while True:
            # After close() the container's memory is gone; touching it would crash the process.
            if self.interrupted or self._container is not container:
                return
            try:
                packet = next(packets)
            except StopIteration:
                break
            except (av.error.FFmpegError, OSError) as error:
                reason = _error_reason(error, timeout=read_timeout)
                raise SourceError(self.spec, self._read_failure(reason)) from error
            try:
                decoded = packet.decode()
            except av.error.FFmpegError as error:
                bad_in_a_row += 1
                self.corrupt_packets += 1
                if self.corrupt_packets == 1:
                    log.warning(
                        "%s: skipping damaged data after frame %d (%s)",
                        self.spec,
                        self._pass_frames,
                        _error_reason(error),
                    )
                if bad_in_a_row >= MAX_CONSECUTIVE_BAD_PACKETS:
                    raise SourceError(
                        self.spec,
                        f"corrupt data at frame {self._pass_frames}: "
                        f"{bad_in_a_row} packets in a row could not be decoded",
                    ) from error
                continue
            bad_in_a_row = 0
            for frame in decoded:
                self._pass_frames += 1
                yield RawFrame(None if self._counted_pts else frame.time, frame)
        self._end_of_pass(self._pass_frames)

    def _read_failure(self, reason: str) -> str:
        return f"read failed after frame {self._pass_frames}: {reason}"

    def _end_of_pass(self, decoded: int) -> None:
        """Called when the media ran out; subclasses decide whether that is an error."""

    def _to_image(self, payload: object) -> np.ndarray:
        import av.error

        try:
            image = payload.to_ndarray(format="bgr24")  # type: ignore[attr-defined]
        except (av.error.FFmpegError, ValueError) as error:
            raise SourceError(
                self.spec, f"cannot convert a frame to BGR: {_error_reason(error)}"
            ) from error
        # Widths whose rows FFmpeg pads (826 px, say) give a strided view; OpenCV and the
        # models want plain contiguous rows.
        return np.ascontiguousarray(image)

    def _rewind(self) -> None:
        # Reopening is the one way back to the start that works for every input, raw H.264
        # elementary streams included (they cannot seek).
        self._release()
        self._open()

    def _release(self) -> None:
        container, self._container, self._stream = self._container, None, None
        if container is not None:
            container.close()


def _is_cover_art(stream: Any) -> bool:
    """MP4/MKV files may carry a still picture as a 'video' stream; it is not the video."""
    try:
        import av.stream

        return bool(stream.disposition & av.stream.Disposition.attached_pic)
    except (AttributeError, TypeError):
        return False
