"""Retention: how many days each kind of record is kept, site-wide and per camera.

`null` keeps a kind forever. The audit log is never purged by retention (it is the record of
what was done with the data, including purges and erasures); watchlist entries expire by their
own date, not here. A camera's `retention:` overrides only the keys it names.
"""

from __future__ import annotations

from pydantic import Field

from citywatch.config.base import Section

# The kinds retention knows, in the order a purge handles them (records that point at a track
# go before the tracks, so a track is never dropped while something kept still needs it).
DATA_TYPES = ("events", "alerts", "sightings", "plate_reads", "tracks")

Days = float | None


def _days(default: float | None, what: str) -> Days:
    return Field(default=default, gt=0, description=f"days to keep {what}; null keeps forever")


class RetentionDays(Section):
    """Days per kind of record (a camera's override: only the keys it sets count)."""

    sightings: Days = _days(30, "face and person sightings, their thumbnails and face vectors")
    tracks: Days = _days(30, "tracks with their paths and re-ID appearances")
    events: Days = _days(90, "rule events with their thumbnails and clips")
    plate_reads: Days = _days(30, "licence plate reads and their thumbnails")
    alerts: Days = _days(90, "face and plate alerts with their evidence crops")


class CameraRetention(Section):
    """Per-camera overrides: a key left out follows the site-wide `retention:` value."""

    sightings: Days = _days(None, "this camera's sightings")
    tracks: Days = _days(None, "this camera's tracks")
    events: Days = _days(None, "this camera's events")
    plate_reads: Days = _days(None, "this camera's plate reads")
    alerts: Days = _days(None, "this camera's alerts")


class RetentionConfig(RetentionDays):
    enabled: bool = Field(default=True, description="run the scheduled purge in `serve`")
    purge_interval_s: float = Field(
        default=3600.0, ge=60, description="seconds between scheduled purges in `serve`"
    )
    batch_size: int = Field(default=1000, ge=1, le=100_000, description="rows per transaction")

    def days_for(self, kind: str, camera: CameraRetention | None = None) -> float | None:
        """Days to keep `kind` on a camera: its override where set, else the site value."""
        if kind not in DATA_TYPES:
            raise KeyError(kind)
        if camera is not None and kind in camera.model_fields_set:
            value: float | None = getattr(camera, kind)
            return value
        site: float | None = getattr(self, kind)
        return site
