"""`citywatch retention purge|hold ...` and `citywatch erase`: retention, case holds, erasure."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import typer

from citywatch.cli.common import load_or_default
from citywatch.core.errors import UsageError

app = typer.Typer(help="Purge by retention, and hold records for a case.", no_args_is_help=True)
hold_app = typer.Typer(help="Keep records out of retention for a case.", no_args_is_help=True)
app.add_typer(hold_app, name="hold")

DATA_DIR = typer.Option(Path("citywatch-data"), "--data-dir", help="database, media, indexes")
CONFIG = typer.Option(None, "--config", "-c", help="YAML with storage and retention settings")


def _open(config_path: Path | None, data_dir: Path):  # type: ignore[no-untyped-def]
    from citywatch.store import open_store_from_config

    config = load_or_default(config_path)
    return config, open_store_from_config(config.storage, data_dir)


@app.command("purge")
def purge_command(
    config: Path | None = CONFIG,
    data_dir: Path = DATA_DIR,
    dry_run: bool = typer.Option(False, "--dry-run", help="count what would go; delete nothing"),
    as_json: bool = typer.Option(False, "--json", help="print the whole report as JSON"),
) -> None:
    """Delete records older than their camera's retention, except those a case holds."""
    from citywatch.privacy.retention import purge

    settings, store = _open(config, data_dir)
    try:
        report = purge(store, settings, dry_run=dry_run)
    finally:
        store.close()
    typer.echo(json.dumps(report.to_dict(), sort_keys=True) if as_json else report.summary())


@hold_app.command("add")
def hold_add(
    case: str = typer.Option(..., "--case", help="the open case's reference"),
    kind: str = typer.Option(
        ..., "--kind", help="identity, track, sighting, event, plate_read, face_alert, plate_alert"
    ),
    record_id: str = typer.Option(..., "--id", help="the record's id"),
    reason: str = typer.Option(..., "--reason", help="why the case needs it"),
    by: str | None = typer.Option(None, "--by", help="the user placing it (default: you)"),
    config: Path | None = CONFIG,
    data_dir: Path = DATA_DIR,
) -> None:
    """Hold a record (and what it keeps: see `privacy/retention.py`) for a case."""
    from citywatch.store.holds import HoldRecords

    _, store = _open(config, data_dir)
    try:
        hold_id = HoldRecords(store).add(case, kind, record_id, reason, by or getpass.getuser())
    finally:
        store.close()
    typer.echo(json.dumps({"hold_id": hold_id, "case": case, "kind": kind, "id": record_id}))


@hold_app.command("list")
def hold_list(
    case: str | None = typer.Option(None, "--case", help="only this case's holds"),
    kind: str | None = typer.Option(None, "--kind", help="only holds on this kind"),
    record_id: str | None = typer.Option(None, "--id", help="only holds on this record"),
    released: bool = typer.Option(False, "--all", help="include released holds"),
    config: Path | None = CONFIG,
    data_dir: Path = DATA_DIR,
) -> None:
    """One JSON object a line per hold."""
    from dataclasses import asdict

    from citywatch.store.holds import HoldRecords

    _, store = _open(config, data_dir)
    try:
        found = HoldRecords(store).holds(case, kind, record_id, include_released=released)
    finally:
        store.close()
    for hold in found:
        typer.echo(json.dumps(asdict(hold)))


@hold_app.command("release")
def hold_release(
    hold_id: int = typer.Argument(..., help="the hold's id (from `hold list`)"),
    config: Path | None = CONFIG,
    data_dir: Path = DATA_DIR,
) -> None:
    """End a hold; the record follows retention again."""
    from dataclasses import asdict

    from citywatch.store.holds import HoldRecords

    _, store = _open(config, data_dir)
    try:
        hold = HoldRecords(store).release(hold_id)
    finally:
        store.close()
    typer.echo(json.dumps(asdict(hold)))


def erase(
    identity: str | None = typer.Option(None, "--identity", help="a person's re-ID identity"),
    sightings: str | None = typer.Option(
        None, "--sightings", help="face sightings picked from a search, e.g. 4,9,12"
    ),
    watchlist_entry: int | None = typer.Option(
        None, "--watchlist-entry", help="their watchlist entry (photos and alerts go too)"
    ),
    requested_by: str = typer.Option(..., "--requested-by", help="who asked for the erasure"),
    legal_basis: str = typer.Option(..., "--legal-basis", help="the request it answers"),
    override_holds: str | None = typer.Option(
        None, "--override-holds", help="erase held records too, for this reason"
    ),
    config: Path | None = CONFIG,
    data_dir: Path = DATA_DIR,
    as_json: bool = typer.Option(False, "--json", help="print the whole report as JSON"),
) -> None:
    """Erase one person's data (database rows, thumbnails, face vectors) and report it."""
    from citywatch.privacy.erasure import ErasureRequest
    from citywatch.privacy.erasure import erase as erase_person

    picked: tuple[int, ...] = ()
    if sightings:
        try:
            picked = tuple(int(part) for part in sightings.split(",") if part.strip())
        except ValueError:
            raise UsageError(f"--sightings: {sightings!r} is not a list of ids") from None
    request = ErasureRequest(
        requested_by=requested_by,
        legal_basis=legal_basis,
        identity_id=identity,
        sighting_ids=picked,
        watchlist_entry_id=watchlist_entry,
        override_holds=override_holds,
    )
    _, store = _open(config, data_dir)
    try:
        result = erase_person(store, request)
    finally:
        store.close()
    report = {"erasure_id": result.erasure_id} | result.report
    if as_json:
        typer.echo(json.dumps(report, sort_keys=True))
    else:
        counts = ", ".join(f"{k} {v}" for k, v in report["counts"].items() if v)
        kept = sum(len(v) for v in report["kept_held"].values())
        typer.echo(
            f"erasure {result.erasure_id}: deleted {counts or 'nothing'}; "
            f"{report['files_removed']} files; {kept} held records kept"
        )
