"""`citywatch serve --config cameras.yaml`: the HTTP API and web UI, with the cameras beside them.

One process: the pipeline runs the configured cameras on the same store and bus the API reads,
and uvicorn serves on a thread of its own. Ctrl-C (or SIGTERM) stops the server and the
cameras, writes out open tracks and closes the store. With `--no-pipeline` (or no enabled
camera) it serves what is stored, e.g. beside `citywatch run` processes on a shared database.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from citywatch.cli.common import registry_for, stderr
from citywatch.config import load_config

if TYPE_CHECKING:
    from citywatch.api.server import ApiServer
    from citywatch.pipeline.service import RunningPipeline
    from citywatch.store import Store

log = logging.getLogger("citywatch.cli")

DATA_DIR = typer.Option(Path("citywatch-data"), "--data-dir", help="database, media, indexes")
MODEL_DIR = typer.Option(None, "--model-dir", help="model directory (else CITYWATCH_MODEL_DIR)")


def serve(
    config: Path = typer.Option(..., "--config", "-c", help="cameras and pipeline settings (YAML)"),
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on (0.0.0.0: all)"),
    port: int = typer.Option(8080, "--port", min=0, max=65535, help="port to listen on"),
    data_dir: Path = DATA_DIR,
    model_dir: Path | None = MODEL_DIR,
    no_pipeline: bool = typer.Option(False, "--no-pipeline", help="serve stored data; no cameras"),
    secure_cookies: bool = typer.Option(
        False, "--secure-cookies", help="send the session cookie over HTTPS only (behind TLS)"
    ),
) -> None:
    """Serve the API and web UI and run the cameras of a configuration file (Ctrl-C stops)."""
    from citywatch.api.app import create_app
    from citywatch.api.server import ApiServer
    from citywatch.api.services import ApiServices
    from citywatch.bus.local import LocalBus
    from citywatch.pipeline.service import load_models, start_pipeline
    from citywatch.store import open_store_from_config

    settings = load_config(config)
    registry = registry_for(settings, model_dir)
    cameras = not no_pipeline and any(c.enabled for c in settings.cameras)
    if not no_pipeline and not cameras:
        log.warning("no enabled cameras in %s: serving stored data only", config)
    models = load_models(settings, registry) if cameras else None  # before the store opens
    store = open_store_from_config(settings.storage, data_dir)
    try:
        _warn_without_admin(store, data_dir)
        bus = LocalBus()
        services = ApiServices(
            config=settings,
            store=store,
            data_dir=store.data_dir,
            bus=bus,
            registry=registry,
            secure_cookies=secure_cookies,
        )
        stop = threading.Event()
        handlers = {
            sig: signal.signal(sig, lambda *_: stop.set())
            for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            server = ApiServer(create_app(services), host, port).start()
            running = None
            try:
                if models is not None:
                    running = start_pipeline(
                        settings, store, models, bus=bus, frames=services.frames
                    )
                stderr.print(f"citywatch is serving on {server.url} (Ctrl-C stops)")
                _wait(stop, server, running)
            finally:
                if running is not None:
                    running.stop()
                server.stop()
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
    finally:
        store.close()


def _wait(stop: threading.Event, server: ApiServer, running: RunningPipeline | None) -> None:
    """Until a signal, or the server dies. Cameras ending (files) leave the API serving."""
    cameras_done = running is None
    while not stop.is_set():
        if not server.running:
            raise typer.Exit(1)  # uvicorn logged why
        if cameras_done or running is None:
            stop.wait(0.5)
            continue
        # wait() also nudges the store to commit what quiet cameras left buffered.
        cameras_done = running.runner.wait(timeout=0.5)
        if cameras_done:
            failures = running.runner.failures()
            if failures:
                log.error("analysis failed: %s", "; ".join(failures))
            else:
                log.info("every camera's source has ended; the API keeps serving")


def _warn_without_admin(store: Store, data_dir: Path) -> None:
    from citywatch.api.roles import Role
    from citywatch.store.users import UserRecords

    if UserRecords(store).count_users(Role.ADMIN, active_only=True) == 0:
        log.warning(
            "no admin can sign in yet: create one with "
            "`citywatch users add NAME --role admin --data-dir %s`",
            data_dir,
        )
