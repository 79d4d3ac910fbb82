"""`citywatch eval mot`: MOTA, IDF1 and HOTA of a MOT results file against ground truth.
`citywatch eval reid`: person re-ID rank-1 and mAP on crops cut from MOT ground truth."""

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


COLOUR_EMBEDDER = "colour-stripes"


@app.command("reid")
def reid(
    data: Path = typer.Option(
        Path("../shared/data"), "--data", help="test data folder with tracking/<sequence>/gt"
    ),
    models: str | None = typer.Option(
        None,
        "--models",
        help=f"comma-separated OMZ person re-ID models and/or {COLOUR_EMBEDDER} "
        "[default: every re-ID model in the model directory, and the colour descriptor]",
    ),
    model_dir: Path | None = typer.Option(None, "--model-dir"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Re-ID rank-1, rank-5 and mAP per embedder on crops cut from MOT ground truth.

    PETS09-S2L1 and TUD-Campus: queries against the other crops of their sequence, the same
    person within 2 s (TUD: 1 s) left out; also per track segment (the mean of 4 crops), and
    on PETS for people coming back into view (their own ground-truth track left out)."""
    from citywatch.config.reid import ReidConfig
    from citywatch.core.errors import UsageError
    from citywatch.eval.reid import run_reid_eval
    from citywatch.models import ModelRegistry
    from citywatch.reid.factory import create_person_embedder

    if not (data / "tracking").is_dir():
        raise UsageError(f"{data}: no tracking/ folder of ground truth here; pass --data DIR")
    registry = ModelRegistry(model_dir) if model_dir else ModelRegistry.from_settings()
    known = [spec.name for spec in registry.of_kind("person-reid")]
    if models is None:
        names = [name for name in known if registry.find(name) is not None] + [COLOUR_EMBEDDER]
    else:
        names = [name.strip() for name in models.split(",") if name.strip()]
        unknown = [name for name in names if name not in (*known, COLOUR_EMBEDDER)]
        if unknown or not names:
            choices = ", ".join([*known, COLOUR_EMBEDDER])
            raise UsageError(f"--models: unknown {', '.join(unknown) or '(none)'} ({choices})")

    def builder(name: str):  # type: ignore[no-untyped-def]
        if name == COLOUR_EMBEDDER:
            config = ReidConfig(embedder="colour")
        else:
            config = ReidConfig(embedder="openvino", model=name)
        return lambda: create_person_embedder(config, registry)

    report = run_reid_eval(data, [(name, builder(name)) for name in names])
    if as_json:
        typer.echo(json.dumps({"data": str(data), **report}))
        return
    for name, result in report["models"].items():
        typer.echo(f"{name} ({result['ms_per_crop']:.2f} ms a crop)")
        for level in ("crop", "track", "reentry_crop", "reentry_track"):
            for sequence, s in result.get(level, {}).items():
                typer.echo(
                    f"  {level:<14} {sequence:<12} rank-1 {s['rank1']:.3f}  "
                    f"rank-5 {s['rank5']:.3f}  mAP {s['mean_ap']:.3f}  ({s['queries']} queries)"
                )
        threshold = result.get("threshold")
        if threshold:
            typer.echo(
                f"  threshold {threshold['default_threshold']:.2f} "
                f"(PETS track pairs: {threshold['fmr_threshold']:.3f} at 1 % false matches; "
                f"equal-error point {threshold['eer_threshold']:.3f}, EER {threshold['eer']:.3f})"
            )
