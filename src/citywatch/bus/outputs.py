"""Starting and stopping the outputs a configuration asks for (webhooks, MQTT), as one unit.

Each output subscribes to the bus with its own bounded queue and works on its own thread, so
a slow receiver or a broker that went away never holds up the pipeline: it loses its oldest
messages instead, and counts them. The modules of the outputs (httpx, paho) are imported only
when configured, so a run without outputs does not pay for them.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from citywatch.core.errors import CitywatchError

if TYPE_CHECKING:
    from citywatch.bus.local import LocalBus
    from citywatch.config.outputs import OutputsConfig

log = logging.getLogger("citywatch.outputs")


class OutputError(CitywatchError):
    """An output that cannot start: a broker unreachable or refusing the credentials."""


@dataclass(frozen=True)
class OutputStats:
    """Messages `sent` (acknowledged), `retried` (attempts after the first), `failed` (given
    up on), `dropped` (lost unsent: the queue was full, or the output stopped first)."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    reconnects: int = 0


class Counters:
    """OutputStats being counted, from more than one thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = {"sent": 0, "retried": 0, "failed": 0, "dropped": 0, "reconnects": 0}

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n

    def snapshot(self, extra_dropped: int = 0) -> OutputStats:
        with self._lock:
            counts = dict(self._counts)
        counts["dropped"] += extra_dropped
        return OutputStats(**counts)


class DropWatch:
    """Logs queue drops as they happen, at most once every `every_s` seconds."""

    def __init__(self, name: str, every_s: float = 30.0) -> None:
        self.name = name
        self.every_s = every_s
        self._reported = 0
        self._last_log = -every_s

    def check(self, dropped: int) -> None:
        now = time.monotonic()
        if dropped > self._reported and now - self._last_log >= self.every_s:
            log.warning(
                "%s: %d messages dropped so far (it does not keep up; the oldest go first)",
                self.name,
                dropped,
            )
            self._reported = dropped
            self._last_log = now


class Output(Protocol):
    name: str

    def close(self) -> None:
        """Stop taking new messages; those already queued are still delivered."""

    def stop(self, timeout: float) -> None:
        """Deliver what is queued within `timeout` seconds, then let go of the connection."""

    def stats(self) -> OutputStats: ...


class Outputs:
    def __init__(self, outputs: list[Output]) -> None:
        self.outputs = outputs

    def stop(self, timeout: float = 5.0) -> None:
        """Flush what each output can within `timeout` seconds in all, then stop them."""
        deadline = time.monotonic() + timeout
        for output in self.outputs:
            output.close()  # all at once, so they flush side by side
        for output in self.outputs:
            output.stop(max(0.0, deadline - time.monotonic()))

    def stats(self) -> dict[str, OutputStats]:
        return {output.name: output.stats() for output in self.outputs}


def start_outputs(config: OutputsConfig, bus: LocalBus) -> Outputs:
    """Start every configured output on `bus`. OutputError (none left running) if one cannot."""
    started: list[Output] = []
    try:
        for i, hook in enumerate(config.webhooks):
            from citywatch.bus.webhooks import WebhookSender

            sender = WebhookSender(
                hook,
                bus,
                name=hook.name or f"webhooks[{i}]",
                include_media_paths=config.include_media_paths,
            )
            sender.start()
            started.append(sender)
        if config.mqtt is not None:
            from citywatch.bus.mqtt import MqttPublisher

            publisher = MqttPublisher(
                config.mqtt, bus, include_media_paths=config.include_media_paths
            )
            publisher.start()
            started.append(publisher)
    except BaseException:
        Outputs(started).stop(timeout=1.0)
        raise
    for output in started:
        log.info("output %s started", output.name)
    return Outputs(started)
