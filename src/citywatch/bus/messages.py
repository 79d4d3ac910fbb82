"""What travels on the bus: one topic a kind of message, one frozen type a topic.

Publishers (pipeline stages) put these on the in-process bus; outputs (webhooks, MQTT, the
web UI's live feed) subscribe and turn them into their own wire formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from citywatch.core.records import Alert, Event

ALERTS_TOPIC = "alerts"  # AlertMessage: a watchlist face match, stored, for review
EVENTS_TOPIC = "events"  # EventMessage: a rule fired
PLATE_ALERTS_TOPIC = "plate_alerts"  # PlateAlertMessage: a hotlisted plate was read
COUNTS_TOPIC = "counts"  # CountsMessage: per camera, what is in view now


@dataclass(frozen=True)
class AlertMessage:
    alert_id: int
    alert: Alert
    published_at: float  # Unix time; minus alert.time = latency from the matching frame
    # The stored face crop, relative to the data directory; outputs name it (never send the
    # image) only where `outputs.include_media_paths` allows.
    evidence_path: str | None = None


@dataclass(frozen=True)
class EventMessage:
    """A rule event. `event.values["offence"]` true (red-light crossings): evidence for an
    operator only; outputs must not publish its thumbnail, clip or any plate text."""

    event: Event
    published_at: float


@dataclass(frozen=True)
class PlateAlertMessage:
    camera_id: str
    time: float
    plate: str
    hotlist_entry: str
    reason: str
    confidence: float
    track_local_id: int
    published_at: float


@dataclass(frozen=True)
class CountsMessage:
    camera_id: str
    time: float
    objects: dict[str, int] = field(default_factory=dict)  # class name -> tracks in view
    zones: dict[str, dict[str, int]] = field(default_factory=dict)  # zone -> class -> count


@dataclass(frozen=True)
class RemotePayload:
    """A message another node published, heard through the shared bus (citywatch.bus.redis)
    and put on this node's bus under the same `topic`: its wire payload (citywatch.bus.payloads,
    made on `origin` with media paths), not the original objects, which stay on that node."""

    topic: str
    payload: dict[str, Any]
    origin: str  # the node that published it (bus.node)
