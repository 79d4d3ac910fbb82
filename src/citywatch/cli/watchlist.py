"""`citywatch watchlist add|list|remove`: people of interest, each with a reason and an expiry."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from citywatch.cli.cases import CASE, PURPOSE, audit_cli, check_cli_case
from citywatch.cli.common import load_or_default, registry_for

app = typer.Typer(help="Enrol, list and remove watchlist entries.", no_args_is_help=True)

DATA_DIR = typer.Option(Path("citywatch-data"), "--data-dir", help="database, media, indexes")
CONFIG = typer.Option(None, "--config", "-c", help="YAML with storage/faces settings")


def _open(config_path: Path | None, data_dir: Path):  # type: ignore[no-untyped-def]
    from citywatch.store import open_store_from_config
    from citywatch.store.watchlists import FaceRecords

    config = load_or_default(config_path)
    store = open_store_from_config(config.storage, data_dir)
    return config, store, FaceRecords(store)


@app.command("add")
def add(
    name: str = typer.Argument(..., help="the person's name or a case reference"),
    photos: list[Path] = typer.Argument(..., help="one or more photos showing their face"),
    reason: str = typer.Option(..., "--reason", help="why this person is on the watchlist"),
    legal_basis: str = typer.Option(..., "--legal-basis", help="warrant, order or consent"),
    expires: str = typer.Option(..., "--expires", help="date the entry stops matching"),
    enrolled_by: str = typer.Option(..., "--by", help="the user enrolling"),
    case: str = CASE,
    purpose: str = PURPOSE,
    data_dir: Path = DATA_DIR,
    config: Path | None = CONFIG,
    model_dir: Path | None = typer.Option(None, "--model-dir", help="model directory"),
) -> None:
    """Enrol a person from photos; every photo must show one clear face."""
    from citywatch.faces.factory import create_face_pipeline
    from citywatch.store.watchlists import expiry_from_date
    from citywatch.watchlist.enrol import EnrolmentRequest, enrol

    expires_at = expiry_from_date(expires)
    settings, store, records = _open(config, data_dir)
    try:
        case, purpose = check_cli_case(store, case, purpose)
        faces = create_face_pipeline(settings.faces, registry_for(settings, model_dir))
        request = EnrolmentRequest(name, photos, reason, legal_basis, enrolled_by, expires_at)
        entry_id = enrol(faces, records, request)
        detail = {"entry_id": entry_id, "name": name, "photos": len(photos), "by": enrolled_by}
        detail |= {"legal_basis": legal_basis, "expires_at": expires_at}
        audit_cli(store, "watchlist.enrol", case, purpose, f"watchlist entry {entry_id}", detail)
    finally:
        store.close()
    typer.echo(json.dumps({"entry_id": entry_id, "name": name, "photos": len(photos)}))


@app.command("list")
def list_entries(
    all_entries: bool = typer.Option(False, "--all", help="include removed and expired"),
    data_dir: Path = DATA_DIR,
    config: Path | None = CONFIG,
) -> None:
    """One JSON object a line per entry."""
    _, store, records = _open(config, data_dir)
    try:
        now = time.time()
        for entry in records.entries(include_inactive=all_entries):
            row = {
                "id": entry.id,
                "name": entry.name,
                "reason": entry.reason,
                "legal_basis": entry.legal_basis,
                "enrolled_by": entry.enrolled_by,
                "photos": entry.photos,
                "expires_at": entry.expires_at,
                "active": entry.active(now),
            }
            typer.echo(json.dumps(row))
    finally:
        store.close()


@app.command("remove")
def remove(
    entry_id: int = typer.Argument(..., help="entry id (see `watchlist list`)"),
    case: str = CASE,
    purpose: str = PURPOSE,
    data_dir: Path = DATA_DIR,
    config: Path | None = CONFIG,
) -> None:
    """Stop matching an entry (kept on record)."""
    from citywatch.core.errors import UsageError

    _, store, records = _open(config, data_dir)
    try:
        case, purpose = check_cli_case(store, case, purpose)
        if not records.remove_entry(entry_id):
            raise UsageError(f"no active watchlist entry {entry_id}")
        target = f"watchlist entry {entry_id}"
        audit_cli(store, "watchlist.remove", case, purpose, target, {"entry_id": entry_id})
    finally:
        store.close()
