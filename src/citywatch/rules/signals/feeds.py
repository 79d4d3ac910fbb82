"""Signal state reported by a controller: polled over HTTP or pushed over MQTT."""

from __future__ import annotations

import logging
import threading
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from citywatch.config.rules import (
    HttpSignalConfig,
    MqttSignalConfig,
)
from citywatch.core.frame import Frame
from citywatch.rules.signals.types import (
    SignalSample,
    SignalState,
    _LatestState,
    parse_state_payload,
)

log = logging.getLogger("citywatch.rules")


class HttpSignal:
    """Polls a controller's URL from a thread; a state older than `stale_s` reads as unknown."""

    def __init__(self, config: HttpSignalConfig) -> None:
        self.name = config.name
        self.config = config
        self.latest = _LatestState(config.stale_s)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_problem: str | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"signal-{self.name}", daemon=True
            )
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.config.timeout_s + 1)

    def poll_once(self) -> SignalState:
        """One request. An answer becomes the latest state at once (one without a state we
        know, "flashing" say, as unknown); a failed request leaves the last answer to go stale.
        """
        answered = False
        try:
            with urllib.request.urlopen(self.config.url, timeout=self.config.timeout_s) as reply:
                body = reply.read(4096)
            answered = True
            state = parse_state_payload(body)
            problem = None if state is not SignalState.UNKNOWN else f"no state in {body[:80]!r}"
        except (OSError, ValueError) as error:  # URLError, timeouts, bad status lines
            state, problem = SignalState.UNKNOWN, str(error)
        if problem != self._last_problem:  # say it once per change, not once per poll
            if problem:
                log.warning("signal %s: %s", self.name, problem)
            elif self._last_problem:
                log.info("signal %s: answering again", self.name)
            self._last_problem = problem
        if answered:
            self.latest.set(state)
        return state

    def _run(self) -> None:
        while not self._stop.is_set():
            self.poll_once()
            self._stop.wait(self.config.interval_s)

    def sample(self, frame: Frame) -> SignalSample:
        return self.latest.get()


class MqttClient(Protocol):
    """The part of paho-mqtt's `Client` (2.x, callback API version 2) the signal uses."""

    on_connect: Any
    on_disconnect: Any
    on_message: Any

    def username_pw_set(self, username: str | None, password: str | None = None) -> None: ...

    def tls_set(self) -> Any: ...

    def connect_async(self, host: str, port: int = 1883, keepalive: int = 60) -> Any: ...

    def subscribe(self, topic: str, qos: int = 0) -> Any: ...

    def loop_start(self) -> Any: ...

    def loop_stop(self) -> Any: ...

    def disconnect(self) -> Any: ...


def _paho_client(name: str) -> MqttClient:
    import paho.mqtt.client as mqtt

    client: MqttClient = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"citywatch-signal-{name}-{uuid.uuid4().hex[:8]}",
    )
    return client


class MqttSignal:
    """Subscribes to a controller's topic; unknown until a message, and while disconnected."""

    def __init__(
        self, config: MqttSignalConfig, client_factory: Callable[[str], MqttClient] = _paho_client
    ) -> None:
        self.name = config.name
        self.config = config
        self.latest = _LatestState(config.stale_s)
        self.client = client_factory(config.name)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self._started = False

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        if self.config.username is not None:
            self.client.username_pw_set(self.config.username, self.config.password)
        if self.config.tls:
            self.client.tls_set()
        self.client.connect_async(self.config.host, self.config.port, keepalive=30)
        self.client.loop_start()

    def close(self) -> None:
        if self._started:
            self.client.disconnect()
            self.client.loop_stop()
            self._started = False

    def handle(self, payload: bytes | str) -> SignalState:
        state = parse_state_payload(payload)
        if state is SignalState.UNKNOWN:
            log.warning("signal %s: unreadable message %r", self.name, payload[:80])
        self.latest.set(state)
        return state

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if getattr(reason, "is_failure", False):
            log.warning("signal %s: broker refused the connection (%s)", self.name, reason)
            return
        client.subscribe(self.config.topic, qos=1)

    def _on_disconnect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        log.warning("signal %s: disconnected from the broker (%s)", self.name, reason)
        self.latest.clear()

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        self.handle(message.payload)

    def sample(self, frame: Frame) -> SignalSample:
        return self.latest.get()
