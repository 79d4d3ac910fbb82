"""Redis Streams between nodes: each node's alerts and events reach every other node's bus.

With `bus.backend: redis`, a `RedisBridge` beside the in-process bus of each node:

- forwards what is published locally on the alerts, events, plate_alerts and counts topics to
  one stream a topic, `<stream_prefix>:<topic>` (XADD, trimmed to about `max_stream_length`),
  as the wire payload (citywatch.bus.payloads, media paths included: each receiving node's
  outputs decide) and the name of the node it came from;
- reads those streams (XREAD BLOCK, from what was newest when it started: a node that restarts
  does not replay history) and publishes what other nodes sent on its own bus as
  `RemotePayload` under the same topic, so the live feed and the outputs of every node see the
  alerts of all of them.

A RemotePayload is never forwarded and a node skips its own entries, so nothing loops. Nodes
must have distinct names (`bus.node`; by default host name and process id).

`start()` fails loudly (OutputError naming the URL, password masked) when Redis cannot be
reached or refuses the credentials. After that, a Redis that goes away is retried with backoff
on both threads; publishers never wait: the forwarder takes messages from a bounded
subscription on its own thread, and while Redis is away the oldest are dropped and counted.
Delivery is at least once: a batch cut off by a lost connection is sent again, and receivers
dedupe on the payload's `id` as they do for webhooks.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from citywatch.bus.local import LocalBus, Message, Subscription
from citywatch.bus.messages import (
    ALERTS_TOPIC,
    COUNTS_TOPIC,
    EVENTS_TOPIC,
    PLATE_ALERTS_TOPIC,
    RemotePayload,
)
from citywatch.bus.outputs import DropWatch, OutputError
from citywatch.bus.payloads import encode, to_payload
from citywatch.core.redact import mask_url

if TYPE_CHECKING:
    from citywatch.config.bus import BusConfig

log = logging.getLogger("citywatch.bus")

BRIDGED_TOPICS = (ALERTS_TOPIC, EVENTS_TOPIC, PLATE_ALERTS_TOPIC, COUNTS_TOPIC)
ORIGIN_FIELD = "origin"
PAYLOAD_FIELD = "payload"
BATCH = 500  # entries a forward or a read handles at once
# Errors after which a command is tried again, with backoff: a lost connection mostly, but also
# a Redis refusing for a while (loading, out of memory), never a reason to end a thread.
_TROUBLE = (redis.exceptions.RedisError, OSError)


def default_node() -> str:
    """`<hostname>-<pid>`: distinct for every process, also several on one machine."""
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass(frozen=True)
class BridgeStats:
    """Messages `forwarded` to Redis, `received` from other nodes and put on the bus,
    `dropped` (never forwarded: the queue was full, or the bridge stopped first), `failed`
    (entries that could not be encoded or decoded), `reconnects` (connections regained)."""

    forwarded: int = 0
    received: int = 0
    dropped: int = 0
    failed: int = 0
    reconnects: int = 0


class RedisBridge:
    def __init__(
        self,
        bus: LocalBus,
        config: BusConfig,
        *,
        queue_size: int = 10_000,
        block_s: float = 0.5,
        backoff_s: float = 0.2,
        max_backoff_s: float = 5.0,
        connect_timeout_s: float = 5.0,
    ) -> None:
        if config.url is None:
            raise ValueError("RedisBridge needs bus.url")
        self.bus = bus
        self.config = config
        self.url = mask_url(config.url)
        self.node = config.node or default_node()
        self.streams = {topic: f"{config.stream_prefix}:{topic}" for topic in BRIDGED_TOPICS}
        self._topics = {stream: topic for topic, stream in self.streams.items()}
        self.queue_size = queue_size
        self.block_ms = max(1, int(block_s * 1000))
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.connect_timeout_s = connect_timeout_s
        self._lock = threading.Lock()
        self._counts = {"forwarded": 0, "received": 0, "dropped": 0, "failed": 0, "reconnects": 0}
        self._stopping = threading.Event()  # the reader ends
        self._abort = threading.Event()  # the forwarder gives up on what it still holds
        self._client: redis.Redis | None = None
        self._subscription: Subscription | None = None
        self._threads: list[threading.Thread] = []
        self._drops = DropWatch(f"Redis bus {self.url}")

    # -- starting and stopping -------------------------------------------------------------

    def start(self) -> None:
        """Connect, note where each stream ends now, then forward and read on two threads.
        OutputError (one line naming the URL) when Redis is unreachable or refuses us."""
        if self._threads:
            raise RuntimeError(f"the Redis bus bridge to {self.url} is already started")
        assert self.config.url is not None
        client: redis.Redis | None = None
        try:
            client = redis.Redis.from_url(
                self.config.url,
                decode_responses=True,
                socket_connect_timeout=self.connect_timeout_s,
                socket_timeout=self.connect_timeout_s + self.block_ms / 1000,
                retry=Retry(NoBackoff(), 0),  # this module retries, with its own backoff
                client_name=_client_name(self.node),
            )
            client.ping()
            start_ids = {stream: self._last_id(client, stream) for stream in self._topics}
        except (redis.exceptions.RedisError, OSError, ValueError) as error:
            if client is not None:
                client.close()
            raise OutputError(f"Redis bus {self.url}: cannot connect ({_reason(error)})") from None
        self._client = client
        self._subscription = self.bus.subscribe(*BRIDGED_TOPICS, maxsize=self.queue_size)
        self._threads = [
            threading.Thread(target=self._forward, name="citywatch-redis-forward", daemon=True),
            threading.Thread(
                target=self._read, args=(start_ids,), name="citywatch-redis-read", daemon=True
            ),
        ]
        for thread in self._threads:
            thread.start()
        log.info("Redis bus %s: node %s bridges %s", self.url, self.node, ", ".join(self._topics))

    def stop(self, timeout: float = 5.0) -> None:
        """Forward what is queued for up to `timeout` s (what is left then counts as dropped),
        stop reading, and join both threads."""
        if self._subscription is not None:
            self.bus.unsubscribe(self._subscription)  # queued messages are still forwarded
        self._stopping.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if any(thread.is_alive() for thread in self._threads):
            self._abort.set()  # ends a backoff wait now
            for thread in self._threads:
                thread.join(self.connect_timeout_s + self.block_ms / 1000 + 1)
            log.warning("Redis bus %s: stopped before its queue was forwarded", self.url)
        if self._client is not None:
            self._client.close()

    def stats(self) -> BridgeStats:
        with self._lock:
            counts = dict(self._counts)
        if self._subscription is not None:
            counts["dropped"] += self._subscription.dropped
        return BridgeStats(**counts)

    def _count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n

    # -- forwarding: local bus -> Redis ----------------------------------------------------

    def _forward(self) -> None:
        subscription = self._subscription
        assert subscription is not None
        while True:
            first = subscription.get(timeout=0.25)
            self._drops.check(subscription.dropped)
            if first is None:
                if subscription.closed:
                    return
                continue
            batch = [first]
            while len(batch) < BATCH:
                more = subscription.get(timeout=0)
                if more is None:
                    break
                batch.append(more)
            entries = [e for e in map(self._entry, batch) if e is not None]
            if entries and not self._send(entries):
                self._count("dropped", len(entries))

    def _entry(self, message: Message) -> tuple[str, dict[str, str]] | None:
        """(stream, fields) for a local message; None for what is not forwarded."""
        if isinstance(message.payload, RemotePayload):
            return None  # heard from another node: it is there already
        stream = self.streams.get(message.topic)
        if stream is None:
            return None
        try:
            payload = to_payload(message.payload, include_media_paths=True)
            body = encode(payload).decode("utf-8")
        except (TypeError, ValueError) as error:
            log.warning("Redis bus %s: not forwarded (%s on %s)", self.url, error, message.topic)
            self._count("failed")
            return None
        return stream, {ORIGIN_FIELD: self.node, PAYLOAD_FIELD: body}

    def _send(self, entries: list[tuple[str, dict[str, str]]]) -> bool:
        """XADD the entries in order, retrying while Redis is away; False once aborted."""
        assert self._client is not None
        failures = 0
        while not self._abort.is_set():
            try:
                pipe = self._client.pipeline(transaction=False)
                for stream, fields in entries:
                    pipe.xadd(
                        stream,
                        fields,  # type: ignore[arg-type]
                        maxlen=self.config.max_stream_length,
                        approximate=True,
                    )
                pipe.execute()
            except _TROUBLE as error:
                failures += 1
                self._lost("forwarding", error, failures)
                self._abort.wait(self._delay(failures))
                continue
            if failures:
                self._regained("forwarding")
            self._count("forwarded", len(entries))
            return True
        return False

    # -- reading: Redis -> local bus -------------------------------------------------------

    def _read(self, last_ids: dict[str, str]) -> None:
        assert self._client is not None
        failures = 0
        while not self._stopping.is_set():
            try:
                response: Any = self._client.xread(
                    last_ids,  # type: ignore[arg-type]
                    count=BATCH,
                    block=self.block_ms,
                )
            except _TROUBLE as error:
                if self._stopping.is_set():
                    return
                failures += 1
                self._lost("reading", error, failures)
                self._stopping.wait(self._delay(failures))
                continue
            if failures:
                failures = 0
                self._regained("reading")
            for stream, entries in response or []:
                for entry_id, fields in entries:
                    last_ids[stream] = entry_id
                    self._receive(self._topics[stream], entry_id, fields)

    def _receive(self, topic: str, entry_id: str, fields: dict[str, str]) -> None:
        origin = fields.get(ORIGIN_FIELD)
        if origin == self.node:
            return  # our own, forwarded earlier
        try:
            payload = json.loads(fields[PAYLOAD_FIELD])
            if not isinstance(payload, dict) or origin is None:
                raise ValueError("not a citywatch bus entry")
        except (KeyError, ValueError) as error:
            log.warning(
                "Redis bus %s: skipped entry %s on %s (%s)", self.url, entry_id, topic, error
            )
            self._count("failed")
            return
        self._count("received")  # first, so whoever hears it sees it counted
        self.bus.publish(topic, RemotePayload(topic, payload, origin))

    # -- connection trouble ----------------------------------------------------------------

    def _delay(self, failures: int) -> float:
        return float(min(self.max_backoff_s, self.backoff_s * 2 ** min(failures - 1, 16)))

    def _lost(self, what: str, error: BaseException, failures: int) -> None:
        if failures == 1:
            log.warning(
                "Redis bus %s: trouble while %s (%s); retrying with backoff",
                self.url,
                what,
                _reason(error),
            )

    def _regained(self, what: str) -> None:
        log.info("Redis bus %s: reconnected (%s)", self.url, what)
        self._count("reconnects")

    @staticmethod
    def _last_id(client: redis.Redis, stream: str) -> str:
        """The id of the newest entry of `stream` ('0-0' while there is none)."""
        newest: Any = client.xrevrange(stream, count=1)
        return str(newest[0][0]) if newest else "0-0"


def start_bridge(config: BusConfig, bus: LocalBus) -> RedisBridge | None:
    """The bridge `config` asks for, started on `bus`; None for the in-process backend."""
    if config.backend == "local":
        return None
    bridge = RedisBridge(bus, config)
    bridge.start()
    return bridge


def _client_name(node: str) -> str:
    """CLIENT SETNAME takes printable ASCII without spaces."""
    return "".join(c if "!" <= c <= "~" else "_" for c in f"citywatch-{node}")[:100]


def _reason(error: BaseException) -> str:
    """An exception as one line, without the traceback's repetition."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text.rstrip(".")
