"""Frame sources: video files, folders of frames, network streams, webcams; one contract."""

from citywatch.ingest.sources.base import FrameSource, RawFrame, SourceBase
from citywatch.ingest.sources.file import FileSource
from citywatch.ingest.sources.folder import IMAGE_SUFFIXES, FolderSource
from citywatch.ingest.sources.opener import ParsedSpec, SourceKind, open_source, parse_spec
from citywatch.ingest.sources.stream import STREAM_SCHEMES, StreamSource
from citywatch.ingest.sources.webcam import WebcamSource

__all__ = [
    "IMAGE_SUFFIXES",
    "STREAM_SCHEMES",
    "FileSource",
    "FolderSource",
    "FrameSource",
    "ParsedSpec",
    "RawFrame",
    "SourceBase",
    "SourceKind",
    "StreamSource",
    "WebcamSource",
    "open_source",
    "parse_spec",
]
