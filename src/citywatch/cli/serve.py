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
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from citywatch.cli.common import registry_for, stderr
from citywatch.config import CitywatchConfig, load_config

if TYPE_CHECKING:
    from citywatch.api.server import ApiServer
    from citywatch.models import ModelRegistry
    from citywatch.pipeline.service import Models, Prepare, RunningPipeline
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
    from citywatch.pipeline.service import load_models
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
        site = Site(settings, store, registry, models, config_path=config)
        serve_site(site, host, port, secure_cookies=secure_cookies)
    finally:
        store.close()


@dataclass
class Site:
    """What one serving process runs: the configuration, its store and models (None: no
    cameras are run), and the file the configuration came from (camera edits go there)."""

    config: CitywatchConfig
    store: Store
    registry: ModelRegistry
    models: Models | None
    config_path: Path | None = None
    before_start: Prepare | None = None


def serve_site(
    site: Site,
    host: str,
    port: int,
    *,
    secure_cookies: bool = False,
    on_ready: Callable[[str], None] | None = None,
    duration: float | None = None,
    until_cameras_end: bool = False,
) -> None:
    """Serve the API and web UI and run the site's cameras until Ctrl-C/SIGTERM, `duration`
    seconds, or (with `until_cameras_end`) every camera's source ending. `on_ready` gets the
    URL once the server listens and the cameras run."""
    from citywatch.api.app import create_app
    from citywatch.api.server import ApiServer
    from citywatch.api.services import ApiServices
    from citywatch.bus.local import LocalBus
    from citywatch.bus.redis import start_bridge
    from citywatch.pipeline.service import start_pipeline
    from citywatch.privacy.scheduler import RetentionScheduler

    bus = LocalBus()
    services = ApiServices(
        config=site.config,
        store=site.store,
        data_dir=site.store.data_dir,
        bus=bus,
        registry=site.registry,
        config_path=site.config_path,
        secure_cookies=secure_cookies,
    )
    if site.models is not None and site.models.faces is not None:
        services.share_faces(site.models.faces)  # one copy of the face models in the process
    bridge = start_bridge(site.config.bus, bus)  # None unless bus.backend is redis
    stop = threading.Event()
    handlers = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        server = ApiServer(create_app(services), host, port).start()
        running = None
        purges = RetentionScheduler(
            site.store, lambda: services.config, lock=services.face_index_lock
        ).start()
        try:
            if site.models is not None:
                running = start_pipeline(
                    site.config,
                    site.store,
                    site.models,
                    bus=bus,
                    frames=services.frames,
                    before_start=site.before_start,
                    model_dir=site.registry.model_dir,
                )
            if on_ready is not None:
                on_ready(server.url)
            else:
                stderr.print(f"citywatch is serving on {server.url} (Ctrl-C stops)")
            _wait(stop, server, running, until_cameras_end, duration)
        finally:
            purges.stop()
            if running is not None:
                running.stop()
            server.stop()
    finally:
        if bridge is not None:
            bridge.stop()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def _wait(
    stop: threading.Event,
    server: ApiServer,
    running: RunningPipeline | None,
    until_cameras_end: bool,
    duration: float | None,
) -> None:
    """Until a signal, `duration`, or the server dies. Cameras ending (files) leave the API
    serving unless `until_cameras_end`."""
    deadline = None if duration is None else time.monotonic() + duration
    cameras_done = running is None
    while not stop.is_set():
        if not server.running:
            raise typer.Exit(1)  # uvicorn logged why
        if deadline is not None and time.monotonic() >= deadline:
            return
        if cameras_done or running is None:
            stop.wait(0.5)
            continue
        # wait() also nudges the store to commit what quiet cameras left buffered.
        cameras_done = running.runner.wait(timeout=0.5)
        if cameras_done:
            failures = running.runner.failures()
            if failures:
                log.error("analysis failed: %s", "; ".join(failures))
            if until_cameras_end:
                return
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
