"""Ingest: sources (files, folders, streams, webcams), reconnect backoff, the drop-oldest frame
queue, and the per-camera supervisor that ties them together. See DESIGN.md, "Data flow"."""

from citywatch.ingest.backoff import Backoff
from citywatch.ingest.queue import DropOldestQueue, QueueClosed
from citywatch.ingest.sources import (
    FileSource,
    FolderSource,
    FrameSource,
    SourceKind,
    StreamSource,
    WebcamSource,
    open_source,
    parse_spec,
)
from citywatch.ingest.supervisor import CameraSupervisor, SupervisorState, SupervisorStats

__all__ = [
    "Backoff",
    "CameraSupervisor",
    "DropOldestQueue",
    "FileSource",
    "FolderSource",
    "FrameSource",
    "QueueClosed",
    "SourceKind",
    "StreamSource",
    "SupervisorState",
    "SupervisorStats",
    "WebcamSource",
    "open_source",
    "parse_spec",
]
