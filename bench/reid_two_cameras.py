"""Two cameras, one trajectory: cross-camera association on the made-up two-camera scene.

Camera b is PETS09-S2L1 mirrored, darker and 4 s ahead of camera a (citywatch.eval.crosscam),
both paced in real time through the live pipeline (detector, tracker, re-ID stage,
association). Reports, as medians over runs: cross-camera links and how many join the same
annotated person (precision), annotated people seen on both cameras and how many were joined
(recall), and the re-ID cost per person track (embedding + attributes + association).
Then one run with gait on, for the cost and effect of the second cue.

usage: python bench/reid_two_cameras.py [--runs 3] [--frames 400]
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import asdict
from pathlib import Path

from _common import DATA, MODELS, emit, median, require_shared
from citywatch.attributes.reader import create_attribute_reader
from citywatch.config import DetectorConfig
from citywatch.config.attributes import AttributesConfig
from citywatch.config.reid import ReidConfig
from citywatch.detect import create_detector
from citywatch.eval.crosscam_run import TwoCameraResult, run_scene
from citywatch.models import ModelRegistry
from citywatch.reid.factory import create_person_embedder


def summary(result: TwoCameraResult) -> dict:
    scores = result.scores
    return {
        **asdict(scores),
        "precision": round(scores.precision, 3),
        "recall": round(scores.recall, 3),
        "tracks": result.tracks,
        "appearances": result.appearances,
        "ms_per_track": round(result.ms_per_track, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--frames", type=int, default=400)
    args = parser.parse_args()
    require_shared()
    registry = ModelRegistry(MODELS)
    detector = create_detector(DetectorConfig(), registry, 2)
    embedder = create_person_embedder(ReidConfig(), registry)
    attributes = create_attribute_reader(AttributesConfig(), registry)
    runs, with_gait = [], None
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for i in range(args.runs):
            result = run_scene(
                DATA,
                work / f"run{i}",
                detector,
                embedder,
                args.frames,
                clips_dir=work / "clips",
                attributes=attributes,
            )
            runs.append(summary(result))
            threshold = result.threshold
        gait = run_scene(
            DATA,
            work / "gait",
            detector,
            embedder,
            args.frames,
            gait=True,
            clips_dir=work / "clips",
        )
        with_gait = summary(gait)
    emit(
        "reid_two_cameras",
        {
            "scene": "PETS09-S2L1 as camera a; mirrored, x0.75 brightness, 4 s ahead as camera b",
            "frames_per_camera": args.frames,
            "embedder": embedder.name,
            "threshold": threshold,
            "median": {
                key: median([r[key] for r in runs])
                for key in ("precision", "recall", "cross_links", "people_on_both", "ms_per_track")
            },
            "runs": runs,
            "with_gait": with_gait,
        },
    )


if __name__ == "__main__":
    main()
