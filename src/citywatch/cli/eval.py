"""`citywatch eval mot`: MOTA, IDF1 and HOTA of a MOT results file against ground truth."""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(help="Evaluate results against ground truth.", no_args_is_help=True)


@app.command("mot")
def mot(
    gt: Path = typer.Option(..., "--gt", help="ground truth, MOTChallenge gt.txt"),
    res: Path = typer.Option(..., "--res", help="tracker results, MOT format"),
    gt_scale: float = typer.Option(
        1.0, "--gt-scale", help="multiply ground-truth boxes (PETS09 at 480x360: 0.625)"
    ),
    ignore: str = typer.Option(
        "regions",
        "--ignore",
        help="conf-0 ground truth: 'regions' (MOTChallenge: boxes on them are not scored) "
        "or 'drop' (deleted, so boxes on them count as false positives)",
    ),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Score a tracker's MOT file with TrackEval (CLEAR MOT, identity and HOTA metrics)."""
    from citywatch.eval.mot import evaluate_mot
    from citywatch.eval.motfile import read_mot

    if ignore not in ("regions", "drop"):
        raise typer.BadParameter("must be 'regions' or 'drop'", param_hint="--ignore")
    scores = evaluate_mot(read_mot(gt, scale=gt_scale), read_mot(res), ignore=ignore)  # type: ignore[arg-type]
    if as_json:
        typer.echo(
            json.dumps({"gt": str(gt), "res": str(res), "ignore": ignore, **scores.as_dict()})
        )
        return
    typer.echo(
        f"MOTA {scores.mota:.3f}  IDF1 {scores.idf1:.3f}  HOTA {scores.hota:.3f}  "
        f"(DetA {scores.deta:.3f}, AssA {scores.assa:.3f}, MOTP {scores.motp:.3f})\n"
        f"recall {scores.recall:.3f}  precision {scores.precision:.3f}  "
        f"ID switches {scores.id_switches}  FP {scores.false_positives}  misses {scores.misses}  "
        f"ids {scores.tracker_ids} for {scores.gt_ids} true"
    )
