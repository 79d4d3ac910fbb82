"""`citywatch review thresholds`: what review decisions say about the face-match threshold."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

DATA_DIR = typer.Option(Path("citywatch-data"), "--data-dir", help="database, media, indexes")

app = typer.Typer(help="Human review of matches: the threshold report.", no_args_is_help=True)


@app.command("thresholds")
def thresholds(
    data_dir: Path = DATA_DIR,
    max_rejected_share: float = typer.Option(
        0.05, "--max-rejected-share", min=0.001, max=0.999, help="rejected share to stay under"
    ),
    as_json: bool = typer.Option(False, "--json", help="one JSON object"),
) -> None:
    """Reviewed face alerts by distance and the threshold they suggest (a suggestion only)."""
    from citywatch.store import open_store
    from citywatch.watchlist.thresholds import threshold_report

    store = open_store(None, data_dir)
    try:
        report = threshold_report(store, max_rejected_share=max_rejected_share)
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps(asdict(report)))
        return
    stdout = Console()
    table = Table(title=f"review decisions by distance ({report.embedder or 'no alerts'})")
    for column in ("distance", "confirmed", "rejected"):
        table.add_column(column)
    for b in report.bins:
        table.add_row(f"{b.low:.2f}-{b.high:.2f}", str(b.confirmed), str(b.rejected))
    stdout.print(table)
    stdout.print(
        f"confirmed {report.confirmed}, rejected {report.rejected}, pending {report.pending}; "
        f"threshold in force {report.threshold}"
    )
    if report.suggested_threshold is None:
        stdout.print("no suggestion: not enough reviewed matches under the target")
    else:
        stdout.print(
            f"suggested threshold {report.suggested_threshold:.3f}: keeps "
            f"{report.confirmed_kept} confirmed, avoids {report.rejected_avoided} rejected "
            f"(target: at most {report.max_rejected_share:.0%} rejected)"
        )
