"""Signed webhooks: each bus message POSTed as JSON to an HTTP endpoint, retried with backoff.

Headers a receiver sees:

- `X-Citywatch-Signature: sha256=<hex>`: HMAC-SHA256 of the exact body bytes with the shared
  secret; check it with `verify_signature` (or its few lines in any language) before
  trusting anything in the body.
- `X-Citywatch-Timestamp`: Unix seconds when this attempt was sent.
- `Idempotency-Key`: the payload's `id`, the same on every retry, so a receiver that saw a
  request time out on our side but succeed on its side can drop the repeat.
- `X-Citywatch-Topic`: the bus topic (alerts, events, plate_alerts, counts).

Delivery runs on one thread per endpoint, in order. Connection errors, timeouts, 5xx and 429
are retried with exponential backoff and jitter (a `Retry-After` in seconds is honoured up to
`max_backoff_s`) until `max_attempts`; then one line is logged and the message is counted as
failed. Other 4xx are the receiver saying no, and are not retried.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import random
import threading
import time
from dataclasses import dataclass

import httpx

from citywatch import __version__
from citywatch.bus.local import LocalBus, Message, Subscription
from citywatch.bus.messages import RemotePayload
from citywatch.bus.outputs import Counters, DropWatch, OutputStats
from citywatch.bus.payloads import encode, to_payload
from citywatch.config.outputs import WebhookConfig
from citywatch.core.redact import mask_url

log = logging.getLogger("citywatch.outputs.webhooks")

SIGNATURE_HEADER = "X-Citywatch-Signature"
TIMESTAMP_HEADER = "X-Citywatch-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
TOPIC_HEADER = "X-Citywatch-Topic"


def sign(body: bytes, secret: str) -> str:
    """The signature header value for `body`: 'sha256=<hex HMAC-SHA256>'."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(body: bytes, header: str | None, secret: str) -> bool:
    """True when `header` (X-Citywatch-Signature) is the signature of these exact body bytes.

    Compare before parsing: re-serialised JSON is not the same bytes. Constant-time.
    """
    if not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(header.encode("ascii", "replace"), sign(body, secret).encode())


def backoff_delay(
    attempt: int, base_s: float, max_s: float, rng: random.Random, retry_after: float | None = None
) -> float:
    """Seconds to wait after failed attempt number `attempt` (1, 2, ...).

    Doubling from `base_s`, capped at `max_s`, then scaled by a random factor in [0.5, 1) so
    many senders that failed together do not retry together. A receiver's Retry-After wins
    when longer, still capped at `max_s`.
    """
    ceiling = min(max_s, base_s * 2 ** (attempt - 1))
    delay = ceiling * (0.5 + 0.5 * rng.random())
    if retry_after is not None:
        delay = max(delay, min(max_s, retry_after))
    return delay


@dataclass(frozen=True)
class _Attempt:
    ok: bool
    retry: bool
    reason: str
    retry_after: float | None = None


class WebhookSender:
    def __init__(
        self,
        config: WebhookConfig,
        bus: LocalBus,
        *,
        name: str | None = None,
        include_media_paths: bool = False,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.bus = bus
        self.url = mask_url(config.url)
        self.name = name or f"webhook {self.url}"
        self.include_media_paths = include_media_paths
        self._rng = rng or random.Random()
        self._counts = Counters()
        self._abort = threading.Event()
        self._subscription: Subscription | None = None
        self._thread: threading.Thread | None = None
        self._client: httpx.Client | None = None
        self._drops = DropWatch(self.name)

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError(f"{self.name} is already started")
        self._client = httpx.Client(
            timeout=self.config.timeout_s,
            follow_redirects=False,
            headers={"User-Agent": f"citywatch/{__version__}"},
        )
        self._subscription = self.bus.subscribe(*self.config.topics, maxsize=self.config.queue_size)
        self._thread = threading.Thread(target=self._run, name=f"citywatch-{self.name}")
        self._thread.daemon = True  # a receiver that hangs must not keep the process alive
        self._thread.start()

    def close(self) -> None:
        if self._subscription is not None:
            self.bus.unsubscribe(self._subscription)  # queued messages are still delivered

    def stop(self, timeout: float = 5.0) -> None:
        """Deliver what is queued for up to `timeout` s; what is left then counts as dropped."""
        self.close()
        if self._thread is None:
            return
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._abort.set()  # ends a backoff wait now, an HTTP request at its timeout
            self._thread.join(0.1)
            log.warning("%s: stopped before its queue was delivered", self.name)

    def stats(self) -> OutputStats:
        queue_drops = self._subscription.dropped if self._subscription else 0
        return self._counts.snapshot(extra_dropped=queue_drops)

    # -- the delivery thread -----------------------------------------------------------------

    def _run(self) -> None:
        subscription = self._subscription
        assert subscription is not None and self._client is not None
        try:
            while True:
                message = subscription.get(timeout=0.5)
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
                    self._deliver(message)
                except Exception as error:  # the thread must outlive one bad message
                    log.warning("%s: not sent (%s: %s)", self.name, type(error).__name__, error)
                    self._counts.add("failed")
        finally:
            self._client.close()

    def _deliver(self, message: Message) -> None:
        try:
            payload = to_payload(message.payload, include_media_paths=self.include_media_paths)
            body = encode(payload)
        except (TypeError, ValueError) as error:
            log.warning("%s: not sent (%s on topic %s)", self.name, error, message.topic)
            self._counts.add("failed")
            return
        message_id = str(payload["id"])
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(body, self.config.secret),
            IDEMPOTENCY_HEADER: message_id,
            TOPIC_HEADER: message.topic,
        }
        attempt = 1
        while True:
            result = self._post(body, headers)
            if result.ok:
                self._counts.add("sent")
                return
            if not result.retry or attempt >= self.config.max_attempts:
                break
            delay = backoff_delay(
                attempt,
                self.config.backoff_s,
                self.config.max_backoff_s,
                self._rng,
                result.retry_after,
            )
            if self._abort.wait(delay):
                break
            attempt += 1
            self._counts.add("retried")
        self._counts.add("failed")
        log.warning(
            "%s: gave up on %s %s after %d attempt%s: %s",
            self.name,
            message.topic,
            message_id,
            attempt,
            "" if attempt == 1 else "s",
            result.reason,
        )

    def _post(self, body: bytes, headers: dict[str, str]) -> _Attempt:
        assert self._client is not None
        headers = {**headers, TIMESTAMP_HEADER: str(int(time.time()))}
        try:
            response = self._client.post(self.config.url, content=body, headers=headers)
        except httpx.TransportError as error:
            reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            return _Attempt(ok=False, retry=True, reason=mask_url(reason))
        status = response.status_code
        if 200 <= status < 300:
            return _Attempt(ok=True, retry=False, reason="")
        retry = status == 429 or status >= 500
        reason = f"HTTP {status} {response.reason_phrase}".rstrip()
        return _Attempt(ok=False, retry=retry, reason=reason, retry_after=_retry_after(response))


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds (the HTTP-date form is rare from webhooks receivers; ignored)."""
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
