"""Stored plates for `citywatch plates`: search by full or partial plate, and the hotlist.

    citywatch plates search PATTERN [--camera C] [--json]     ('*' any run, '?' one character)
    citywatch plates hotlist add PLATE_OR_PATTERN --reason R --legal-basis B --expires DATE --by U
    citywatch plates hotlist list [--all] | remove ID

Letter O and digit 0, I and 1 are the same to searches and the hotlist (plates and OCR
confuse them). A hotlist entry raises a plate alert, for review, when a vehicle track's voted
plate matches it while cameras run.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from citywatch.cli.cases import CASE, PURPOSE, audit_cli, check_cli_case
from citywatch.cli.common import load_or_default

DATA_DIR = typer.Option(Path("citywatch-data"), "--data-dir", help="database, media, indexes")
CONFIG = typer.Option(None, "--config", "-c", help="YAML with storage settings")

hotlist_app = typer.Typer(
    help="Plates that raise an alert when read (each with a reason and an expiry).",
    no_args_is_help=True,
)


class _plates:
    """The store opened for plate reads and writes, closed afterwards."""

    def __init__(self, config: Path | None, data_dir: Path) -> None:
        self.config, self.data_dir = config, data_dir

    def __enter__(self):  # type: ignore[no-untyped-def]
        from citywatch.store import open_store_from_config
        from citywatch.store.plates import PlateRecords

        self.store = open_store_from_config(load_or_default(self.config).storage, self.data_dir)
        return PlateRecords(self.store)

    def __exit__(self, *_: object) -> None:
        self.store.close()


def search(
    pattern: str = typer.Argument(..., help="a plate, or a pattern with * and ?"),
    camera: str | None = typer.Option(None, "--camera", help="one camera only"),
    limit: int = typer.Option(100, "--limit", help="newest first, at most this many"),
    case: str = CASE,
    purpose: str = PURPOSE,
    data_dir: Path = DATA_DIR,
    config: Path | None = CONFIG,
    as_json: bool = typer.Option(False, "--json", help="one JSON object a line"),
) -> None:
    """Plates read by the cameras that match PATTERN, newest first."""
    with _plates(config, data_dir) as records:
        case, purpose = check_cli_case(records.store, case, purpose)
        reads = records.search(pattern, camera_id=camera, limit=limit)
        detail = {"pattern": pattern, "camera": camera, "reads": [r.id for r in reads]}
        audit_cli(records.store, "search.plates", case, purpose, f"plates {pattern}", detail)
        for read in reads:
            row = {
                "plate": read.text,
                "camera": read.camera_id,
                "time": read.time,
                "confidence": round(read.confidence, 3),
                "votes": read.votes,
                "box": [round(v, 1) for v in read.box],
                "vehicle_type": read.vehicle_type,
                "vehicle_colour": read.vehicle_colour,
                "track": read.track_id,
                "thumbnail": read.thumbnail_path,
            }
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(read.time))
            kind = " ".join(v for v in (read.vehicle_colour, read.vehicle_type) if v)
            text = f"{when} {read.camera_id} {read.text} ({read.confidence:.2f}) {kind}".rstrip()
            typer.echo(json.dumps(row) if as_json else text)


@hotlist_app.command("add")
def hotlist_add(
    pattern: str = typer.Argument(..., help="a plate, or a pattern with * and ?"),
    reason: str = typer.Option(..., "--reason", help="why this plate is wanted"),
    legal_basis: str = typer.Option(..., "--legal-basis", help="warrant, order or request"),
    expires: str = typer.Option(..., "--expires", help="date the entry stops matching"),
    added_by: str = typer.Option(..., "--by", help="the user adding it"),
    case: str = CASE,
    purpose: str = PURPOSE,
    data_dir: Path = DATA_DIR,
    config: Path | None = CONFIG,
) -> None:
    """Alert when a vehicle with this plate is read."""
    from citywatch.store.watchlists import expiry_from_date

    expires_at = expiry_from_date(expires)
    with _plates(config, data_dir) as records:
        case, purpose = check_cli_case(records.store, case, purpose)
        entry_id = records.add_hotlist(pattern, reason, legal_basis, added_by, expires_at)
        detail = {"entry_id": entry_id, "pattern": pattern, "legal_basis": legal_basis}
        detail |= {"by": added_by, "expires_at": expires_at}
        audit_cli(records.store, "hotlist.add", case, purpose, f"hotlist entry {entry_id}", detail)
    typer.echo(f"hotlist entry {entry_id}: {pattern}")


@hotlist_app.command("list")
def hotlist_list(
    all_entries: bool = typer.Option(False, "--all", help="include removed and expired"),
    data_dir: Path = DATA_DIR,
    config: Path | None = CONFIG,
    as_json: bool = typer.Option(False, "--json", help="one JSON object a line"),
) -> None:
    """The plate hotlist."""
    with _plates(config, data_dir) as records:
        for e in records.hotlist(include_inactive=all_entries):
            row = {
                "id": e.id,
                "pattern": e.pattern,
                "reason": e.reason,
                "legal_basis": e.legal_basis,
                "added_by": e.added_by,
                "expires_at": e.expires_at,
                "active": e.active(time.time()),
            }
            until = time.strftime("%Y-%m-%d", time.localtime(e.expires_at))
            text = f"{e.id}\t{e.pattern}\tuntil {until}\t{e.reason} ({e.added_by})"
            typer.echo(json.dumps(row) if as_json else text)


@hotlist_app.command("remove")
def hotlist_remove(
    entry_id: int = typer.Argument(..., help="the entry's id (see list)"),
    case: str = CASE,
    purpose: str = PURPOSE,
    data_dir: Path = DATA_DIR,
    config: Path | None = CONFIG,
) -> None:
    """Stop alerting on an entry (it stays listed with --all)."""
    from citywatch.core.errors import UsageError

    with _plates(config, data_dir) as records:
        case, purpose = check_cli_case(records.store, case, purpose)
        if not records.remove_hotlist(entry_id):
            raise UsageError(f"hotlist entry {entry_id}: not found or already removed")
        target = f"hotlist entry {entry_id}"
        audit_cli(records.store, "hotlist.remove", case, purpose, target, {"entry_id": entry_id})
    typer.echo(f"hotlist entry {entry_id} removed")
