"""Multi-object tracking: a ByteTrack-style tracker and offline gap filling for files."""

from citywatch.track.bytetrack import ByteTracker, Track, TrackState
from citywatch.track.offline import TrackedBox, TrackLog

__all__ = ["ByteTracker", "Track", "TrackLog", "TrackState", "TrackedBox"]
