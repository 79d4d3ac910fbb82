"""`citywatch run --config cameras.yaml` and `citywatch demo`."""

from __future__ import annotations

import logging
import signal
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from citywatch.cli.common import registry_for, stderr
from citywatch.config import CitywatchConfig, load_config, parse_config

if TYPE_CHECKING:  # the pipeline pulls in OpenCV, PyAV, SQLAlchemy: imported when a command runs
    from citywatch.cluster.runner import ClusterRunner
    from citywatch.pipeline.runner import PipelineRunner
    from citywatch.store import Store

log = logging.getLogger("citywatch.cli")

DATA_DIR = typer.Option(Path("citywatch-data"), "--data-dir", help="database, media, indexes")
MODEL_DIR = typer.Option(None, "--model-dir", help="model directory (else CITYWATCH_MODEL_DIR)")


def _run_pipeline(
    config: CitywatchConfig,
    data_dir: Path,
    model_dir: Path | None,
    duration: float | None,
) -> Store:
    """Run every camera until files end, `duration` passes, or SIGINT/SIGTERM; then stop cleanly.

    Returns the store, still open, for the caller to report from and close.
    """
    from citywatch.bus.local import LocalBus
    from citywatch.bus.redis import start_bridge
    from citywatch.pipeline.service import load_models, start_pipeline
    from citywatch.store import open_store_from_config

    registry = registry_for(config, model_dir)
    models = load_models(config, registry)
    store = open_store_from_config(config.storage, data_dir)
    bus = LocalBus()
    try:
        bridge = start_bridge(config.bus, bus)  # None unless bus.backend is redis
        stop = threading.Event()
        handlers = {
            sig: signal.signal(sig, lambda *_: stop.set())
            for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            running = start_pipeline(config, store, models, bus=bus, model_dir=registry.model_dir)
            try:
                started = time.monotonic()
                while not stop.is_set() and not running.runner.wait(timeout=0.5):
                    if duration is not None and time.monotonic() - started >= duration:
                        break
            finally:
                running.stop()
        finally:
            if bridge is not None:
                bridge.stop()
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
        _print_summary(running.runner, store)
        failures = running.runner.failures()
        if failures:
            log.error("analysis failed: %s", "; ".join(failures))
    except BaseException:
        store.close()
        raise
    return store


def _print_summary(runner: PipelineRunner | ClusterRunner, store: Store) -> None:
    table = Table(title=f"run {runner.run_id}")
    columns = ("camera", "ingest", "analysed", "dropped", "reconnects", "ms/frame", "tracks")
    for column in columns:
        table.add_column(column)
    for s in runner.stats():
        table.add_row(
            s.camera_id,
            s.ingest_state,
            str(s.frames_analysed),
            str(s.frames_dropped),
            str(s.reconnects),
            f"{s.analysis_ms:.1f}",
            str(s.tracks_stored),
        )
    stderr.print(table)
    counts = store.counts()
    stderr.print(
        f"store: {counts.cameras} cameras, {counts.tracks} tracks, {counts.sightings} sightings"
    )
    if runner.associator is not None:
        _print_people(store)


def _print_people(store: Store) -> None:
    from citywatch.store.people import PersonRecords

    people = PersonRecords(store)
    identities = people.identities(limit=100_000)
    across = [identity for identity, *_, cameras in identities if cameras > 1]
    stderr.print(f"people: {len(identities)} identities, {len(across)} on several cameras")
    for identity in across[:5]:
        path = " -> ".join(a.camera_id for a in people.trajectory(identity))
        stderr.print(f"  {identity}: {path}  (citywatch search trajectory {identity})")


def run(
    config: Path = typer.Option(..., "--config", "-c", help="cameras and pipeline settings (YAML)"),
    data_dir: Path = DATA_DIR,
    model_dir: Path | None = MODEL_DIR,
    duration: float | None = typer.Option(None, "--duration", help="stop after this many seconds"),
) -> None:
    """Run the pipeline for the cameras in a configuration file (Ctrl-C stops cleanly)."""
    settings = load_config(config)
    check_local_sources(settings, config)
    store = _run_pipeline(settings, data_dir, model_dir, duration)
    store.close()


def check_local_sources(config: CitywatchConfig, path: Path) -> None:
    """A camera whose file or folder does not exist would fail at once, after every model has
    loaded and the store has opened, and the run would end as if all went well: refuse it
    first, naming the key (exit 2). With a cluster the files are on the camera hosts."""
    from citywatch.core.errors import ConfigError, SourceUsageError
    from citywatch.ingest import SourceKind, parse_spec

    if config.cluster.backend != "embedded":
        return
    for i, camera in enumerate(config.cameras):
        if not camera.enabled:
            continue
        try:
            parsed = parse_spec(camera.source)
        except SourceUsageError as error:
            raise ConfigError(f"{path}: cameras[{i}].source: {error}") from None
        if parsed.kind is SourceKind.FILE and not Path(parsed.target).exists():
            raise ConfigError(
                f"{path}: cameras[{i}].source: {parsed.target}: no such file or folder"
            )


def demo(
    port: int = typer.Option(8080, "--port", min=0, max=65535, help="web UI port (0: a free one)"),
    data_dir: Path = DATA_DIR,
    model_dir: Path | None = MODEL_DIR,
    loop: bool = typer.Option(
        True, "--loop/--once", help="replay the scene until Ctrl-C, or play it once and stop"
    ),
    duration: float | None = typer.Option(None, "--duration", help="stop after this many seconds"),
) -> None:
    """Build a small three-camera scene, run the pipeline on it and serve the web UI.

    The scene is made from images installed packages ship. The astronaut in it is enrolled on
    the watchlist (from her original photograph), so her walk from camera to camera raises
    alerts, and she steps onto the yard's flowerbed (a rule event). A demo admin is (re)made
    with a new password, printed with the URL.
    """
    from citywatch.cli.serve import Site, serve_site
    from citywatch.demo.scene import enrol_demo_person, open_demo_case, scene_config, write_scene
    from citywatch.pipeline.service import load_models
    from citywatch.store import open_store_from_config

    stderr.print(f"building the demo scene in {data_dir / 'demo'} ...")
    paths = write_scene(data_dir / "demo")
    config = parse_config(scene_config(paths, loop=loop), origin="demo scene")
    registry = registry_for(config, model_dir)
    models = load_models(config, registry)
    store = open_store_from_config(config.storage, data_dir)
    try:
        password = reset_demo_admin(store)
        open_demo_case(store, DEMO_ADMIN)

        def ready(url: str) -> None:
            stderr.print(
                f"\n[bold]citywatch demo[/bold] is running on 3 cameras.\n"
                f"  open   {url}/\n"
                f"  user   {DEMO_ADMIN}\n"
                f"  password {password}\n"
                + ("  Ctrl-C stops.\n" if loop else "  The scene plays once (about 20 s).\n")
            )

        site = Site(config, store, registry, models, before_start=enrol_demo_person)
        serve_site(
            site, "127.0.0.1", port, on_ready=ready, duration=duration, until_cameras_end=not loop
        )
        _print_demo_summary(store)
    finally:
        store.close()


DEMO_ADMIN = "admin"


def reset_demo_admin(store: Store) -> str:
    """The demo's admin, made or given a fresh random password each start; returns it."""
    import secrets

    from citywatch.api.roles import Role
    from citywatch.store.users import UserRecords

    password = secrets.token_urlsafe(12)
    users = UserRecords(store)
    existing = users.user_by_name(DEMO_ADMIN)
    if existing is None:
        users.add_user(DEMO_ADMIN, password, Role.ADMIN)
    else:
        users.set_password(existing.id, password)
        users.set_role(existing.id, Role.ADMIN)
        users.set_disabled(existing.id, False)
    return password


def _print_demo_summary(store: Store) -> None:
    from citywatch.store.watchlists import FaceRecords

    for alert in FaceRecords(store).alerts():
        stderr.print(
            f"  alert {alert.id}: {alert.entry_name} on {alert.camera_id} "
            f"(distance {alert.distance:.2f} <= {alert.threshold:.2f}), pending review"
        )
    for event in store.events(limit=20):
        values = ", ".join(f"{k}={v}" for k, v in event.values.items())
        stderr.print(
            f"  event {event.id}: {event.rule} on {event.camera_id} ({values}), "
            f"clip {event.clip_path}"
        )
    _print_people(store)
