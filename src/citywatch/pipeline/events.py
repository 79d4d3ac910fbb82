"""Where rule events go: an evidence clip is started, the event stored, then published.

The clip's path is known at once and stored with the event; the file follows a few seconds
later (`ClipRecorder`). Events are stored through the store's buffered writer, like tracks,
and published on the bus for the outputs (webhooks, MQTT, the live feed), which redact
offences themselves.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterable

from citywatch.bus.local import LocalBus
from citywatch.bus.messages import EVENTS_TOPIC, EventMessage
from citywatch.core.records import Event
from citywatch.pipeline.evidence import ClipRecorder
from citywatch.store import Store

log = logging.getLogger("citywatch.events")


class EventRecorder:
    def __init__(self, store: Store, bus: LocalBus, clips: ClipRecorder | None = None) -> None:
        self.store = store
        self.bus = bus
        self.clips = clips
        self.recorded = 0

    def record(self, events: Iterable[Event]) -> None:
        for event in events:
            if self.clips is not None:
                event = dataclasses.replace(event, clip_path=self.clips.request(event.time))
            self.store.save_event(event)
            self.recorded += 1
            log.info(
                "EVENT %s/%s on %s (track %s): %s",
                event.type,
                event.rule,
                event.camera_id,
                event.track_local_id,
                _explain(event),
            )
            self.bus.publish(EVENTS_TOPIC, EventMessage(event, time.time()))


def _explain(event: Event) -> str:
    hidden = {"plate"} if event.values.get("offence") else set()  # logs are not evidence
    return ", ".join(f"{k}={v}" for k, v in event.values.items() if k not in hidden)
