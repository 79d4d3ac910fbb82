"""`citywatch audit verify|export`: check the audit log's chain; hand it to an overseer.

`verify` exits 0 when the chain is intact and 1 when it is not, printing the first broken
entry and why on one line. `export` writes JSON Lines with every entry's hashes, so whoever
receives the file can check the chain without the database.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from citywatch.cli.common import load_or_default
from citywatch.core.errors import CitywatchError

app = typer.Typer(help="Verify and export the hash-chained audit log.", no_args_is_help=True)

DATA_DIR = typer.Option(Path("citywatch-data"), "--data-dir", help="database, media, indexes")
CONFIG = typer.Option(None, "--config", "-c", help="YAML with the storage settings")


class BrokenChainError(CitywatchError):
    """The audit log was edited, cut or reordered (exit code 1)."""


@app.command("verify")
def verify(data_dir: Path = DATA_DIR, config: Path | None = CONFIG) -> None:
    """Check every entry's hash and link; name the first that does not hold."""
    from citywatch.privacy.audit import AuditLog
    from citywatch.store import open_store_from_config

    store = open_store_from_config(load_or_default(config).storage, data_dir)
    try:
        report = AuditLog(store).verify()
    finally:
        store.close()
    if report.first_broken is not None:
        raise BrokenChainError(f"audit log broken: {report.first_broken}")
    typer.echo(json.dumps({"intact": True, "entries": report.entries}))


@app.command("export")
def export(
    out: Path = typer.Option(..., "--out", help="the JSON Lines file to write"),
    data_dir: Path = DATA_DIR,
    config: Path | None = CONFIG,
) -> None:
    """Write every entry, with its hashes, one JSON object a line."""
    from citywatch.privacy.audit import AuditLog
    from citywatch.store import open_store_from_config

    store = open_store_from_config(load_or_default(config).storage, data_dir)
    try:
        written = AuditLog(store).export(out)
    except OSError as exc:
        raise CitywatchError(f"--out: cannot write {out}: {exc.strerror or exc}") from None
    finally:
        store.close()
    typer.echo(json.dumps({"entries": written, "out": str(out)}))
