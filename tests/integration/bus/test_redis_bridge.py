"""Redis as the bus between nodes, against a real redis-server: two LocalBus "nodes", each with
a RedisBridge, on streams of this test's own.

Most tests use the Redis that CITYWATCH_TEST_REDIS_URL names (`eval "$(scripts/services
start)"` starts one); those that stop, restart or lock Redis start their own
`/usr/bin/redis-server` on a free port (the fixtures are in this folder's conftest). Without
them the tests skip with a message, and under CI (`CI=true`) they fail instead, so nothing is
skipped silently.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from bus_samples import NOW, face_alert
from server_process import free_port

from citywatch.bus import LocalBus, Subscription
from citywatch.bus.local import Message
from citywatch.bus.messages import (
    ALERTS_TOPIC,
    COUNTS_TOPIC,
    EVENTS_TOPIC,
    PLATE_ALERTS_TOPIC,
    AlertMessage,
    CountsMessage,
    EventMessage,
    PlateAlertMessage,
    RemotePayload,
)
from citywatch.bus.outputs import OutputError
from citywatch.bus.payloads import to_payload
from citywatch.bus.redis import RedisBridge, start_bridge
from citywatch.config.bus import BusConfig
from citywatch.core.records import Event


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


class Nodes:
    """Bridges started by a test, stopped at its end."""

    def __init__(self) -> None:
        self.bridges: list[RedisBridge] = []

    def start(
        self,
        url: str,
        prefix: str,
        name: str,
        settings: dict[str, Any] | None = None,
        **options: Any,
    ) -> tuple[LocalBus, RedisBridge]:
        bus = LocalBus()
        config = BusConfig.model_validate(
            {
                "backend": "redis",
                "url": url,
                "stream_prefix": prefix,
                "node": name,
                **(settings or {}),
            }
        )
        bridge = RedisBridge(bus, config, **options)
        bridge.start()
        self.bridges.append(bridge)
        return bus, bridge


@pytest.fixture
def nodes() -> Iterator[Nodes]:
    started = Nodes()
    yield started
    for bridge in started.bridges:
        bridge.stop(timeout=2.0)


def alert_message(alert_id: int = 41) -> AlertMessage:
    return AlertMessage(alert_id, face_alert(), NOW + 0.2, evidence_path="alerts/gate/a.jpg")


def remote(subscription: Subscription, n: int, timeout: float = 10.0) -> list[Message]:
    """The first `n` RemotePayload messages to arrive (fewer at the timeout)."""
    found: list[Message] = []
    deadline = time.monotonic() + timeout
    while len(found) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        message = subscription.get(timeout=left)
        if message is not None and isinstance(message.payload, RemotePayload):
            found.append(message)
    return found


def test_an_alert_on_one_node_reaches_the_other_and_is_not_echoed(redis_url, prefix, nodes):
    bus_a, bridge_a = nodes.start(redis_url, prefix, "node-a")
    bus_b, bridge_b = nodes.start(redis_url, prefix, "node-b")
    heard_a = bus_a.subscribe("*")
    heard_b = bus_b.subscribe(ALERTS_TOPIC)

    original = alert_message()
    bus_a.publish(ALERTS_TOPIC, original)

    (arrived,) = remote(heard_b, 1)
    assert arrived.topic == ALERTS_TOPIC
    assert arrived.payload == RemotePayload(
        ALERTS_TOPIC, to_payload(original, include_media_paths=True), "node-a"
    )
    assert arrived.payload.payload["evidence_path"] == "alerts/gate/a.jpg"
    # B does not send it on, and A skips its own entry: one entry in Redis, nothing back on A.
    assert remote(heard_a, 1, timeout=1.5) == []
    assert redis.Redis.from_url(redis_url).xlen(f"{prefix}:{ALERTS_TOPIC}") == 1
    assert wait_until(lambda: bridge_a.stats().forwarded == 1, 5)
    stats_a, stats_b = bridge_a.stats(), bridge_b.stats()
    assert (stats_a.forwarded, stats_a.received, stats_a.dropped) == (1, 0, 0)
    assert (stats_b.forwarded, stats_b.received, stats_b.dropped) == (0, 1, 0)


def test_every_topic_travels_on_its_own_stream(redis_url, prefix, nodes):
    bus_a, _ = nodes.start(redis_url, prefix, "node-a")
    bus_b, bridge_b = nodes.start(redis_url, prefix, "node-b")
    heard = bus_b.subscribe(ALERTS_TOPIC, EVENTS_TOPIC, PLATE_ALERTS_TOPIC, COUNTS_TOPIC)
    offence = Event(
        "junction",
        NOW,
        "red_light",
        "junction-red",
        {"offence": True, "plate_text": "AB12CDE", "clip": "clips/x.mp4"},
        run_id="run1",
        track_local_id=9,
    )
    sent = {
        EVENTS_TOPIC: EventMessage(offence, NOW + 1),
        PLATE_ALERTS_TOPIC: PlateAlertMessage(
            "gate", NOW, "AB12CDE", "stolen", "stolen", 0.9, 4, NOW
        ),
        COUNTS_TOPIC: CountsMessage("gate", NOW, {"person": 2}, {"door": {"person": 1}}),
    }
    for topic, message in sent.items():
        bus_a.publish(topic, message)
    bus_a.publish("frames", "not bridged")

    arrived = {m.topic: m.payload for m in remote(heard, 3)}
    assert set(arrived) == set(sent)
    for topic, message in sent.items():
        assert arrived[topic].payload == to_payload(message, include_media_paths=True)
    event = arrived[EVENTS_TOPIC].payload
    assert event["redacted"] == ["clip", "plate_text"] and "plate_text" not in event["values"]
    assert remote(heard, 1, timeout=1.0) == [] and bridge_b.stats().received == 3
    assert redis.Redis.from_url(redis_url).exists(f"{prefix}:frames") == 0


def test_a_thousand_messages_arrive_in_order_and_none_is_lost(redis_url, prefix, nodes):
    bus_a, bridge_a = nodes.start(redis_url, prefix, "node-a")
    bus_b, bridge_b = nodes.start(redis_url, prefix, "node-b")
    heard = bus_b.subscribe(ALERTS_TOPIC, maxsize=5000)
    originals = [alert_message(i) for i in range(1000)]
    for message in originals:
        bus_a.publish(ALERTS_TOPIC, message)

    arrived = remote(heard, 1000, timeout=30)
    assert [m.payload.payload["alert_id"] for m in arrived] == list(range(1000))
    assert arrived[-1].payload.payload == to_payload(originals[-1], include_media_paths=True)
    assert wait_until(lambda: bridge_a.stats().forwarded == 1000, 5)
    assert bridge_a.stats().dropped == 0
    assert bridge_b.stats().received == 1000 and heard.dropped == 0


def test_a_node_that_starts_later_does_not_replay_history(redis_url, prefix, nodes):
    bus_a, _ = nodes.start(redis_url, prefix, "node-a")
    bus_a.publish(ALERTS_TOPIC, alert_message(1))
    stream = f"{prefix}:{ALERTS_TOPIC}"
    assert wait_until(lambda: redis.Redis.from_url(redis_url).xlen(stream) == 1)

    bus_b, bridge_b = nodes.start(redis_url, prefix, "node-b")
    heard = bus_b.subscribe(ALERTS_TOPIC)
    bus_a.publish(ALERTS_TOPIC, alert_message(2))
    assert [m.payload.payload["alert_id"] for m in remote(heard, 1)] == [2]  # not 1 first
    assert remote(heard, 1, timeout=1.0) == []
    assert bridge_b.stats().received == 1


def test_streams_are_trimmed_to_about_their_length(redis_url, prefix, nodes):
    bus, bridge = nodes.start(redis_url, prefix, "node-a", {"max_stream_length": 100})
    for i in range(2000):
        bus.publish(COUNTS_TOPIC, CountsMessage("gate", NOW + i, {"person": i % 7}))
    assert wait_until(lambda: bridge.stats().forwarded == 2000, 20)
    length = redis.Redis.from_url(redis_url).xlen(f"{prefix}:{COUNTS_TOPIC}")
    assert 100 <= length < 2000  # approximate trimming keeps whole macro nodes


def test_an_unreachable_redis_fails_at_start_in_one_line_naming_it(prefix):
    port = free_port()  # nothing listens there
    url = f"redis://:hunter2-secret@127.0.0.1:{port}/0"
    bus = LocalBus()
    config = BusConfig(backend="redis", url=url, stream_prefix=prefix)
    with pytest.raises(OutputError) as raised:
        start_bridge(config, bus)
    message = str(raised.value)
    assert "\n" not in message and f"redis://:***@127.0.0.1:{port}/0" in message
    assert "hunter2" not in message
    assert bus._subscriptions == []  # nothing left subscribed


def test_a_wrong_password_fails_at_start_and_the_right_one_works(locked_redis, prefix, nodes):
    wrong = f"redis://:wrong-password@127.0.0.1:{locked_redis.port}/0"
    with pytest.raises(OutputError) as raised:
        nodes.start(wrong, prefix, "node-a")
    message = str(raised.value)
    assert "\n" not in message and f"127.0.0.1:{locked_redis.port}" in message
    assert "wrong-password" not in message
    _, bridge = nodes.start(locked_redis.url, prefix, "node-a")
    assert bridge.stats().reconnects == 0


def test_the_local_backend_starts_no_bridge():
    assert start_bridge(BusConfig(), LocalBus()) is None


def test_a_restarted_redis_is_reconnected_and_later_messages_arrive(own_redis, prefix, nodes):
    fast = {"backoff_s": 0.05, "max_backoff_s": 0.5}
    bus_a, bridge_a = nodes.start(own_redis.url, prefix, "node-a", **fast)
    bus_b, bridge_b = nodes.start(own_redis.url, prefix, "node-b", **fast)
    heard = bus_b.subscribe(ALERTS_TOPIC, maxsize=100)
    bus_a.publish(ALERTS_TOPIC, alert_message(1))
    assert [m.payload.payload["alert_id"] for m in remote(heard, 1)] == [1]

    own_redis.stop()
    started = time.monotonic()
    bus_a.publish(ALERTS_TOPIC, alert_message(2))  # held by the forwarder while Redis is away
    assert time.monotonic() - started < 0.5  # publishing never waits for Redis
    time.sleep(1.0)  # both threads notice and back off
    own_redis.start()  # same port, empty (no persistence)
    bus_a.publish(ALERTS_TOPIC, alert_message(3))

    arrived = remote(heard, 2, timeout=15)
    assert [m.payload.payload["alert_id"] for m in arrived] == [2, 3]
    # B may read an entry before A's thread has counted it: wait for the counts to settle.
    assert wait_until(lambda: bridge_a.stats().forwarded == 3, 5)
    assert bridge_a.stats().reconnects >= 1 and bridge_b.stats().reconnects >= 1
    assert bridge_b.stats().received == 3


def test_while_redis_is_away_the_oldest_drop_and_stop_still_returns(own_redis, prefix, nodes):
    bus, bridge = nodes.start(
        own_redis.url, prefix, "node-a", queue_size=10, backoff_s=0.05, max_backoff_s=0.2
    )
    own_redis.stop()
    for i in range(100):
        bus.publish(ALERTS_TOPIC, alert_message(i))
    assert wait_until(lambda: bridge.stats().dropped >= 80, 5)

    started = time.monotonic()
    bridge.stop(timeout=0.5)
    assert time.monotonic() - started < 5
    assert not any(thread.is_alive() for thread in bridge._threads)
    stats = bridge.stats()
    assert stats.forwarded == 0 and stats.dropped == 100
