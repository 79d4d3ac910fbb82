"""Webhooks against a real HTTP receiver: signatures, retries, giving up, never blocking."""

from __future__ import annotations

import logging
import socket
import time
from typing import Any

import numpy as np
from bus_samples import face_alert

from citywatch.bus import LocalBus
from citywatch.bus.messages import (
    ALERTS_TOPIC,
    EVENTS_TOPIC,
    AlertMessage,
    EventMessage,
    RemotePayload,
)
from citywatch.bus.outputs import start_outputs
from citywatch.bus.payloads import to_payload
from citywatch.bus.webhooks import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookSender,
)
from citywatch.config.outputs import OutputsConfig, WebhookConfig
from citywatch.core.records import Event


def hook(url: str, secret: str, **overrides: Any) -> WebhookConfig:
    settings: dict[str, Any] = {"url": url, "secret": secret, "backoff_s": 0.01}
    settings.update(overrides)
    return WebhookConfig.model_validate(settings)


def alert_message(alert_id: int = 7) -> AlertMessage:
    alert = face_alert(evidence=np.zeros((8, 8, 3), np.uint8))
    return AlertMessage(alert_id, alert, 1_700_000_000.5, evidence_path="alerts/gate/x.jpg")


def offence_message() -> EventMessage:
    event = Event(
        camera_id="junction",
        time=1_700_000_100.0,
        type="red_light",
        rule="junction-red",
        values={"offence": True, "plate_text": "AB12CDE", "face": [1, 2], "clip": "c.mp4"},
        thumbnail=np.zeros((4, 4, 3), np.uint8),
    )
    return EventMessage(event, 1_700_000_100.2)


def test_posts_are_signed_with_timestamp_and_idempotency_key(receiver):
    bus = LocalBus()
    outputs = start_outputs(
        OutputsConfig(webhooks=[hook(receiver.url, receiver.secret, name="ops")]), bus
    )
    bus.publish(ALERTS_TOPIC, alert_message())
    bus.publish(EVENTS_TOPIC, offence_message())
    requests = receiver.wait_for(2)
    outputs.stop(timeout=5)

    assert [r.signed for r in requests] == [True, True]
    alert, offence = (r.json for r in requests)
    assert alert["type"] == "alert" and alert["entry_name"] == "Person of interest"
    assert "evidence_path" not in alert  # include_media_paths is off by default
    assert requests[0].headers[IDEMPOTENCY_HEADER] == alert["id"] == "alert-7"
    assert abs(int(requests[0].headers[TIMESTAMP_HEADER]) - time.time()) < 60
    assert requests[0].headers["Content-Type"] == "application/json"
    # The offence left without plate, face, clip or thumbnail.
    assert offence["values"] == {"offence": True}
    assert offence["redacted"] == ["clip", "face", "plate_text"]
    assert b"AB12CDE" not in requests[1].body
    assert set(outputs.stats()) == {"ops"}
    stats = outputs.stats()["ops"]
    assert (stats.sent, stats.retried, stats.failed, stats.dropped) == (2, 0, 0, 0)


def test_a_wrong_secret_does_not_verify(receiver):
    receiver.secret = "another-secret-of-the-receiver"
    bus = LocalBus()
    outputs = start_outputs(OutputsConfig(webhooks=[hook(receiver.url, "x" * 16)]), bus)
    bus.publish(ALERTS_TOPIC, alert_message())
    (request,) = receiver.wait_for(1)
    outputs.stop(timeout=5)
    assert request.headers[SIGNATURE_HEADER].startswith("sha256=")
    assert not request.signed


def test_5xx_and_429_are_retried_with_the_same_body_and_key(receiver):
    receiver.statuses = [503, 429, 502]
    receiver.retry_after = "0"
    bus = LocalBus()
    sender = WebhookSender(hook(receiver.url, receiver.secret), bus)
    sender.start()
    bus.publish(ALERTS_TOPIC, alert_message())
    requests = receiver.wait_for(4)
    sender.stop(timeout=5)

    assert len(requests) == 4
    assert len({r.body for r in requests}) == 1
    assert {r.headers[IDEMPOTENCY_HEADER] for r in requests} == {"alert-7"}
    assert all(r.signed for r in requests)
    stats = sender.stats()
    assert (stats.sent, stats.retried, stats.failed) == (1, 3, 0)


def test_gives_up_after_max_attempts_with_one_log_line(receiver, caplog):
    receiver.statuses = [500] * 3
    bus = LocalBus()
    sender = WebhookSender(hook(receiver.url, receiver.secret, max_attempts=3), bus, name="ops")
    sender.start()
    with caplog.at_level(logging.WARNING, logger="citywatch.outputs"):
        bus.publish(ALERTS_TOPIC, alert_message())
        bus.publish(ALERTS_TOPIC, alert_message(8))  # the next one goes through after
        requests = receiver.wait_for(4)
        sender.stop(timeout=5)

    assert [r.json["alert_id"] for r in requests] == [7, 7, 7, 8]
    stats = sender.stats()
    assert (stats.sent, stats.retried, stats.failed) == (1, 2, 1)
    gave_up = [r.getMessage() for r in caplog.records if "gave up" in r.getMessage()]
    assert gave_up == [
        "ops: gave up on alerts alert-7 after 3 attempts: HTTP 500 Internal Server Error"
    ]


def test_4xx_is_not_retried(receiver):
    receiver.statuses = [400]
    bus = LocalBus()
    sender = WebhookSender(hook(receiver.url, receiver.secret), bus)
    sender.start()
    bus.publish(ALERTS_TOPIC, alert_message())
    bus.publish(ALERTS_TOPIC, alert_message(8))
    requests = receiver.wait_for(2)
    sender.stop(timeout=5)
    assert [r.json["alert_id"] for r in requests] == [7, 8]
    stats = sender.stats()
    assert (stats.sent, stats.retried, stats.failed) == (1, 0, 1)


def test_connection_refused_is_retried_then_given_up():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bus = LocalBus()
    sender = WebhookSender(hook(f"http://127.0.0.1:{port}/hook", "s" * 16, max_attempts=3), bus)
    sender.start()
    bus.publish(ALERTS_TOPIC, alert_message())
    deadline = time.monotonic() + 10
    while sender.stats().failed == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    sender.stop(timeout=1)
    stats = sender.stats()
    assert (stats.sent, stats.retried, stats.failed) == (0, 2, 1)


def test_a_hanging_receiver_never_blocks_the_publisher(receiver):
    receiver.hang.set()
    bus = LocalBus()
    sender = WebhookSender(hook(receiver.url, receiver.secret, timeout_s=1, queue_size=100), bus)
    sender.start()
    bus.publish(ALERTS_TOPIC, alert_message(0))
    receiver.wait_for(1)  # the first request is now hanging in the receiver

    started = time.perf_counter()
    for i in range(1, 1001):
        bus.publish(ALERTS_TOPIC, alert_message(i))
    elapsed = time.perf_counter() - started
    assert elapsed < 0.1, f"1000 publishes took {elapsed:.3f} s"

    stopping = time.perf_counter()
    sender.stop(timeout=0.5)
    assert time.perf_counter() - stopping < 2.0  # stop is bounded too
    stats = sender.stats()
    assert stats.sent == 0
    # 100 fit in the queue; the 900 oldest of the burst were dropped at publish time, and what
    # was still queued when stop gave up is dropped too.
    assert stats.dropped >= 900


def test_alerts_raised_on_another_node_are_left_to_that_node(receiver):
    """With a Redis bus every node hears every alert; only the node that raised one sends it,
    so a receiver gets each alert once, not once per node."""
    bus = LocalBus()
    outputs = start_outputs(OutputsConfig(webhooks=[hook(receiver.url, receiver.secret)]), bus)
    remote = RemotePayload(ALERTS_TOPIC, to_payload(alert_message(8)), origin="edge-2")
    bus.publish(ALERTS_TOPIC, remote)
    bus.publish(ALERTS_TOPIC, alert_message(9))
    requests = receiver.wait_for(1)
    time.sleep(0.3)  # the remote one, had it been sent, would have gone first
    outputs.stop(timeout=5)
    assert [r.json["id"] for r in receiver.requests] == ["alert-9"]
    assert len(requests) == 1
