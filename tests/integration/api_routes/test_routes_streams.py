"""Live streams over a real connection: SSE gets what the bus publishes, with heartbeats, and
lets go of the bus when the client leaves; MJPEG sends frames as they come."""

from __future__ import annotations

import json
import time

import cv2
import httpx
import numpy as np
import pytest
from api_seed import Served

from citywatch.api.routers import live
from citywatch.bus.messages import (
    ALERTS_TOPIC,
    EVENTS_TOPIC,
    PLATE_ALERTS_TOPIC,
    AlertMessage,
    EventMessage,
    PlateAlertMessage,
)
from citywatch.core.records import Alert, Event


def _wait(condition: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _events(lines: object, wanted: int) -> list[dict[str, str]]:
    """Read SSE events (name, id, data) until `wanted` have arrived; comments as 'comment'."""
    found: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in lines:  # type: ignore[attr-defined]
        if line.startswith(":"):
            found.append({"comment": line[1:].strip()})
        elif line == "" and current:
            found.append(current)
            current = {}
        elif ": " in line:
            key, _, value = line.partition(": ")
            current[key] = value
        if len([f for f in found if "data" in f]) >= wanted:
            return found
    return found


def test_sse_delivers_published_alerts_and_unsubscribes_on_disconnect(served: Served) -> None:
    bus = served.services.bus
    alert = Alert("gate", 100.0, "run", 3, 1, "Jane Doe", 0.2, 0.4, "m", (1, 2, 3, 4))
    with (
        httpx.Client(timeout=10) as client,
        client.stream("GET", f"{served.url}/api/live/alerts") as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        _wait(lambda: len(bus._subscriptions) == 1)
        sent = time.monotonic()
        bus.publish(ALERTS_TOPIC, AlertMessage(7, alert, 101.0, evidence_path="media/x.jpg"))
        bus.publish(
            PLATE_ALERTS_TOPIC,
            PlateAlertMessage("gate", 102.0, "LS12ABC", "LS1*", "stolen", 0.9, 4, 103.0),
        )
        bus.publish(EVENTS_TOPIC, EventMessage(Event("gate", 1.0, "zone", "z"), 2.0))  # not here
        received = _events(response.iter_lines(), wanted=2)
        latency = time.monotonic() - sent
    data = [json.loads(e["data"]) for e in received if "data" in e]
    assert [d["type"] for d in data] == ["alert", "plate_alert"]
    assert data[0]["alert_id"] == 7 and "evidence_path" not in data[0]  # no media paths
    assert received[0]["event"] == "alert" and received[0]["id"] == "alert-7"
    assert latency < 2.0
    _wait(lambda: bus._subscriptions == [])  # the client left: the subscription went with it


def test_sse_sends_a_heartbeat_comment(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "HEARTBEAT_S", 0.2)
    with (
        httpx.Client(timeout=10) as client,
        client.stream("GET", f"{served.url}/api/live/events") as response,
    ):
        for line in response.iter_lines():
            if line.startswith(":"):
                assert line == ": heartbeat"
                break


def test_live_events_are_redacted_offences(served: Served) -> None:
    bus = served.services.bus
    offence = {"offence": True, "plate": "AB12CDE", "thumbnail": "media/t.jpg"}
    with (
        httpx.Client(timeout=10) as client,
        client.stream("GET", f"{served.url}/api/live/events?counts=false") as response,
    ):
        _wait(lambda: len(bus._subscriptions) == 1)
        bus.publish(EVENTS_TOPIC, EventMessage(Event("gate", 5.0, "red_light", "r", offence), 6.0))
        received = _events(response.iter_lines(), wanted=1)
    payload = json.loads(next(e["data"] for e in received if "data" in e))
    assert payload["values"] == {"offence": True}
    assert payload["redacted"] == ["plate", "thumbnail"]


def test_mjpeg_sends_new_frames_until_the_client_leaves(served: Served) -> None:
    services = served.services
    services.store.upsert_camera(services.config.camera("gate"))
    image = np.random.default_rng(0).integers(0, 256, (120, 160, 3), dtype=np.uint8)
    jpeg = cv2.imencode(".jpg", image)[1].tobytes()
    services.frames.put("gate", jpeg, 1.0, faces=[(10, 10, 30, 30)], persons=[])
    received = b""
    with (
        httpx.Client(timeout=10) as client,
        client.stream("GET", f"{served.url}/api/cameras/gate/live.mjpeg?fps=20") as response,
    ):
        assert response.status_code == 200
        for chunk in response.iter_bytes():
            received += chunk
            if received.count(b"--frame") == 1 and b"X-Frame-Time: 1.000" in received:
                services.frames.put("gate", jpeg, 2.0, faces=[(10, 10, 30, 30)], persons=[])
            if b"X-Frame-Time: 2.000" in received:
                break
    assert received.count(b"--frame\r\nContent-Type: image/jpeg") >= 2
