"""MQTT output with Frigate-style topics, for home-automation hubs and dashboards.

Under `prefix` (default `citywatch`):

- `citywatch/available`: `online` / `offline`, retained; the broker publishes `offline` itself
  (last will) when the connection dies without a goodbye.
- `citywatch/events`, `citywatch/alerts`, `citywatch/plate_alerts`: one JSON payload a message
  (citywatch.bus.payloads: offences redacted, never an image).
- `citywatch/<camera>/<object>` and `citywatch/<camera>/<zone>/<object>`: how many are in view,
  retained, published when the count changes (an object that left goes back to 0).

`start()` connects and fails loudly (OutputError naming host:port) when the broker is
unreachable or refuses the credentials. After that, a broker that goes away is reconnected with
backoff (paho's, up to `reconnect_max_s`); messages with QoS > 0 wait in a bounded queue
meanwhile, and the retained counts are published again once back (a restarted broker may have
lost them). Publishing runs on its own thread from a bounded bus subscription, so the pipeline
never waits for the network.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode

from citywatch.bus.local import LocalBus, Message, Subscription
from citywatch.bus.messages import CountsMessage, RemotePayload
from citywatch.bus.outputs import Counters, DropWatch, OutputError, OutputStats
from citywatch.bus.payloads import encode, to_payload
from citywatch.config.outputs import MqttConfig

log = logging.getLogger("citywatch.outputs.mqtt")

ONLINE = "online"
OFFLINE = "offline"

# payload "type" -> topic level under the prefix
_JSON_TOPICS = {"alert": "alerts", "event": "events", "plate_alert": "plate_alerts"}


def topic_level(name: str) -> str:
    """`name` as one topic level: no '/' (a level separator) and no wildcards."""
    cleaned = "".join("_" if c in "/+#\0" else c for c in str(name)).strip()
    return cleaned or "_"


class MqttPublisher:
    def __init__(
        self, config: MqttConfig, bus: LocalBus, *, include_media_paths: bool = False
    ) -> None:
        self.config = config
        self.bus = bus
        self.name = "mqtt"
        self.address = f"{config.host}:{config.port}"
        self.include_media_paths = include_media_paths
        self.available_topic = f"{config.prefix}/available"
        self._counts = Counters()
        self._drops = DropWatch(f"MQTT {self.address}")
        self._lock = threading.Lock()
        self._pending: dict[int, bool] = {}  # mid -> counts as sent once acknowledged
        self._acked_early: set[int] = set()  # acknowledged before publish() returned its mid
        self._retained: dict[str, str] = {}  # count topic -> last value published
        self._camera_topics: dict[str, set[str]] = {}
        self._connack = threading.Event()
        self._refused: str | None = None
        self._ever_connected = False
        self._stopping = False
        self._resync = threading.Event()
        self._abort = threading.Event()
        self._subscription: Subscription | None = None
        self._thread: threading.Thread | None = None
        self._client = self._make_client()

    def topic(self, *levels: str) -> str:
        return "/".join([self.config.prefix, *(topic_level(level) for level in levels)])

    def _make_client(self) -> mqtt.Client:
        config = self.config
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=config.client_id or f"citywatch-{secrets.token_hex(4)}",
            protocol=mqtt.MQTTv311,
            clean_session=True,
        )
        if config.username is not None:
            client.username_pw_set(config.username, config.password)
        if config.tls:
            client.tls_set(ca_certs=config.ca_file)
        client.will_set(self.available_topic, OFFLINE, qos=config.qos, retain=True)
        client.reconnect_delay_set(min_delay=1, max_delay=config.reconnect_max_s)
        client.max_queued_messages_set(config.queue_size)
        client.connect_timeout = config.connect_timeout_s
        client.enable_logger(logging.getLogger("citywatch.outputs.mqtt.paho"))
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        return client

    # -- start and stop ----------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the MQTT publisher is already started")
        config = self.config
        try:
            self._client.connect(config.host, config.port, keepalive=config.keepalive_s)
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
            raise OutputError(f"MQTT broker {self.address} unreachable: {reason}") from None
        self._client.loop_start()
        answered = self._connack.wait(config.connect_timeout_s)
        if not answered or self._refused is not None:
            self._client.disconnect()
            self._client.loop_stop()
            if not answered:
                raise OutputError(
                    f"MQTT broker {self.address} did not answer within {config.connect_timeout_s} s"
                )
            raise OutputError(f"MQTT broker {self.address} refused the connection: {self._refused}")
        self._subscription = self.bus.subscribe(*config.topics, maxsize=config.queue_size)
        self._thread = threading.Thread(target=self._run, name="citywatch-mqtt", daemon=True)
        self._thread.start()
        log.info("MQTT: publishing to %s under %s/", self.address, config.prefix)

    def close(self) -> None:
        if self._subscription is not None:
            self.bus.unsubscribe(self._subscription)  # queued messages are still published

    def stop(self, timeout: float = 5.0) -> None:
        """Publish what is queued and wait for the broker's acknowledgements for up to
        `timeout` s, then say `offline` (retained) and disconnect."""
        deadline = time.monotonic() + timeout
        self.close()
        if self._thread is not None:
            self._thread.join(max(0.0, deadline - time.monotonic()))
            if self._thread.is_alive():
                self._abort.set()
                self._thread.join(0.5)
        while self._pending and time.monotonic() < deadline:
            time.sleep(0.02)
        with self._lock:
            unacknowledged = sum(self._pending.values())
            self._pending.clear()
        if unacknowledged:
            self._counts.add("failed", unacknowledged)
            log.warning(
                "MQTT %s: %d messages not acknowledged at stop", self.address, unacknowledged
            )
        self._stopping = True
        if self._client.is_connected():
            info = self._client.publish(self.available_topic, OFFLINE, self.config.qos, True)
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(max(0.5, deadline - time.monotonic()))
        self._client.disconnect()
        self._client.loop_stop()

    def stats(self) -> OutputStats:
        queue_drops = self._subscription.dropped if self._subscription else 0
        return self._counts.snapshot(extra_dropped=queue_drops)

    # -- paho callbacks (its network thread) -------------------------------------------------

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if reason.is_failure:
            if not self._ever_connected:
                self._refused = str(reason)
                self._connack.set()
            else:
                log.warning("MQTT %s: reconnection refused: %s", self.address, reason)
            return
        # QoS 0: a state snapshot sent on each connection, which must not wait behind (or be
        # refused by) a queue full of messages from while the broker was away.
        self._publish(self.available_topic, ONLINE, retain=True, counted=False, qos=0)
        if self._ever_connected:
            self._counts.add("reconnects")
            self._resync.set()  # counts again, after paho has re-sent what was queued
            log.info("MQTT %s: reconnected", self.address)
        self._ever_connected = True
        self._connack.set()

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if self._ever_connected and not self._stopping:
            log.warning("MQTT %s: connection lost (%s); reconnecting", self.address, reason)

    def _on_publish(
        self, client: mqtt.Client, userdata: Any, mid: int, reason: Any, properties: Any
    ) -> None:
        with self._lock:
            counted = self._pending.pop(mid, None)
            if counted is None:
                self._acked_early.add(mid)
        if counted:
            self._counts.add("sent")

    # -- the publishing thread ---------------------------------------------------------------

    def _run(self) -> None:
        subscription = self._subscription
        assert subscription is not None
        while True:
            if self._resync.is_set():
                self._resync.clear()
                self._republish_counts()
            message = subscription.get(timeout=0.25)
            self._drops.check(subscription.dropped)
            if message is None:
                if subscription.closed:
                    return
                continue
            if self._abort.is_set():
                self._counts.add("dropped")
                continue
            if isinstance(message.payload, RemotePayload):
                continue  # raised on another node, whose own outputs send it
            try:
                self._handle(message)
            except Exception as error:  # the thread must outlive one bad message
                log.warning("MQTT %s: not published (%s: %s)", self.address, message.topic, error)
                self._counts.add("failed")

    def _handle(self, message: Message) -> None:
        if isinstance(message.payload, CountsMessage):
            self._publish_counts(message.payload)
            return
        payload = to_payload(message.payload, include_media_paths=self.include_media_paths)
        self._publish(self.topic(_JSON_TOPICS[payload["type"]]), encode(payload))

    def _publish_counts(self, message: CountsMessage) -> None:
        camera = topic_level(message.camera_id)
        now = {self.topic(camera, name): str(int(n)) for name, n in message.objects.items()}
        for zone, counts in message.zones.items():
            for name, n in counts.items():
                now[self.topic(camera, zone, name)] = str(int(n))
        with self._lock:
            known = self._camera_topics.setdefault(camera, set())
            for gone in known - now.keys():
                now[gone] = "0"
            known.update(now)
            changed = {t: v for t, v in now.items() if self._retained.get(t) != v}
            self._retained.update(changed)
        for topic, value in changed.items():
            self._publish(topic, value, retain=True)

    def _republish_counts(self) -> None:
        with self._lock:
            retained = dict(self._retained)
        for topic, value in retained.items():
            self._publish(topic, value, retain=True, counted=False, qos=0)  # as availability

    def _publish(
        self,
        topic: str,
        payload: bytes | str,
        *,
        retain: bool = False,
        counted: bool = True,
        qos: int | None = None,
    ) -> None:
        qos = self.config.qos if qos is None else qos
        info = self._client.publish(topic, payload, qos=qos, retain=retain)
        rc = info.rc
        if rc == MQTTErrorCode.MQTT_ERR_QUEUE_SIZE or (
            rc == MQTTErrorCode.MQTT_ERR_NO_CONN and qos == 0
        ):
            if counted:
                self._counts.add("dropped")
            return
        if rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            if counted:
                self._counts.add("failed")
            log.warning(
                "MQTT %s: cannot publish to %s: %s", self.address, topic, mqtt.error_string(rc)
            )
            return
        if rc == MQTTErrorCode.MQTT_ERR_NO_CONN and counted:
            self._counts.add("retried")  # queued; sent once the broker is back
        with self._lock:
            if info.mid in self._acked_early:
                self._acked_early.discard(info.mid)
                acknowledged = True
            else:
                self._pending[info.mid] = counted
                acknowledged = False
        if acknowledged and counted:
            self._counts.add("sent")
