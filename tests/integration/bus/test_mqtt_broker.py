"""MQTT output against a real mosquitto: topics, payloads, retained counts, last will,
reconnection after a broker restart and one-line errors at start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import numpy as np
import pytest
from bus_samples import NOW, face_alert

from citywatch.bus import LocalBus
from citywatch.bus.messages import (
    ALERTS_TOPIC,
    COUNTS_TOPIC,
    EVENTS_TOPIC,
    PLATE_ALERTS_TOPIC,
    AlertMessage,
    CountsMessage,
    EventMessage,
    PlateAlertMessage,
)
from citywatch.bus.mqtt import MqttPublisher
from citywatch.bus.outputs import OutputError, start_outputs
from citywatch.config.outputs import MqttConfig, OutputsConfig
from citywatch.core.records import Event


def mqtt_config(broker: Any, prefix: str, **overrides: Any) -> MqttConfig:
    settings: dict[str, Any] = {"host": broker.host, "port": broker.port, "prefix": prefix}
    settings.update(overrides)
    return MqttConfig.model_validate(settings)


def alert_message() -> AlertMessage:
    return AlertMessage(41, face_alert(), NOW + 0.2, evidence_path="alerts/gate/2023-11-14/a.jpg")


def event_message(offence: bool) -> EventMessage:
    values: dict[str, Any] = {"zone": "crossing", "speed_kmh": 31.5, "plate_text": "AB12CDE"}
    if offence:
        values.update({"offence": True, "face": {"box": [1, 2, 3, 4]}, "clip": "clips/x.mp4"})
    event = Event(
        camera_id="junction",
        time=NOW + 1,
        type="red_light" if offence else "line_cross",
        rule="junction-red",
        values=values,
        run_id="run1",
        track_local_id=9,
        thumbnail=np.zeros((4, 4, 3), np.uint8),
    )
    return EventMessage(event, NOW + 1.1)


def test_alerts_events_and_plate_alerts_on_their_topics(broker, prefix, listen):
    listener = listen(broker.host, broker.port, f"{prefix}/#")
    bus = LocalBus()
    outputs = start_outputs(OutputsConfig(mqtt=mqtt_config(broker, prefix)), bus)
    assert listener.on(f"{prefix}/available", text="online")

    bus.publish(ALERTS_TOPIC, alert_message())
    bus.publish(EVENTS_TOPIC, event_message(offence=False))
    bus.publish(EVENTS_TOPIC, event_message(offence=True))
    plate = PlateAlertMessage("gate", NOW + 2, "XY99ZZZ", "stolen-1", "stolen", 0.93, 4, NOW + 2.1)
    bus.publish(PLATE_ALERTS_TOPIC, plate)
    assert listener.on(f"{prefix}/plate_alerts")
    outputs.stop(timeout=5)

    alert = listener.on(f"{prefix}/alerts")
    assert alert is not None and not alert.retain
    assert alert.json["type"] == "alert"
    assert alert.json["entry_name"] == "Person of interest"
    assert alert.json["distance"] == pytest.approx(0.31)
    assert alert.json["camera"] == "gate" and alert.json["alert_id"] == 41
    assert alert.json["time_iso"] == "2023-11-14T22:13:20.000Z"
    assert "evidence_path" not in alert.json and "evidence" not in alert.json

    events = [m.json for m in listener.messages if m.topic == f"{prefix}/events"]
    plain, offence = events
    assert plain["offence"] is False and plain["values"]["plate_text"] == "AB12CDE"
    assert "thumbnail" not in plain  # images never leave
    assert offence["offence"] is True
    assert offence["values"] == {"zone": "crossing", "speed_kmh": 31.5, "offence": True}
    assert offence["redacted"] == ["clip", "face", "plate_text"]
    raw = [m.payload for m in listener.messages if m.topic == f"{prefix}/events"][1]
    assert b"AB12CDE" not in raw and b"clips/" not in raw

    plate_alert = listener.on(f"{prefix}/plate_alerts")
    assert plate_alert is not None and plate_alert.json["plate"] == "XY99ZZZ"
    # A clean stop says offline itself (retained), before disconnecting.
    assert listener.on(f"{prefix}/available", text="offline")
    stats = outputs.stats()["mqtt"]
    assert (stats.sent, stats.failed, stats.dropped) == (4, 0, 0)


def test_media_paths_only_when_configured(broker, prefix, listen):
    listener = listen(broker.host, broker.port, f"{prefix}/alerts")
    bus = LocalBus()
    config = OutputsConfig(include_media_paths=True, mqtt=mqtt_config(broker, prefix))
    outputs = start_outputs(config, bus)
    bus.publish(ALERTS_TOPIC, alert_message())
    received = listener.on(f"{prefix}/alerts")
    outputs.stop(timeout=5)
    assert received is not None
    assert received.json["evidence_path"] == "alerts/gate/2023-11-14/a.jpg"


def test_counts_are_retained_per_camera_and_zone_and_go_back_to_zero(broker, prefix, listen):
    bus = LocalBus()
    publisher = MqttPublisher(mqtt_config(broker, prefix), bus)
    publisher.start()
    zones = {"door": {"person": 1}}
    bus.publish(COUNTS_TOPIC, CountsMessage("gate", NOW, {"person": 2, "car": 1}, zones))
    bus.publish(COUNTS_TOPIC, CountsMessage("gate", NOW + 1, {"person": 2, "car": 1}, zones))
    bus.publish(COUNTS_TOPIC, CountsMessage("yard/2", NOW + 1, {"dog": 1}))
    deadline = time.monotonic() + 5
    while publisher.stats().sent < 4 and time.monotonic() < deadline:
        time.sleep(0.01)

    # A subscriber that comes later still gets the counts: they are retained.
    late = listen(broker.host, broker.port, f"{prefix}/+/#")
    assert late.on(f"{prefix}/gate/person", text="2").retain
    assert late.on(f"{prefix}/gate/car", text="1").retain
    assert late.on(f"{prefix}/gate/door/person", text="1").retain
    assert late.on(f"{prefix}/yard_2/dog", text="1").retain  # '/' cannot be in a level

    bus.publish(COUNTS_TOPIC, CountsMessage("gate", NOW + 2, {"car": 1}))
    assert late.on(f"{prefix}/gate/person", text="0")
    assert late.on(f"{prefix}/gate/door/person", text="0")
    publisher.stop(timeout=5)
    car = [m for m in late.messages if m.topic == f"{prefix}/gate/car"]
    assert len(car) == 1  # unchanged counts are not published again
    assert publisher.stats().sent == 6


def test_the_broker_says_offline_when_the_publisher_dies(broker, prefix, listen):
    listener = listen(broker.host, broker.port, f"{prefix}/available")
    script = (
        "import sys, time\n"
        "from citywatch.bus import LocalBus\n"
        "from citywatch.bus.mqtt import MqttPublisher\n"
        "from citywatch.config.outputs import MqttConfig\n"
        "config = MqttConfig(host=sys.argv[1], port=int(sys.argv[2]), prefix=sys.argv[3])\n"
        "MqttPublisher(config, LocalBus()).start()\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, broker.host, str(broker.port), prefix],
        stderr=subprocess.PIPE,
    )
    try:
        online = listener.on(f"{prefix}/available", timeout=20, text="online")
        assert online is not None, child.stderr.read().decode() if child.poll() else "no online"
        os.kill(child.pid, signal.SIGKILL)  # no goodbye: only the last will can say it
        child.wait(10)
        assert listener.on(f"{prefix}/available", text="offline")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        assert child.stderr is not None
        child.stderr.close()


def test_reconnects_after_the_broker_restarts(own_broker, prefix, listen, caplog):
    broker = own_broker
    bus = LocalBus()
    publisher = MqttPublisher(mqtt_config(broker, prefix, reconnect_max_s=1), bus)
    publisher.start()
    bus.publish(COUNTS_TOPIC, CountsMessage("gate", NOW, {"person": 3}))
    first = listen(broker.host, broker.port, f"{prefix}/#")
    assert first.on(f"{prefix}/gate/person", text="3")
    first.close()

    broker.stop()  # retained messages go with it (no persistence)
    time.sleep(0.3)
    started = time.perf_counter()
    for _ in range(1000):
        bus.publish(EVENTS_TOPIC, event_message(offence=False))
    assert time.perf_counter() - started < 0.1  # the pipeline does not wait for the broker
    broker.start()

    listener = listen(broker.host, broker.port, f"{prefix}/#")
    # Back online, the retained count is published again and the queued events arrive.
    assert listener.on(f"{prefix}/available", timeout=15, text="online")
    assert listener.on(f"{prefix}/gate/person", text="3")
    assert listener.on(f"{prefix}/events")
    publisher.stop(timeout=10)
    stats = publisher.stats()
    assert stats.reconnects == 1
    assert stats.retried > 0  # events queued (QoS 1) while the broker was away
    assert (stats.sent, stats.failed, stats.dropped) == (1001, 0, 0)  # none lost
    assert any("connection lost" in r.getMessage() for r in caplog.records)


def test_an_unreachable_broker_is_a_one_line_error(prefix):
    from socket import socket

    with socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bus = LocalBus()
    config = OutputsConfig(mqtt=MqttConfig(host="127.0.0.1", port=port, prefix=prefix))
    with pytest.raises(OutputError) as raised:
        start_outputs(config, bus)
    assert str(raised.value) == f"MQTT broker 127.0.0.1:{port} unreachable: Connection refused"
    assert raised.value.exit_code == 1


def test_rejected_credentials_are_a_one_line_error(auth_broker, prefix):
    wrong = mqtt_config(auth_broker, prefix, username="citywatch", password="wrong-password")
    with pytest.raises(OutputError) as raised:
        MqttPublisher(wrong, LocalBus()).start()
    address = f"{auth_broker.host}:{auth_broker.port}"
    assert str(raised.value) == f"MQTT broker {address} refused the connection: Not authorized"

    right = mqtt_config(auth_broker, prefix, username="citywatch", password="right-password")
    publisher = MqttPublisher(right, LocalBus())
    publisher.start()
    publisher.stop(timeout=5)
