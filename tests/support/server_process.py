"""Servers that tests start as processes of their own (mosquitto, redis-server) on free ports.

`ServerProcess` starts a command with its output in a log file, waits until `ready()` says the
server answers (or fails with that log), and stops it; a subclass gives the command, the check
and the log's name. `unavailable()` skips a test whose server is missing, except under CI
(`CI=true`), where it fails instead, so nothing is skipped silently.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(message + "; CI=true, so this is an error, not a skip")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


class ServerProcess:
    """A server process of a test's own on a free port, logging to `folder / log_name`."""

    name = "server"
    log_name = "server.log"

    def __init__(self, folder: Path) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> str:
        path = self.folder / self.log_name
        return path.read_text(errors="replace") if path.exists() else ""

    def command(self) -> list[str]:
        raise NotImplementedError

    def ready(self) -> bool:
        return listening(self.port)

    def start(self) -> None:
        command = self.command()
        with (self.folder / self.log_name).open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=log)
        deadline = time.monotonic() + 10
        while not self.ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start:\n{self.log}")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


Server = TypeVar("Server", bound=ServerProcess)


def own_server(
    parent: Path, binary: Path, needs: str, make: Callable[[Path], Server]
) -> Iterator[Server]:
    """Start `make(folder)` in a fresh folder under `parent`; stop it when the test is done.
    Without `binary` the test is `unavailable`, with `needs` saying what it wanted."""
    if not binary.exists():
        unavailable(f"this test starts its own {needs}")
    folder = parent / f"{binary.name}-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    server = make(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()
