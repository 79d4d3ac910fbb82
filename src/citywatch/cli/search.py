"""`citywatch search face`: where has the person in this photo been?"""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from citywatch.cli.common import load_or_default, registry_for

app = typer.Typer(
    help="Search by face photo (stored sightings or one-off footage).", no_args_is_help=True
)


@app.command("face")
def face(
    query: Path = typer.Option(..., "--query", help="a photo of the person"),
    source: str | None = typer.Option(
        None, "--source", help="search this video or folder of frames instead of stored data"
    ),
    data_dir: Path = typer.Option(Path("citywatch-data"), "--data-dir"),
    config: Path | None = typer.Option(None, "--config", "-c"),
    model_dir: Path | None = typer.Option(None, "--model-dir"),
    threshold: float | None = typer.Option(None, "--threshold", help="cosine distance"),
    camera: str | None = typer.Option(None, "--camera", help="stored data: one camera only"),
    fps: float | None = typer.Option(None, "--fps", help="footage: frames searched per second"),
    as_json: bool = typer.Option(False, "--json", help="one JSON object a line"),
) -> None:
    """With --source: one line a matching face, {"frame", "time_s", "box", "distance"}.
    Without: the person's appearances in stored data, in time order (a timeline)."""
    from citywatch.core.images import load_image
    from citywatch.faces.factory import create_face_pipeline
    from citywatch.faces.pipeline import NoFaceError

    settings = load_or_default(config)
    registry = registry_for(settings, model_dir)
    faces = create_face_pipeline(settings.faces, registry, threshold=threshold)
    subject, _ = faces.main_face(load_image(query))
    if subject is None or subject.embedding is None:
        raise NoFaceError(str(query))
    if source is not None:
        _search_footage(source, faces, subject.embedding, registry, settings, fps, as_json)
    else:
        _search_stored(data_dir, settings, faces, subject.embedding, camera, as_json)


def _search_footage(source, faces, query, registry, settings, fps, as_json) -> None:  # type: ignore[no-untyped-def]
    from citywatch.detect import create_detector
    from citywatch.ingest import open_source
    from citywatch.search.footage import search_footage

    people = create_detector(settings.detector, registry)
    with open_source(source, "search", fps=fps) as frames:
        for hit in search_footage(frames.frames(), faces, people, query, faces.threshold):
            box = [round(v, 1) for v in hit.box]
            row = {"frame": hit.frame, "time_s": round(hit.time_s, 3), "box": box}
            row["distance"] = round(hit.distance, 4)
            text = f"frame {hit.frame} at {hit.time_s:.2f} s: {box} distance {hit.distance:.3f}"
            typer.echo(json.dumps(row) if as_json else text)


def _search_stored(data_dir, settings, faces, query, camera, as_json) -> None:  # type: ignore[no-untyped-def]
    from citywatch.search.face_index import FaceSightingIndex
    from citywatch.search.timeline import search_timeline
    from citywatch.store import open_store_from_config
    from citywatch.store.watchlists import FaceRecords

    store = open_store_from_config(settings.storage, data_dir)
    try:
        index = FaceSightingIndex(FaceRecords(store), faces.embedder.name, data_dir)
        found = search_timeline(index, store, query, faces.threshold, camera_id=camera)
        for appearance in found:
            row = {
                "camera": appearance.camera_id,
                "first_seen": appearance.first_seen,
                "last_seen": appearance.last_seen,
                "distance": round(appearance.distance, 4),
                "thumbnail": appearance.best.thumbnail_path,
                "sightings": list(appearance.sighting_ids),
            }
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(appearance.first_seen))
            text = (
                f"{when} {appearance.camera_id}: distance {appearance.distance:.3f} "
                f"({len(appearance.sighting_ids)} sightings) {appearance.best.thumbnail_path}"
            )
            typer.echo(json.dumps(row) if as_json else text)
    finally:
        store.close()
