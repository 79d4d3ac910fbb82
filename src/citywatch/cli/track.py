"""`citywatch track SOURCE --out results.txt`: people tracked through a file, in MOT format."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from citywatch.cli.common import load_or_default, progress_bar, registry_for
from citywatch.core.classes import ObjectClass
from citywatch.core.errors import SourceError, UsageError

log = logging.getLogger("citywatch.cli")


def _classes(text: str) -> set[int]:
    try:
        return {int(ObjectClass.parse(name)) for name in text.split(",") if name.strip()}
    except ValueError as error:
        raise UsageError(f"--classes: {error}") from None


def track(
    source: str = typer.Argument(..., help="video file or folder of frames (sorted by name)"),
    out: Path = typer.Option(..., "--out", "-o", help="where to write MOT results"),
    config: Path | None = typer.Option(None, "--config", "-c", help="YAML for detector/tracker"),
    model_dir: Path | None = typer.Option(None, "--model-dir", help="model directory"),
    fps: float | None = typer.Option(None, "--fps", help="analyse this many frames a second"),
    classes: str = typer.Option("person", "--classes", help="comma list: person,vehicle,bicycle"),
    max_gap_s: float = typer.Option(
        1.0,
        "--max-gap-s",
        help="fill gaps of up to this many seconds inside a track (0: report only what was seen)",
    ),
) -> None:
    """Track people in a video file or a folder of frames and write MOT results.

    Each line: frame,id,x,y,w,h,conf,-1,-1,-1 (frames counted from 1).
    """
    # Heavy imports (OpenVINO, PyAV, SciPy) only when the command runs, so `--help` is quick.
    from citywatch.detect import create_detector
    from citywatch.eval.motfile import format_mot_line
    from citywatch.ingest import FileSource, open_source
    from citywatch.pipeline.file_tracking import track_frames

    settings = load_or_default(config)
    wanted = _classes(classes)
    if out.exists() and out.is_dir():
        raise UsageError(f"{out}: is a directory, --out needs a file path")
    if not out.parent.exists():
        raise UsageError(f"{out.parent}: folder for --out does not exist")
    detector = create_detector(settings.detector, registry_for(settings, model_dir))
    with open_source(source, "track", fps=fps) as frames:
        frame_rate = fps or frames.frame_rate
        if frame_rate is None:
            frame_rate = 25.0
            log.info("%s has no frame rate; assuming %g fps for track timing", source, frame_rate)
        with progress_bar(f"tracking {Path(source).name}", frames.frame_count) as progress:
            task = progress.task_ids[0]
            run = track_frames(
                frames.frames(),
                detector,
                settings.tracker,
                frame_rate=frame_rate,
                classes=wanted,
                on_frame=lambda _frame, _tracks: progress.advance(task),
            )
    error = run.error
    if error is None and isinstance(frames, FileSource) and frames.ended_early:
        error = SourceError(
            source, f"ended early: {frames.declared_frames} frames declared (truncated?)"
        )
    if run.frames == 0:
        raise error or SourceError(source, "no frames could be decoded")
    boxes = run.log.interpolated(max_gap=round(max_gap_s * frame_rate))
    partial = out.with_name(out.name + ".partial")
    with partial.open("w", encoding="utf-8") as handle:
        for box in boxes:
            xywh = box.xyxy.copy()
            xywh[2:] -= xywh[:2]
            handle.write(format_mot_line(box.frame, box.track_id, xywh, box.score))
    partial.replace(out)  # a reader never sees a half-written results file
    tracks = len({b.track_id for b in boxes})
    log.info("%d frames, %d tracks, %d boxes -> %s", run.frames, tracks, len(boxes), out)
    if error is not None:
        raise SourceError(
            error.source, f"{error.reason}; results for the first {run.frames} frames written"
        )
