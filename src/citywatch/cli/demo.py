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
    from citywatch.pipeline.runner import PipelineRunner
    from citywatch.pipeline.service import Prepare
    from citywatch.store import Store

log = logging.getLogger("citywatch.cli")

DATA_DIR = typer.Option(Path("citywatch-data"), "--data-dir", help="database, media, indexes")
MODEL_DIR = typer.Option(None, "--model-dir", help="model directory (else CITYWATCH_MODEL_DIR)")


def _run_pipeline(
    config: CitywatchConfig,
    data_dir: Path,
    model_dir: Path | None,
    duration: float | None,
    before_start: Prepare | None = None,
) -> Store:
    """Run every camera until files end, `duration` passes, or SIGINT/SIGTERM; then stop cleanly.

    Returns the store, still open, for the caller to report from and close.
    """
    from citywatch.pipeline.service import load_models, start_pipeline
    from citywatch.store import open_store_from_config

    models = load_models(config, registry_for(config, model_dir))
    store = open_store_from_config(config.storage, data_dir)
    try:
        stop = threading.Event()
        handlers = {
            sig: signal.signal(sig, lambda *_: stop.set())
            for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            running = start_pipeline(config, store, models, before_start=before_start)
            try:
                started = time.monotonic()
                while not stop.is_set() and not running.runner.wait(timeout=0.5):
                    if duration is not None and time.monotonic() - started >= duration:
                        break
            finally:
                running.stop()
        finally:
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


def _print_summary(runner: PipelineRunner, store: Store) -> None:
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
    store = _run_pipeline(load_config(config), data_dir, model_dir, duration)
    store.close()


def demo(
    port: int = typer.Option(
        8080, "--port", help="web UI port (the UI comes with a later release)"
    ),
    data_dir: Path = DATA_DIR,
    model_dir: Path | None = MODEL_DIR,
    loop: bool = typer.Option(False, "--loop", help="replay the scene until Ctrl-C"),
) -> None:
    """Build a small three-camera scene from images installed packages ship and run the pipeline.

    The astronaut in the scene is enrolled on the watchlist (from her original photograph), so
    her walk from camera to camera raises alerts.
    """
    from citywatch.demo.scene import enrol_demo_person, scene_config, write_scene
    from citywatch.store.watchlists import FaceRecords

    stderr.print(f"building the demo scene in {data_dir / 'demo'} ...")
    paths = write_scene(data_dir / "demo")
    config = parse_config(scene_config(paths, loop=loop), origin="demo scene")
    stderr.print("running the pipeline on 3 cameras in real time (about 20 s; Ctrl-C stops) ...")
    store = _run_pipeline(config, data_dir, model_dir, None, before_start=enrol_demo_person)
    try:
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
        for sighting in store.sightings(limit=20):
            seen = sighting.last_seen - sighting.first_seen
            stderr.print(
                f"  {sighting.camera_id:9s} {sighting.kind:7s} seen {seen:4.1f} s"
                f"  score {sighting.best_score:.2f}  thumbnail {sighting.thumbnail_path}"
            )
    finally:
        store.close()
    log.info("web UI on port %d is not built yet; data is in %s", port, data_dir)
