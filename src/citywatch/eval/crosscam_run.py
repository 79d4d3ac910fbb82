"""Run the made-up two-camera scene (`crosscam`) through the live pipeline and score it.

Camera "a" shows PETS09-S2L1 from its first frame; camera "b" the same footage mirrored,
darker, and `offset_frames` ahead, so each person is on both cameras at once, seen from the
other side a few seconds apart. The topology says so (a negative shortest transit: the views
overlap). Used by tests/integration/reid and bench/reid_two_cameras.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from citywatch.core.classes import ObjectClass
from citywatch.detect.base import Detector
from citywatch.eval.crosscam import (
    LinkScores,
    ViewSpec,
    label_tracks,
    score_links,
    write_offset_view,
)
from citywatch.eval.motfile import MotRows, read_mot
from citywatch.eval.reid import PETS09
from citywatch.pipeline.reid_stage import AttributeReader
from citywatch.reid.base import PersonEmbedder

PETS = Path("tracking/pets09_s2l1")
PETS_SCALE = 0.625  # annotations are in 768x576 pixels, the clip is 480x360
PETS_WIDTH = 480


@dataclass(frozen=True)
class TwoCameraResult:
    scores: LinkScores
    tracks: dict[str, int]  # person tracks stored per camera
    appearances: int
    ms_per_track: float  # embedding, attributes, association per person track, camera mean
    threshold: float
    example_identity: str | None  # an identity with tracks on both cameras


def views(frames: int, offset_frames: int) -> dict[str, ViewSpec]:
    return {
        "a": ViewSpec(start_frame=0, frames=frames),
        "b": ViewSpec(start_frame=offset_frames, frames=frames, mirror=True, gain=0.75),
    }


def write_views(data_dir: Path, work: Path, frames: int, offset_frames: int) -> dict[str, Path]:
    source = data_dir / PETS / "vtest.mp4"
    return {
        camera: write_offset_view(source, work / f"camera-{camera}.mp4", view)
        for camera, view in views(frames, offset_frames).items()
    }


def scene_config(clips: dict[str, Path], offset_s: float, gait: bool = False) -> dict:
    """Configuration of the two cameras as overlapping neighbours."""
    return {
        "cameras": [
            {
                "id": "a",
                "source": str(clips["a"]),
                "fps": 10,
                "realtime": True,  # like live cameras: a file read at full speed drops frames
                # b shows a person up to offset_s before a does, while both see them.
                "neighbours": [{"camera": "b", "transit_s": [-90.0, offset_s + 5.0]}],
            },
            {"id": "b", "source": str(clips["b"]), "fps": 10, "realtime": True},
        ],
        "faces": {"enabled": False},
        "gait": {"enabled": gait},
        "storage": {"thumbnails": True},
    }


def run_scene(
    data_dir: Path,
    work: Path,
    detector: Detector,
    embedder: PersonEmbedder,
    frames: int = 400,
    offset_frames: int = 40,
    gait: bool = False,
    clips_dir: Path | None = None,
    attributes: AttributeReader | None = None,
) -> TwoCameraResult:
    """Run the scene with its store under `work / "data"`; clips are written to `clips_dir`
    (default `work / "clips"`) unless already there, so repeated runs share them."""
    from citywatch.config import parse_config
    from citywatch.pipeline.runner import PipelineRunner
    from citywatch.store import open_store
    from citywatch.store.people import PersonRecords

    clips = clips_dir or work / "clips"
    if not (clips / "camera-b.mp4").is_file():  # the same clips serve repeated runs
        write_views(data_dir, clips, frames, offset_frames)
    clips_by_camera = {c: clips / f"camera-{c}.mp4" for c in ("a", "b")}
    config = parse_config(
        scene_config(clips_by_camera, offset_frames / 10.0, gait), origin="two-camera scene"
    )
    store = open_store(None, work / "data", thumbnails=True)
    try:
        runner = PipelineRunner(config, store, detector, reid=embedder, attributes=attributes)
        runner.start()
        runner.wait()
        runner.stop()
        stats = runner.stats()
        truth = read_mot(data_dir / PETS / "gt" / "gt.txt", scale=PETS_SCALE)
        truth = truth.select(truth.conf > 0)
        # PETS gives a person a new id each time they walk back into view: one id a person.
        truth = MotRows(truth.frame, PETS09.person_ids(truth.track_id), truth.xywh, truth.conf)
        appearances = PersonRecords(store).appearances()
        labels: dict[int, int] = {}
        tracks: dict[str, int] = {}
        for camera, view in views(frames, offset_frames).items():
            stored = [
                t
                for t in store.tracks(camera_id=camera, limit=100_000)
                if t.class_id == ObjectClass.PERSON
            ]
            tracks[camera] = len(stored)
            labels.update(label_tracks(stored, truth, view, PETS_WIDTH))
        scores = score_links(appearances, labels)
        cameras_of: dict[str | None, set[str]] = {}
        for a in appearances:
            cameras_of.setdefault(a.identity_id, set()).add(a.camera_id)
        example = next((i for i, cams in cameras_of.items() if len(cams) == 2), None)
        assert runner.associator is not None
        return TwoCameraResult(
            scores=scores,
            tracks=tracks,
            appearances=len(appearances),
            ms_per_track=sum(s.reid_ms_per_track for s in stats) / len(stats),
            threshold=runner.associator.threshold,
            example_identity=example,
        )
    finally:
        store.close()
