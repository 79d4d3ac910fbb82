"""A real HTTP server (uvicorn, in a thread) over the data routers, for what a test client
cannot show: streams that never end on their own, and what happens when the client goes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from api_seed import Served, as_role, make_app, make_services
from server_process import free_port

from citywatch.api.roles import Role


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    services = make_services(tmp_path / "data")
    app = make_app(services)
    as_role(app, Role.VIEWER)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.02)
    try:
        yield Served(f"http://127.0.0.1:{port}", services)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        services.store.close()
