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
    from citywatch.bus.local import LocalBus
    from citywatch.models import ModelRegistry
    from citywatch.pipeline.service import Models, Prepare, RunningPipeline
    from citywatch.privacy.scheduler import RetentionScheduler
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


class RunningSite:
    """Everything serving a site starts, in order: the API's services (sharing the pipeline's
    face models), the Redis bridge, the API server, the retention scheduler, the cameras; and
    stops in reverse (`close`). `serve_site` adds signals and waiting; a benchmark that must
    read the cameras' stats or stop them while the API serves uses this directly."""

    def __init__(
        self,
        site: Site,
        host: str,
        port: int,
        *,
        secure_cookies: bool = False,
        bus: LocalBus | None = None,
    ) -> None:
        from citywatch.api.app import create_app
        from citywatch.api.server import ApiServer
        from citywatch.api.services import ApiServices
        from citywatch.bus.local import LocalBus
        from citywatch.bus.redis import start_bridge
        from citywatch.pipeline.service import start_pipeline
        from citywatch.privacy.scheduler import RetentionScheduler

        self.bus = bus or LocalBus()
        self.services = ApiServices(
            config=site.config,
            store=site.store,
            data_dir=site.store.data_dir,
            bus=self.bus,
            registry=site.registry,
            config_path=site.config_path,
            secure_cookies=secure_cookies,
        )
        if site.models is not None and site.models.faces is not None:
            self.services.share_faces(site.models.faces)  # one copy of the models a process
        self.pipeline: RunningPipeline | None = None
        self._bridge = start_bridge(site.config.bus, self.bus)  # None unless bus is redis
        self._server: ApiServer | None = None
        self._purges: RetentionScheduler | None = None
        try:
            self._server = ApiServer(create_app(self.services), host, port).start()
            self._purges = RetentionScheduler(
                site.store, lambda: self.services.config, lock=self.services.face_index_lock
            ).start()
            if site.models is not None:
                self.pipeline = start_pipeline(
                    site.config,
                    site.store,
                    site.models,
                    bus=self.bus,
                    frames=self.services.frames,
                    before_start=site.before_start,
                    model_dir=site.registry.model_dir,
                )
        except BaseException:
            self.close()
            raise

    @property
    def server(self) -> ApiServer:
        assert self._server is not None, "the server starts in the constructor"
        return self._server

    @property
    def url(self) -> str:
        return str(self.server.url)

    def stop_cameras(self) -> None:
        """Stop the cameras (open tracks are written out); the API goes on serving."""
        pipeline, self.pipeline = self.pipeline, None
        if pipeline is not None:
            pipeline.stop()

    def close(self) -> None:
        try:
            if self._purges is not None:
                self._purges.stop()
            self.stop_cameras()
            if self._server is not None:
                self._server.stop()
        finally:
            if self._bridge is not None:
                self._bridge.stop()

    def __enter__(self) -> RunningSite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
    stop = threading.Event()
    handlers = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        with RunningSite(site, host, port, secure_cookies=secure_cookies) as running:
            if on_ready is not None:
                on_ready(running.url)
            else:
                stderr.print(f"citywatch is serving on {running.url} (Ctrl-C stops)")
            _wait(stop, running.server, running.pipeline, until_cameras_end, duration)
    finally:
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
