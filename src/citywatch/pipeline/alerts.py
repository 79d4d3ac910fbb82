"""Where alerts go: stored with their evidence first, then published on the bus."""

from __future__ import annotations

import logging
import time

from citywatch.bus.local import LocalBus
from citywatch.bus.messages import ALERTS_TOPIC, AlertMessage
from citywatch.core.records import Alert
from citywatch.store.watchlists import FaceRecords

log = logging.getLogger("citywatch.alerts")

__all__ = ["ALERTS_TOPIC", "AlertMessage", "AlertPublisher"]


class AlertPublisher:
    def __init__(self, records: FaceRecords, bus: LocalBus) -> None:
        self.records = records
        self.bus = bus

    def alert(self, alert: Alert) -> None:
        # Stored before published: a subscriber may look the alert up by its id.
        alert_id = self.records.save_alert(alert)
        log.warning(
            "ALERT %s: %s on camera %s (track %d, distance %.3f <= %.3f); for review",
            alert_id,
            alert.entry_name,
            alert.camera_id,
            alert.track_local_id,
            alert.distance,
            alert.threshold,
        )
        self.bus.publish(ALERTS_TOPIC, AlertMessage(alert_id, alert, time.time()))
