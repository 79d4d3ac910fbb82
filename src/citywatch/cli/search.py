"""`citywatch search face`: where has the person in this photo been?
`citywatch search person`: which of these person crops, or stored tracks, look like this one?
`citywatch search attributes` / `trajectory`: see `search_people`."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from citywatch.cli.cases import STORED_CASE, STORED_PURPOSE, audit_cli, check_cli_case, require_case
from citywatch.cli.common import load_or_default, registry_for
from citywatch.cli.search_people import WHERE_HELP, attributes, search_stored_people, trajectory
from citywatch.core.errors import UsageError

if TYPE_CHECKING:
    import numpy as np

app = typer.Typer(
    help="Search by face photo (stored sightings or one-off footage) or by person crop.",
    no_args_is_help=True,
)

REID_EMBEDDERS = ("auto", "openvino", "colour")

app.command("attributes")(attributes)
app.command("trajectory")(trajectory)


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
    case: str | None = STORED_CASE,
    purpose: str | None = STORED_PURPOSE,
    as_json: bool = typer.Option(False, "--json", help="one JSON object a line"),
) -> None:
    """With --source: one line a matching face, {"frame", "time_s", "box", "distance"}.
    Without: the person's appearances in stored data, in time order (a timeline)."""
    from citywatch.core.images import load_image
    from citywatch.faces.factory import create_face_pipeline
    from citywatch.faces.pipeline import NoFaceError

    if source is None:
        require_case(case, purpose)  # before any model loads
    settings = load_or_default(config)
    registry = registry_for(settings, model_dir)
    faces = create_face_pipeline(settings.faces, registry, threshold=threshold)
    subject, _ = faces.main_face(load_image(query))
    if subject is None or subject.embedding is None:
        raise NoFaceError(str(query))
    if source is not None:
        _search_footage(source, faces, subject.embedding, registry, settings, fps, as_json)
    else:
        where = (case, purpose)
        _search_stored(data_dir, settings, faces, subject.embedding, camera, where, as_json)


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


def _search_stored(data_dir, settings, faces, query, camera, where, as_json) -> None:  # type: ignore[no-untyped-def]
    from citywatch.search.face_index import FaceSightingIndex
    from citywatch.search.timeline import search_timeline
    from citywatch.store import open_store_from_config
    from citywatch.store.watchlists import FaceRecords

    store = open_store_from_config(settings.storage, data_dir)
    try:
        case, purpose = check_cli_case(store, *where)
        index = FaceSightingIndex(FaceRecords(store), faces.embedder.name, data_dir)
        found = search_timeline(index, store, query, faces.threshold, camera_id=camera)
        detail = {"camera": camera, "threshold": faces.threshold}
        detail["sightings"] = [s for a in found for s in a.sighting_ids]
        audit_cli(store, "search.face", case, purpose, "stored face sightings", detail)
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


@app.command("person")
def person(
    query: Path = typer.Option(..., "--query", help="a crop of the person (one person, whole)"),
    gallery: Path | None = typer.Option(
        None, "--gallery", help="rank this folder of person crops (sub-folders too)"
    ),
    top: int = typer.Option(10, "--top", help="how many of the nearest to show"),
    config: Path | None = typer.Option(None, "--config", "-c"),
    model_dir: Path | None = typer.Option(None, "--model-dir"),
    embedder: str | None = typer.Option(
        None, "--embedder", help="auto, openvino or colour [default: the configuration's]"
    ),
    data_dir: Path = typer.Option(
        Path("citywatch-data"), "--data-dir", help="without --gallery: stored tracks to search"
    ),
    where: str | None = typer.Option(None, "--where", help="stored: " + WHERE_HELP),
    camera: str | None = typer.Option(None, "--camera", help="stored: one camera only"),
    max_distance: float | None = typer.Option(
        None, "--max-distance", help="stored: leave out tracks farther than this"
    ),
    case: str | None = STORED_CASE,
    purpose: str | None = STORED_PURPOSE,
    as_json: bool = typer.Option(False, "--json", help="one JSON object a line"),
) -> None:
    """With --gallery: the gallery crops nearest in appearance, nearest first; with --json one
    line each, {"rank", "image", "box", "distance"} (box: the whole image, [0, 0, w, h]).
    Without: the stored person tracks nearest in appearance, each with its identity (follow it
    with `search trajectory IDENTITY`)."""
    from citywatch.core.images import load_image

    if embedder is not None and embedder not in REID_EMBEDDERS:
        raise UsageError(
            f"--embedder: unknown {embedder!r} (choose from {', '.join(REID_EMBEDDERS)})"
        )
    if top < 1:
        raise UsageError(f"--top: {top} is not a positive number of results")
    if gallery is None:
        require_case(case, purpose)
        search_stored_people(
            load_image(query),
            data_dir,
            top,
            config,
            model_dir,
            embedder,
            where,
            camera,
            max_distance,
            (case, purpose),
            as_json,
        )
        return
    if where is not None or camera is not None:
        raise UsageError("--where and --camera filter stored tracks; a --gallery is ranked whole")
    _search_gallery(load_image(query), gallery, top, config, model_dir, embedder, as_json)


def _search_gallery(
    crop: np.ndarray,
    gallery: Path,
    top: int,
    config: Path | None,
    model_dir: Path | None,
    embedder: str | None,
    as_json: bool,
) -> None:
    from citywatch.reid.factory import create_person_embedder
    from citywatch.reid.gallery import gallery_images, rank_gallery

    paths = gallery_images(gallery)  # a missing or empty folder fails before a model loads
    settings = load_or_default(config)
    reid = settings.reid
    if embedder is not None:
        reid = reid.model_copy(update={"embedder": embedder})
    model = create_person_embedder(reid, registry_for(settings, model_dir))
    hits = rank_gallery(model, crop, paths, top, on_skip=_warn)
    if as_json:
        for hit in hits:
            typer.echo(json.dumps(hit.as_dict()))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"nearest to the query ({model.name})")
    table.add_column("rank", justify="right")
    table.add_column("image", overflow="fold")  # whole paths, wrapped rather than cut
    table.add_column("box (x y w h)")
    table.add_column("distance", justify="right")
    for hit in hits:
        box = " ".join(str(v) for v in hit.box)
        table.add_row(str(hit.rank), str(hit.image), box, f"{hit.distance:.3f}")
    Console(soft_wrap=True).print(table)


def _warn(message: str) -> None:
    # One line on stderr per skipped image, greppable (the log handler may wrap long lines).
    typer.echo(f"citywatch: warning: {message}", err=True)
