"""The live feed shows what other nodes raised: a RemotePayload on the bus is an SSE event."""

from __future__ import annotations

import asyncio
import json

from citywatch.api.routers.live import messages
from citywatch.bus.local import LocalBus
from citywatch.bus.messages import ALERTS_TOPIC, PLATE_ALERTS_TOPIC, RemotePayload

ALERT = {
    "type": "alert",
    "id": "alert-9",
    "camera": "north-gate",
    "entry_name": "Person of interest",
    "evidence_path": "alerts/north-gate/a.jpg",
}


async def _first(bus: LocalBus) -> object:
    stream = messages(bus, (ALERTS_TOPIC, PLATE_ALERTS_TOPIC), poll_s=0.01)
    pending = asyncio.ensure_future(stream.__anext__())
    while not bus._subscriptions:  # subscribed on the first step
        await asyncio.sleep(0.005)
    bus.publish(ALERTS_TOPIC, RemotePayload(ALERTS_TOPIC, ALERT, "node-a"))
    first = await asyncio.wait_for(pending, 5)
    await stream.aclose()
    return first


def test_an_alert_from_another_node_is_a_live_event_without_media_paths() -> None:
    event = asyncio.run(_first(LocalBus()))
    assert event.event == "alert" and event.id == "alert-9"  # type: ignore[attr-defined]
    payload = json.loads(event.data)  # type: ignore[attr-defined]
    assert payload == {k: v for k, v in ALERT.items() if k != "evidence_path"}
