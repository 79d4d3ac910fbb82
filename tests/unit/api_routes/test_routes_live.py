"""The live feed's generator: bus messages become SSE events; leaving unsubscribes."""

from __future__ import annotations

import asyncio
import json

from citywatch.api.routers.live import messages
from citywatch.bus.local import LocalBus
from citywatch.bus.messages import ALERTS_TOPIC, EVENTS_TOPIC, EventMessage
from citywatch.core.records import Event


async def _first_then_close(bus: LocalBus) -> tuple[object, int]:
    stream = messages(bus, (EVENTS_TOPIC,), poll_s=0.01)
    pending = asyncio.ensure_future(stream.__anext__())
    while not bus._subscriptions:  # subscribed on the first step
        await asyncio.sleep(0.005)
    bus.publish(ALERTS_TOPIC, "not for this feed")
    bus.publish(EVENTS_TOPIC, object())  # no payload for it: skipped, the stream goes on
    offence = {"offence": True, "plate": "AB12CDE", "light": "red"}
    bus.publish(EVENTS_TOPIC, EventMessage(Event("gate", 1.0, "red_light", "r", offence), 2.0))
    first = await asyncio.wait_for(pending, 5)
    subscribed = len(bus._subscriptions)
    await stream.aclose()
    return first, subscribed


def test_a_published_event_arrives_redacted_and_leaving_unsubscribes() -> None:
    bus = LocalBus()
    event, subscribed = asyncio.run(_first_then_close(bus))
    assert subscribed == 1 and bus._subscriptions == []
    assert event.event == "event"  # type: ignore[attr-defined]
    payload = json.loads(event.data)  # type: ignore[attr-defined]
    assert payload["camera"] == "gate" and payload["values"] == {"offence": True, "light": "red"}
    assert payload["redacted"] == ["plate"] and event.id == payload["id"]  # type: ignore[attr-defined]


def test_the_stream_ends_when_the_bus_closes() -> None:
    bus = LocalBus()

    async def run() -> list[object]:
        stream = messages(bus, (EVENTS_TOPIC,), poll_s=0.01)
        pending = asyncio.ensure_future(stream.__anext__())
        while not bus._subscriptions:
            await asyncio.sleep(0.005)
        bus.close()
        try:
            await asyncio.wait_for(pending, 5)
        except StopAsyncIteration:
            return []
        return ["unexpected"]

    assert asyncio.run(run()) == []
