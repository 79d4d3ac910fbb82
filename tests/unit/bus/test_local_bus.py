import threading

from citywatch.bus import LocalBus


def test_subscribers_get_their_topics_in_order():
    bus = LocalBus()
    alerts = bus.subscribe("alerts")
    everything = bus.subscribe("*")
    bus.publish("alerts", 1)
    bus.publish("events", 2)
    bus.publish("alerts", 3)
    assert [m.payload for m in alerts.drain()] == [1, 3]
    assert [m.topic for m in everything.drain()] == ["alerts", "events", "alerts"]


def test_a_slow_subscriber_loses_its_oldest_messages_and_counts_them():
    bus = LocalBus()
    slow = bus.subscribe("alerts", maxsize=3)
    for i in range(10):
        bus.publish("alerts", i)  # never blocks
    assert slow.dropped == 7
    assert [m.payload for m in slow.drain()] == [7, 8, 9]


def test_get_waits_for_a_message_and_close_ends_iteration():
    bus = LocalBus()
    sub = bus.subscribe("alerts")
    assert sub.get(timeout=0.05) is None
    threading.Timer(0.05, bus.publish, args=("alerts", "hello")).start()
    message = sub.get(timeout=2)
    assert message is not None and message.payload == "hello" and message.published_at > 0
    bus.publish("alerts", "last")
    bus.close()
    assert [m.payload for m in sub] == ["last"]
    bus.publish("alerts", "after close")
    assert sub.drain() == []
