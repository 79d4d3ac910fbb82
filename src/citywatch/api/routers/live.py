"""Live feeds as Server-Sent Events: alerts (faces and plates) and rule events from the bus.

Each connection subscribes on connect and unsubscribes when the client goes. Messages are the
payloads webhooks and MQTT send (`bus.payloads`): no images, offences without plate or media,
so what a viewer sees live is what leaves the process anyway. A slow client loses its oldest
messages rather than holding the pipeline back (the bus's rule). A comment line every 15 s
keeps proxies from closing an idle stream.

The bus is polled from the event loop (a few times a second) rather than waited on from a
worker thread: a thread per open stream would take the pool the other routes run on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query
from sse_starlette import EventSourceResponse, ServerSentEvent

from citywatch.api.deps import Services, Viewer
from citywatch.bus.local import LocalBus
from citywatch.bus.messages import ALERTS_TOPIC, COUNTS_TOPIC, EVENTS_TOPIC, PLATE_ALERTS_TOPIC
from citywatch.bus.payloads import to_payload

log = logging.getLogger("citywatch.api")

router = APIRouter(prefix="/api/live", tags=["live"])

HEARTBEAT_S = 15.0
POLL_S = 0.1
QUEUE_SIZE = 256  # messages a client may fall behind before the oldest go
STREAM: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}
}


@router.get(
    "/alerts",
    summary="Face and plate alerts as they happen (Server-Sent Events)",
    response_class=EventSourceResponse,
    responses=STREAM,
)
async def live_alerts(user: Viewer, services: Services) -> EventSourceResponse:
    return _stream(services.bus, (ALERTS_TOPIC, PLATE_ALERTS_TOPIC))


@router.get(
    "/events",
    summary="Rule events as they happen (Server-Sent Events); offences redacted",
    response_class=EventSourceResponse,
    responses=STREAM,
)
async def live_events(
    user: Viewer,
    services: Services,
    counts: Annotated[
        bool, Query(description="also what each camera has in view (frequent)")
    ] = False,
) -> EventSourceResponse:
    topics = (EVENTS_TOPIC, COUNTS_TOPIC) if counts else (EVENTS_TOPIC,)
    return _stream(services.bus, topics)


def _stream(bus: LocalBus, topics: Sequence[str]) -> EventSourceResponse:
    return EventSourceResponse(
        messages(bus, topics),
        ping=HEARTBEAT_S,
        ping_message_factory=_heartbeat,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _heartbeat() -> ServerSentEvent:
    return ServerSentEvent(comment="heartbeat")


async def messages(
    bus: LocalBus,
    topics: Sequence[str],
    poll_s: float = POLL_S,
    payload: Callable[[object], dict[str, Any]] = to_payload,
) -> AsyncIterator[ServerSentEvent]:
    """The bus's messages on `topics` as SSE events, until the bus closes or the client goes
    (the response cancels this generator; the subscription ends either way)."""
    subscription = bus.subscribe(*topics, maxsize=QUEUE_SIZE)
    try:
        while True:
            for message in subscription.drain():
                try:
                    body = payload(message.payload)
                    data = json.dumps(body, ensure_ascii=False, allow_nan=False)
                except (TypeError, ValueError) as error:
                    log.warning("live feed: skipped a %s message (%s)", message.topic, error)
                    continue
                yield ServerSentEvent(data=data, event=str(body["type"]), id=str(body["id"]))
            if subscription.closed:
                return
            await anyio.sleep(poll_s)
    finally:
        bus.unsubscribe(subscription)
