"""Signal sources: a timetable, an HTTP controller, MQTT, and a lamp seen in the picture."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from rule_tracks import T0, frame

from citywatch.config.rules import (
    HttpSignalConfig,
    ImageSignalConfig,
    MqttSignalConfig,
    ScheduleSignalConfig,
)
from citywatch.rules.signals import (
    HttpSignal,
    ImageSignal,
    MqttSignal,
    ScheduleSignal,
    SignalBoard,
    SignalState,
    parse_state_payload,
)

RED, AMBER, GREEN, UNKNOWN = (
    SignalState.RED,
    SignalState.AMBER,
    SignalState.GREEN,
    SignalState.UNKNOWN,
)


def schedule(*phases: tuple[str, float], epoch: float = T0) -> ScheduleSignal:
    config = ScheduleSignalConfig(
        type="schedule",
        name="main",
        phases=[{"state": s, "duration_s": d} for s, d in phases],
        epoch=epoch,
    )
    return ScheduleSignal(config)


def test_schedule_phases_and_when_each_began():
    signal = schedule(("red", 30), ("green", 25), ("amber", 5))
    cases = {
        10: (RED, 0),
        29.9: (RED, 0),
        30: (GREEN, 30),
        57: (AMBER, 55),
        61: (RED, 60),  # the next cycle
        -1: (AMBER, -5),  # before the epoch: the cycle runs backwards too
    }
    for t, (state, began) in cases.items():
        sample = signal.state_at(T0 + t)
        assert sample.state is state and sample.since == pytest.approx(T0 + began), t


def test_schedule_joins_phases_of_one_colour_and_has_no_start_when_constant():
    signal = schedule(("red", 10), ("red", 5), ("green", 10))
    assert signal.state_at(T0 + 12).since == pytest.approx(T0)
    assert signal.state_at(T0 + 26).since == pytest.approx(T0 + 25)
    constant = schedule(("red", 10))
    assert constant.state_at(T0 + 3).state is RED and constant.state_at(T0 + 3).since is None


def test_payloads_that_name_a_state_and_those_that_do_not():
    assert parse_state_payload(b'{"state": "RED"}') is RED
    assert parse_state_payload("yellow") is AMBER
    assert parse_state_payload(b"green\n") is GREEN
    for junk in (b"{not json", b'{"colour": "red"}', b"[1]", b"blue", b""):
        assert parse_state_payload(junk) is UNKNOWN


# --- a signal head drawn on a frame --------------------------------------------------------

HEAD = [(300, 40), (340, 40), (340, 160), (300, 160)]
LAMPS = {"red": ((320, 60), (0, 0, 255)), "amber": ((320, 100), (0, 190, 255))}
LAMPS["green"] = ((320, 140), (90, 255, 0))


def signal_head(lit: set[str], brightness: float = 1.0) -> np.ndarray:
    image = np.full((480, 640, 3), (120, 130, 125), np.uint8)  # grey street
    cv2.rectangle(image, (302, 42), (338, 158), (25, 25, 25), -1)  # the housing
    for name, (centre, colour) in LAMPS.items():
        shade = tuple(int(c * brightness) for c in colour) if name in lit else (45, 45, 45)
        cv2.circle(image, centre, 13, shade, -1)
    return image


def image_signal() -> ImageSignal:
    return ImageSignal(ImageSignalConfig(type="image", name="head", polygon=HEAD))


@pytest.mark.parametrize("lamp", ["red", "amber", "green"])
def test_image_signal_reads_the_lit_lamp(lamp):
    sample = image_signal().sample(frame(0, signal_head({lamp})))
    assert sample.state is SignalState(lamp)
    assert sample.detail["lit"][lamp] > 0.05
    assert all(v == 0 for k, v in sample.detail["lit"].items() if k != lamp)


def test_image_signal_is_unknown_when_dark_or_unclear():
    signal = image_signal()
    assert signal.sample(frame(0, signal_head(set()))).state is UNKNOWN  # all off
    assert signal.sample(frame(0, signal_head({"red"}, 0.4))).state is UNKNOWN  # too dim
    assert signal.sample(frame(0, signal_head({"red", "green"}))).state is UNKNOWN  # two lit
    outside = ImageSignal(
        ImageSignalConfig(type="image", name="x", polygon=[(700, 0), (720, 0), (720, 9)])
    )
    assert outside.sample(frame(0, signal_head({"red"}))).state is UNKNOWN  # off the picture


def test_board_remembers_since_when_the_picture_showed_a_state():
    board = SignalBoard([image_signal()])
    sequence = ["green", "green", "red", "red", None, "red"]
    seen = []
    for i, lamp in enumerate(sequence):
        reading = board.observe(frame(i / 10, signal_head({lamp} if lamp else set())))["head"]
        seen.append((reading.state.value, reading.since and round(reading.since - T0, 1)))
    # Red counts from the first frame it was seen; after an unknown frame it starts again.
    assert seen == [
        ("green", 0.0),
        ("green", 0.0),
        ("red", 0.2),
        ("red", 0.2),
        ("unknown", None),
        ("red", 0.5),
    ]
    assert board.observe(frame(0.7, signal_head({"red"})))["head"].held_for(T0 + 0.9) == (
        pytest.approx(0.4)
    )


def test_board_takes_phase_starts_from_a_schedule():
    board = SignalBoard([schedule(("green", 10), ("red", 10))])
    reading = board.observe(frame(14))["main"]
    assert reading.state is RED and reading.since == pytest.approx(T0 + 10)
    assert reading.held_for(T0 + 14) == pytest.approx(4)


# --- HTTP controller -------------------------------------------------------------------------


class Controller:
    """A local signal controller: GET / answers {"state": ...}, or fails as told."""

    def __init__(self) -> None:
        self.state: str | None = "red"
        self.status = 200
        controller = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                body = json.dumps({"state": controller.state}).encode()
                self.send_response(controller.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def controller():
    server = Controller()
    yield server
    server.close()


def http_signal(url: str, **fields) -> HttpSignal:
    return HttpSignal(HttpSignalConfig(type="http", name="ctl", url=url, **fields))


def test_http_signal_polls_the_controller(controller):
    signal = http_signal(controller.url, interval_s=5, stale_s=10)
    assert signal.sample(frame(0)).state is UNKNOWN  # nothing polled yet
    assert signal.poll_once() is RED
    assert signal.sample(frame(0)).state is RED
    controller.state = "green"
    assert signal.poll_once() is GREEN and signal.sample(frame(0)).state is GREEN


def test_http_signal_goes_unknown_when_the_controller_fails_for_too_long(controller, caplog):
    signal = http_signal(controller.url, interval_s=0.05, stale_s=0.3, timeout_s=1)
    board = SignalBoard([signal])
    try:
        board.start()
        deadline = time.monotonic() + 5
        while signal.sample(frame(0)).state is not RED and time.monotonic() < deadline:
            time.sleep(0.02)
        assert board.observe(frame(0))["ctl"].state is RED
        controller.status = 500  # the controller breaks: the last state holds, then goes stale
        time.sleep(0.1)
        assert signal.sample(frame(0)).state is RED
        time.sleep(0.5)
        assert board.observe(frame(1))["ctl"].state is UNKNOWN
        assert sum("HTTP Error 500" in r.message for r in caplog.records) == 1  # said once
    finally:
        board.close()


def test_an_answer_without_a_known_state_is_unknown_at_once(controller):
    signal = http_signal(controller.url, interval_s=1, stale_s=60)
    assert signal.poll_once() is RED
    controller.state = "flashing"  # the controller is in fault mode: not red any more
    assert signal.poll_once() is UNKNOWN and signal.sample(frame(0)).state is UNKNOWN


def test_http_signal_to_nowhere_is_unknown():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    signal = http_signal(f"http://127.0.0.1:{port}/", timeout_s=0.5)
    assert signal.poll_once() is UNKNOWN and signal.sample(frame(0)).state is UNKNOWN


# --- MQTT -------------------------------------------------------------------------------------


class FakeClient:
    """Stands in for paho's Client: records calls; the test plays the broker's callbacks."""

    def __init__(self, name: str) -> None:
        self.calls: list[tuple] = []
        self.on_connect = self.on_disconnect = self.on_message = None

    def username_pw_set(self, username, password=None):
        self.calls.append(("auth", username, password))

    def tls_set(self):
        self.calls.append(("tls",))

    def connect_async(self, host, port=1883, keepalive=60):
        self.calls.append(("connect", host, port))

    def subscribe(self, topic, qos=0):
        self.calls.append(("subscribe", topic))

    def loop_start(self):
        self.calls.append(("loop_start",))

    def loop_stop(self):
        self.calls.append(("loop_stop",))

    def disconnect(self):
        self.calls.append(("disconnect",))


def mqtt_config(**fields) -> MqttSignalConfig:
    return MqttSignalConfig(type="mqtt", name="bus", host="broker", topic="junction/1", **fields)


def test_mqtt_signal_follows_messages_and_forgets_on_disconnect():
    signal = MqttSignal(mqtt_config(username="cw", password="pw", tls=True), FakeClient)
    client = signal.client
    signal.start()
    assert ("auth", "cw", "pw") in client.calls and ("connect", "broker", 1883) in client.calls
    assert signal.sample(frame(0)).state is UNKNOWN  # until the first message
    client.on_connect(client, None, {}, SimpleNamespace(is_failure=False), None)
    assert ("subscribe", "junction/1") in client.calls
    client.on_message(client, None, SimpleNamespace(payload=b'{"state": "red"}'))
    assert signal.sample(frame(0)).state is RED
    client.on_message(client, None, SimpleNamespace(payload=b"green"))
    assert signal.sample(frame(0)).state is GREEN
    client.on_disconnect(client, None, {}, "lost", None)
    assert signal.sample(frame(0)).state is UNKNOWN
    signal.close()
    assert client.calls[-2:] == [("disconnect",), ("loop_stop",)]


def test_mqtt_signal_goes_stale():
    signal = MqttSignal(mqtt_config(stale_s=0.1), FakeClient)
    signal.handle(b"red")
    assert signal.sample(frame(0)).state is RED
    time.sleep(0.15)
    assert signal.sample(frame(0)).state is UNKNOWN


@pytest.fixture
def broker(tmp_path: Path):
    """A mosquitto broker on a free local port, where the binary is installed."""
    binary = shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
    )
    if binary is None:
        pytest.skip("mosquitto is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n", encoding="utf-8")
    process = subprocess.Popen(
        [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(timeout=5)


def test_mqtt_signal_against_a_real_broker(broker):
    import paho.mqtt.client as mqtt
    import paho.mqtt.publish as publish

    signal = MqttSignal(
        MqttSignalConfig(type="mqtt", name="bus", host="127.0.0.1", port=broker, topic="j/1")
    )
    signal.start()
    try:
        deadline = time.monotonic() + 5
        while signal.sample(frame(0)).state is not RED and time.monotonic() < deadline:
            # keep publishing until the subscription is in place
            publish.single("j/1", '{"state": "red"}', hostname="127.0.0.1", port=broker)
            time.sleep(0.1)
        assert signal.sample(frame(0)).state is RED
        publish.single("j/1", "green", hostname="127.0.0.1", port=broker)
        deadline = time.monotonic() + 5
        while signal.sample(frame(0)).state is not GREEN and time.monotonic() < deadline:
            time.sleep(0.05)
        assert signal.sample(frame(0)).state is GREEN
    finally:
        signal.close()
    assert mqtt.CallbackAPIVersion.VERSION2  # the API version the signal is written against
