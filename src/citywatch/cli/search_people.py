"""Stored person search for `citywatch search`: by example crop, by description, trajectories.

`search person --query CROP` (no --gallery) ranks stored person tracks by appearance;
`search attributes --where "upper=red bag=yes"` finds tracks by description;
`search trajectory IDENTITY` lists one person's tracks across cameras in time order.
Each result line names the track's identity, so a hit leads to its trajectory.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from citywatch.cli.cases import CASE, PURPOSE, audit_cli, check_cli_case
from citywatch.cli.common import load_or_default, registry_for

if TYPE_CHECKING:
    import numpy as np

    from citywatch.search.people import AttributeFilter, PersonHit
    from citywatch.store.readmodels import AppearanceInfo

DATA_DIR = typer.Option(Path("citywatch-data"), "--data-dir", help="stored data to search")
WHERE_HELP = (
    "attribute filters, e.g. 'upper=red lower=blue bag=yes age=adult' "
    "(upper, lower, bag, backpack, hat, sleeves, pants, hair, coat, gender, age)"
)


def search_stored_people(
    crop: np.ndarray,
    data_dir: Path,
    top: int,
    config: Path | None,
    model_dir: Path | None,
    embedder: str | None,
    where: str | None,
    camera: str | None,
    max_distance: float | None,
    case: tuple[str | None, str | None],
    as_json: bool,
) -> None:
    """The stored person tracks nearest to `crop`, nearest first."""
    from citywatch.reid.factory import create_person_embedder
    from citywatch.search.people import search_people

    settings = load_or_default(config)
    reid = settings.reid
    if embedder is not None:
        reid = reid.model_copy(update={"embedder": embedder})
    model = create_person_embedder(reid, registry_for(settings, model_dir))
    query = model.embed([crop])[0]
    filters = _filters(where)
    with _people(settings, data_dir) as records:
        case_ref, purpose = check_cli_case(records.store, *case)
        hits = search_people(
            records,
            top,
            embedder=model.name,
            query=query,
            attributes=filters,
            camera_id=camera,
            max_distance=max_distance,
        )
        detail: dict[str, Any] = {"where": where, "camera": camera, "max_distance": max_distance}
        detail["top"] = top
        detail["tracks"] = [h.appearance.track_id for h in hits]
        audit_cli(records.store, "search.person", case_ref, purpose, "stored person tracks", detail)
        _print_hits(hits, as_json)


def attributes(
    where: str = typer.Option(..., "--where", help=WHERE_HELP),
    data_dir: Path = DATA_DIR,
    config: Path | None = typer.Option(None, "--config", "-c"),
    camera: str | None = typer.Option(None, "--camera", help="one camera only"),
    top: int = typer.Option(50, "--top", help="how many to show, best fitting first"),
    case: str = CASE,
    purpose: str = PURPOSE,
    as_json: bool = typer.Option(False, "--json", help="one JSON object a line"),
) -> None:
    """Stored person tracks that fit a description. Attributes are estimates from the
    crops, for narrowing a search; a hit is a candidate, not an identification."""
    from citywatch.search.people import search_people

    filters = _filters(where)
    with _people(load_or_default(config), data_dir) as records:
        case, purpose = check_cli_case(records.store, case, purpose)
        hits = search_people(records, top, attributes=filters, camera_id=camera)
        detail: dict[str, Any] = {"where": where, "camera": camera, "top": top}
        detail["tracks"] = [h.appearance.track_id for h in hits]
        audit_cli(records.store, "search.attributes", case, purpose, "stored person tracks", detail)
        _print_hits(hits, as_json)


def trajectory(
    identity: str = typer.Argument(..., help="identity id from a search result"),
    data_dir: Path = DATA_DIR,
    config: Path | None = typer.Option(None, "--config", "-c"),
    case: str = CASE,
    purpose: str = PURPOSE,
    as_json: bool = typer.Option(False, "--json", help="one JSON object a line"),
) -> None:
    """One person's tracks across cameras, in time order, with how each link was made."""
    from citywatch.core.errors import UsageError

    with _people(load_or_default(config), data_dir) as records:
        case, purpose = check_cli_case(records.store, case, purpose)
        found = records.trajectory(identity)
        detail = {"identity": identity, "tracks": [a.track_id for a in found]}
        audit_cli(records.store, "search.trajectory", case, purpose, f"identity {identity}", detail)
        if not found:
            raise UsageError(f"identity {identity!r}: no stored tracks")
        for appearance in found:
            row = _row(appearance)
            text = (
                f"{_when(appearance.started_at)} {appearance.camera_id} track "
                f"{appearance.track_id} for {appearance.ended_at - appearance.started_at:.1f} s"
                f" ({_link(appearance)}) {appearance.thumbnail_path or ''}"
            )
            typer.echo(json.dumps(row) if as_json else text)


def _filters(where: str | None) -> AttributeFilter | None:
    if where is None:
        return None
    from citywatch.attributes import AttributeQuery
    from citywatch.search.people import attribute_filter

    return attribute_filter(AttributeQuery.parse(where))


class _people:
    """The store opened for person reads, closed afterwards."""

    def __init__(self, settings: Any, data_dir: Path) -> None:
        self.settings, self.data_dir = settings, data_dir

    def __enter__(self):  # type: ignore[no-untyped-def]
        from citywatch.store import open_store_from_config
        from citywatch.store.people import PersonRecords

        self.store = open_store_from_config(self.settings.storage, self.data_dir)
        return PersonRecords(self.store)

    def __exit__(self, *_: object) -> None:
        self.store.close()


def _print_hits(hits: list[PersonHit], as_json: bool) -> None:
    for rank, hit in enumerate(hits, start=1):
        a = hit.appearance
        row = {"rank": rank, **_row(a)}
        if hit.distance is not None:
            row["distance"] = round(hit.distance, 4)
        if hit.fit is not None:
            row["fit"] = round(hit.fit, 3)
        score = f"distance {hit.distance:.3f}" if hit.distance is not None else f"fit {hit.fit}"
        text = (
            f"{rank:3d}. {_when(a.started_at)} {a.camera_id} track {a.track_id} {score} "
            f"identity {a.identity_id} {a.thumbnail_path or ''}"
        )
        typer.echo(json.dumps(row) if as_json else text)


def _row(a: AppearanceInfo) -> dict[str, Any]:
    return {
        "camera": a.camera_id,
        "track": a.track_id,
        "identity": a.identity_id,
        "started_at": a.started_at,
        "ended_at": a.ended_at,
        "box": None if a.box is None else [round(v, 1) for v in a.box],
        "thumbnail": a.thumbnail_path,
        "link": a.link_source,
        "link_distance": None if a.link_distance is None else round(a.link_distance, 4),
        "attributes": a.attributes,
    }


def _link(a: AppearanceInfo) -> str:
    if a.link_distance is None:
        return "first seen" if a.link_source == "new" else a.link_source
    return f"{a.link_source} link at distance {a.link_distance:.3f}"


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))
