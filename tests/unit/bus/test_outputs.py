import logging

from citywatch.bus import LocalBus
from citywatch.bus.messages import EVENTS_TOPIC
from citywatch.bus.outputs import Counters, DropWatch, OutputStats, start_outputs
from citywatch.bus.webhooks import WebhookSender
from citywatch.config.outputs import OutputsConfig, WebhookConfig


def test_no_outputs_configured_is_a_no_op():
    outputs = start_outputs(OutputsConfig(), LocalBus())
    assert outputs.stats() == {}
    outputs.stop(timeout=0.1)


def test_counters_snapshot_adds_queue_drops():
    counters = Counters()
    counters.add("sent", 3)
    counters.add("retried")
    assert counters.snapshot(extra_dropped=2) == OutputStats(sent=3, retried=1, dropped=2)


def test_drops_are_logged_at_most_every_so_often(caplog):
    watch = DropWatch("webhook x", every_s=3600)
    with caplog.at_level(logging.WARNING, logger="citywatch.outputs"):
        watch.check(0)
        watch.check(5)
        watch.check(9)
    assert [r.getMessage() for r in caplog.records] == [
        "webhook x: 5 messages dropped so far (it does not keep up; the oldest go first)"
    ]


def test_unknown_payloads_are_counted_as_failed_not_fatal():
    bus = LocalBus()
    hook = WebhookConfig(url="http://127.0.0.1:9/never", secret="s" * 16, topics=["events"])
    sender = WebhookSender(hook, bus)
    sender.start()
    bus.publish(EVENTS_TOPIC, "not an EventMessage")
    sender.stop(timeout=5)
    assert sender.stats() == OutputStats(failed=1)
