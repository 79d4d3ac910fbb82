"""Network streams: RTSP (TCP by default), HTTP(S) (MJPEG, MPEG-TS, HLS, ...), RTMP, UDP, SRT.

Every network wait is bounded twice: FFmpeg's own socket options (`timeout`, `rw_timeout`, in
microseconds) and PyAV's interrupt callback (open and read timeouts in seconds), which also
covers protocols whose options differ. An open that cannot connect fails with the reason
(connection refused, timed out); a stream that stops sending raises after `read_timeout`.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from citywatch.core.errors import SourceError
from citywatch.core.redact import mask_url
from citywatch.ingest.sources.pyav import PyAVSource

log = logging.getLogger("citywatch.ingest")

# Scheme -> FFmpeg protocol. `rtsp+tcp`/`rtsp+udp` choose the RTSP transport in the source
# string itself, because a camera's configuration is a single `source` string.
STREAM_SCHEMES: dict[str, str] = {
    "rtsp": "rtsp",
    "rtsps": "rtsps",
    "rtsp+tcp": "rtsp",
    "rtsp+udp": "rtsp",
    "rtmp": "rtmp",
    "rtmps": "rtmps",
    "http": "http",
    "https": "https",
    "udp": "udp",
    "rtp": "rtp",
    "srt": "srt",
    "tcp": "tcp",
}

DEFAULT_OPEN_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 5.0
# An HLS player waits a whole segment (often 6 s or more) between playlist reloads.
HLS_READ_TIMEOUT = 30.0


def _ffmpeg_options(scheme: str, read_timeout: float) -> dict[str, str]:
    micros = str(int(read_timeout * 1_000_000))
    # FFmpeg probes 5 s of a stream by default before the first frame; measured on a 10 fps
    # MPEG-TS over HTTP that is 7 s to open. One second still finds the codec and frame rate.
    options = {"analyzeduration": "1000000"}
    if scheme.startswith("rtsp"):
        # TCP by default: over UDP a lost packet smears the picture until the next key frame,
        # and UDP often does not get through NAT/firewalls at all.
        transport = "udp" if scheme == "rtsp+udp" else "tcp"
        options.update(rtsp_transport=transport, timeout=micros)
    elif scheme in ("http", "https"):
        # Reconnecting is the supervisor's job (with backoff and logging), not FFmpeg's.
        options.update(timeout=micros, rw_timeout=micros, reconnect="0")
    elif scheme in ("rtmp", "rtmps"):
        # Not `timeout`: for RTMP that option means "listen for an incoming connection".
        options.update(rw_timeout=micros)
    else:
        options.update(timeout=micros, rw_timeout=micros)
    return options


class StreamSource(PyAVSource):
    """A network stream; `spec` is the URL with any password masked.

    Live streams (no known duration) never end normally: when the server closes the
    connection, `frames()` raises `SourceError` so the supervisor reconnects. A URL to a
    finished recording (known duration) ends like a file.

    `wall_time` is stream time anchored to arrival (see `WallAnchor`).
    """

    kind = "stream"

    def __init__(
        self,
        url: str,
        camera_id: str = "cam",
        *,
        spec: str | None = None,
        fps: float | None = None,
        open_timeout: float = DEFAULT_OPEN_TIMEOUT,
        read_timeout: float | None = None,
    ) -> None:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in STREAM_SCHEMES:
            raise ValueError(f"not a stream URL: {url}")
        if read_timeout is None:
            hls = parts.path.lower().endswith(".m3u8")
            read_timeout = HLS_READ_TIMEOUT if hls else DEFAULT_READ_TIMEOUT
        protocol = STREAM_SCHEMES[scheme]
        ffmpeg_url = protocol + url[len(scheme) :]
        self.open_timeout = open_timeout
        self.read_timeout = read_timeout
        self.live = True  # until the container says it has a duration (set after open)
        super().__init__(
            mask_url(spec or url),
            camera_id,
            ffmpeg_url,
            fps=fps,
            options=_ffmpeg_options(scheme, read_timeout),
            timeout=(open_timeout, read_timeout),
            # Frame threading holds back one frame per thread: latency a live view does not
            # want, for little gain on the modest resolutions cameras stream.
            thread_type="SLICE",
        )
        assert self._container is not None
        self.live = self._container.duration is None

    def _read_failure(self, reason: str) -> str:
        return f"stream lost after frame {self._pass_frames}: {reason}"

    def _end_of_pass(self, decoded: int) -> None:
        # Only reached when the media ran out (an interrupt returns before this).
        if self.live:
            raise SourceError(
                self.spec, f"stream ended after frame {decoded} (the server closed it)"
            )
        if decoded == 0:
            raise SourceError(self.spec, "no frame could be decoded")
