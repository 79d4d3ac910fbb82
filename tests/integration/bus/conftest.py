"""Real receivers for the bus tests: an HTTP server on a thread, a mosquitto broker, Redis.

MQTT tests start their own mosquitto (`/usr/sbin/mosquitto`, Debian's package, which
`scripts/services start` installs) on a free port, so they can stop, restart and configure it.
Without the binary, tests that only publish use `CITYWATCH_TEST_MQTT_URL`
(e.g. mqtt://127.0.0.1:1883). Redis tests use the Redis that `CITYWATCH_TEST_REDIS_URL` names;
those that stop, restart or lock Redis start their own `/usr/bin/redis-server` on a free port.
Without what they need they skip with a message, and under CI (`CI=true`) they fail instead, so
nothing is skipped silently (tests/support/server_process.py).
"""

from __future__ import annotations

import functools
import json
import os
import pwd
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from server_process import ServerProcess, own_server, unavailable
from shared_services import redis_answers

from citywatch.bus.webhooks import SIGNATURE_HEADER, verify_signature

# Overridable to try the fallbacks: CITYWATCH_TEST_MOSQUITTO=/nonexistent.
MOSQUITTO = Path(os.environ.get("CITYWATCH_TEST_MOSQUITTO", "/usr/sbin/mosquitto"))
MOSQUITTO_PASSWD = Path("/usr/bin/mosquitto_passwd")
MQTT_ENV = "CITYWATCH_TEST_MQTT_URL"
REDIS_ENV = "CITYWATCH_TEST_REDIS_URL"
REDIS_SERVER = Path(os.environ.get("CITYWATCH_TEST_REDIS_SERVER", "/usr/bin/redis-server"))
SECRET = "test-secret-0123456789"


# -- HTTP --------------------------------------------------------------------------------------


@dataclass
class Request:
    headers: dict[str, str]
    body: bytes
    signed: bool

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers `statuses` in turn (then 200), or hangs while `hang` is set; checks signatures."""

    secret: str = SECRET
    statuses: list[int] = field(default_factory=list)
    retry_after: str | None = None
    hang: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    requests: list[Request] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def handle(self, handler: BaseHTTPRequestHandler) -> int:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        signed = verify_signature(body, handler.headers.get(SIGNATURE_HEADER), self.secret)
        with self.arrived:
            self.requests.append(Request(dict(handler.headers.items()), body, signed))
            status = self.statuses.pop(0) if self.statuses else 200
            self.arrived.notify_all()
        if self.hang.is_set():
            self.release.wait(30)
        return status

    def wait_for(self, n: int, timeout: float = 10.0) -> list[Request]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.requests) >= n, timeout)
            return list(self.requests)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            status = state.handle(self)
            self.send_response(status)
            if state.retry_after is not None and status in (429, 503):
                self.send_header("Retry-After", state.retry_after)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


# -- MQTT --------------------------------------------------------------------------------------


class Broker(ServerProcess):
    """A mosquitto process of our own on a free port: anonymous, or with `users` only."""

    name = "mosquitto"
    log_name = "mosquitto.log"

    def __init__(self, folder: Path, users: dict[str, str] | None = None) -> None:
        super().__init__(folder)
        self.users = users

    def command(self) -> list[str]:
        lines = [f"listener {self.port} 127.0.0.1", "persistence false"]
        # As root mosquitto would switch to its own user, which cannot read pytest's tmp_path.
        lines.append(f"user {pwd.getpwuid(os.geteuid()).pw_name}")
        if self.users:
            passwords = self.folder / "passwords"
            passwords.write_text("")
            for user, password in self.users.items():
                subprocess.run(
                    [str(MOSQUITTO_PASSWD), "-b", str(passwords), user, password],
                    check=True,
                    capture_output=True,
                )
            lines += ["allow_anonymous false", f"password_file {passwords}"]
        else:
            lines.append("allow_anonymous true")
        config = self.folder / "mosquitto.conf"
        config.write_text("\n".join(lines) + "\n")
        return [str(MOSQUITTO), "-c", str(config), "-v"]


@dataclass
class ExternalBroker:
    host: str
    port: int


def _own_broker(tmp_path: Path, users: dict[str, str] | None = None) -> Iterator[Broker]:
    needs = f"broker and needs {MOSQUITTO} (apt-get mosquitto)"
    yield from own_server(tmp_path, MOSQUITTO, needs, lambda folder: Broker(folder, users))


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[Broker]:
    """A mosquitto of this test's own, which it may stop and restart."""
    yield from _own_broker(tmp_path)


@pytest.fixture
def auth_broker(tmp_path: Path) -> Iterator[Broker]:
    """A mosquitto that takes only user `citywatch`, password `right-password`."""
    yield from _own_broker(tmp_path, {"citywatch": "right-password"})


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker | ExternalBroker]:
    """A broker to publish to: our own mosquitto, else the one CITYWATCH_TEST_MQTT_URL names."""
    if MOSQUITTO.exists():
        yield from _own_broker(tmp_path)
        return
    url = os.environ.get(MQTT_ENV, "").strip()
    if not url:
        unavailable(
            f"MQTT tests need {MOSQUITTO} or {MQTT_ENV} (e.g. mqtt://127.0.0.1:1883; "
            '`eval "$(scripts/services start)"` sets both up)'
        )
    parts = urlsplit(url)
    yield ExternalBroker(parts.hostname or "127.0.0.1", parts.port or 1883)


@pytest.fixture
def prefix() -> str:
    """A topic or stream prefix of this test's own, so tests on a shared broker or Redis
    neither hear each other nor mix their retained topics."""
    return f"cwtest-{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    retain: bool

    @property
    def text(self) -> str:
        return self.payload.decode()

    @property
    def json(self) -> Any:
        return json.loads(self.payload)


class Listener:
    """A paho subscriber that keeps everything it receives under `topic`."""

    def __init__(self, host: str, port: int, topic: str) -> None:
        self.messages: list[Received] = []
        self._changed = threading.Condition()
        self._subscribed = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"listener-{uuid.uuid4()}")
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *args: self._subscribed.set()
        self.client.on_connect = lambda client, *args: client.subscribe(topic, qos=1)
        self.client.connect(host, port, keepalive=10)
        self.client.loop_start()
        if not self._subscribed.wait(5):
            raise RuntimeError(f"could not subscribe to {topic} on {host}:{port}")

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._changed:
            self.messages.append(Received(message.topic, message.payload, bool(message.retain)))
            self._changed.notify_all()

    def wait_for(
        self, predicate: Callable[[Received], bool], timeout: float = 10.0
    ) -> Received | None:
        with self._changed:
            found: list[Received] = []

            def seen() -> bool:
                found[:] = [m for m in self.messages if predicate(m)]
                return bool(found)

            self._changed.wait_for(seen, timeout)
            return found[-1] if found else None

    def on(self, topic: str, timeout: float = 10.0, text: str | None = None) -> Received | None:
        return self.wait_for(
            lambda m: m.topic == topic and (text is None or m.text == text), timeout
        )

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def listen() -> Iterator[Callable[..., Listener]]:
    listeners: list[Listener] = []

    def make(host: str, port: int, topic: str) -> Listener:
        listener = Listener(host, port, topic)
        listeners.append(listener)
        return listener

    yield make
    for listener in listeners:
        listener.close()


# -- Redis -------------------------------------------------------------------------------------


class RedisServer(ServerProcess):
    """A redis-server of this test's own on a free port, without persistence."""

    name = "redis-server"
    log_name = "redis.log"

    def __init__(self, folder: Path, password: str | None = None) -> None:
        super().__init__(folder)
        self.password = password

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        command = [str(REDIS_SERVER), "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        command += ["--dir", str(self.folder)]
        if self.password:
            command += ["--requirepass", self.password]
        return command

    def ready(self) -> bool:
        return redis_answers(self.url)


_REDIS_NEEDS = f"Redis and needs {REDIS_SERVER} (redis-server)"


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own, which it may stop and restart."""
    yield from own_server(tmp_path, REDIS_SERVER, _REDIS_NEEDS, RedisServer)


@pytest.fixture
def locked_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis that takes password `right-password` only."""
    locked = functools.partial(RedisServer, password="right-password")
    yield from own_server(tmp_path, REDIS_SERVER, _REDIS_NEEDS, locked)
