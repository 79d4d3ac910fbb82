"""`open_source(spec)`: one string names any source, as in a camera's `source:` setting.

- `webcam:N` (or `webcam:/dev/videoN`): a local V4L2 camera
- `rtsp://...` (TCP), `rtsp+udp://...`, `http(s)://...`, `rtmp://...`, `udp://...`, `srt://...`
- `file:///path` or a plain path: a video file, or a folder of frames
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from citywatch.core.errors import SourceUsageError
from citywatch.core.redact import mask_url
from citywatch.ingest.sources.base import FrameSource
from citywatch.ingest.sources.file import FileSource
from citywatch.ingest.sources.folder import FolderSource
from citywatch.ingest.sources.stream import STREAM_SCHEMES, StreamSource
from citywatch.ingest.sources.webcam import WebcamSource

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_WEBCAM = re.compile(r"^webcam:(.*)$", re.IGNORECASE)


class SourceKind(enum.StrEnum):
    FILE = "file"
    FOLDER = "folder"
    STREAM = "stream"
    WEBCAM = "webcam"

    @property
    def live(self) -> bool:
        """Live sources are reconnected after errors; recorded ones are not (unless looping)."""
        return self in (SourceKind.STREAM, SourceKind.WEBCAM)


@dataclass(frozen=True)
class ParsedSpec:
    kind: SourceKind
    target: str  # path, device path or URL


def parse_spec(spec: str) -> ParsedSpec:
    """Classify a source string without opening it. Raises `SourceUsageError` for bad syntax.

    A path that is neither a folder nor an existing file is reported as FILE; `open_source`
    says it does not exist.
    """
    text = spec.strip()
    if not text:
        raise SourceUsageError(repr(spec), "empty source")
    webcam = _WEBCAM.match(text)
    if webcam:
        arg = webcam.group(1).strip()
        if arg.isdigit():
            return ParsedSpec(SourceKind.WEBCAM, f"/dev/video{int(arg)}")
        if arg.startswith("/dev/"):
            return ParsedSpec(SourceKind.WEBCAM, arg)
        raise SourceUsageError(spec, "expected webcam:N (a device number) or webcam:/dev/videoN")
    scheme_match = _SCHEME.match(text)
    if scheme_match:
        scheme = scheme_match.group(1).lower()
        if scheme == "file":
            return _path_spec(Path(unquote(urlsplit(text).path)))
        if scheme in STREAM_SCHEMES:
            return ParsedSpec(SourceKind.STREAM, text)
        known = ", ".join(f"{s}://" for s in STREAM_SCHEMES)
        raise SourceUsageError(
            mask_url(spec),
            f"unknown scheme '{scheme}://' (expected {known}, file://, webcam:N or a path)",
        )
    return _path_spec(Path(text).expanduser())


def _path_spec(path: Path) -> ParsedSpec:
    kind = SourceKind.FOLDER if path.is_dir() else SourceKind.FILE
    return ParsedSpec(kind, str(path))


def open_source(
    spec: str,
    camera_id: str = "cam",
    *,
    fps: float | None = None,
    realtime: bool = False,
    loop: bool = False,
    timeout: float | None = None,
) -> FrameSource:
    """Open the source `spec` names; see the module docstring for the forms it takes.

    `fps` is the analysis rate: frames are kept each time their timestamp reaches the next
    1/fps slot (None keeps every frame). `realtime` paces a file or folder at its own frame
    rate, `loop` replays it forever (both ignored for live sources). `timeout` bounds each
    network wait of a stream, in seconds (default 10 s to connect, 5 s between packets).

    Raises `SourceUsageError` (exit 2) when the spec names nothing usable (missing path, empty
    folder, unknown scheme) and `SourceError` (exit 1) when it cannot be read (not a video,
    damaged, unreachable).
    """
    parsed = parse_spec(spec)
    if parsed.kind is SourceKind.WEBCAM:
        return WebcamSource(Path(parsed.target), camera_id, spec=spec, fps=fps)
    if parsed.kind is SourceKind.STREAM:
        if timeout is None:
            return StreamSource(parsed.target, camera_id, spec=spec, fps=fps)
        return StreamSource(
            parsed.target, camera_id, spec=spec, fps=fps, open_timeout=timeout, read_timeout=timeout
        )
    path = Path(parsed.target)
    if parsed.kind is SourceKind.FOLDER:
        return FolderSource(path, camera_id, spec=spec, fps=fps, realtime=realtime, loop=loop)
    if not path.exists():
        raise SourceUsageError(spec, "no such file or folder")
    if not path.is_file():
        raise SourceUsageError(spec, "not a regular file")
    return FileSource(path, camera_id, spec=spec, fps=fps, realtime=realtime, loop=loop)
