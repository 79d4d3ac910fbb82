"""A person re-ID evaluation built from the MOT ground truth in ../shared/data/tracking.

There is no re-ID benchmark in the shared data, but two sequences carry identities over
time: PETS09-S2L1 (795 frames of people walking about a square; its 19 ground-truth ids are
10 people, because someone who leaves the view and comes back gets a new id) and TUD-Campus
(8 people crossing in 71 frames). From them:

Crops: every `step`-th frame, every ground-truth box with conf 1, cut from the decoded frame,
unless (1) it is under `min_height_px` high (too few pixels to say anything), (2) it is cut by
the image border (part of the person is missing), or (3) more than `max_overlap` of its area
is covered by another ground-truth box of that frame, conf 0 boxes included (the crop would
show two people). PETS gives 780 crops 40-96 px high (480x360 video), TUD 81.

Junk (Market-1501's rule for the same camera): a query's own person within `gap_s` seconds
of it is left out of its gallery, because a crop a few frames away is nearly the same image
and says nothing about re-identification. Time is frame distance over the sequence's frame
rate (seqinfo.ini: PETS 7 fps, TUD 25 fps). The same person at other times stays in the
gallery as the true matches; every other person at any time is a distractor.

Crop level: every crop is a query in turn against all crops of its sequence.
Track level: the system embeds a track as the mean of a few crops (`ReidConfig.best_crops`),
so each ground-truth track's crops, in time order, are cut into segments of `track_crops`
consecutive crops; a segment's embedding is the re-normalised mean of its crops', and
segments are ranked against segments with the same junk rule applied to their time spans.
Re-entry levels (PETS): the query's whole ground-truth track is junk too, so the only true
matches are the same person on another visit to the view (4 s to 100 s later, the pose, the
side seen and the place all changed): the closest thing here to another camera.

Thresholds: genuine pairs (same person, not junk) and impostor pairs (different people) of
track segments on PETS; the candidate is the largest distance that lets at most 1 % of the
impostor pairs through (`CALIBRATION_FMR`), checked on TUD. The equal-error point is
reported too, but it lets 5-20 % of impostor pairs through, too many when every track is
compared with every candidate on the neighbouring cameras.
"""

from __future__ import annotations

import configparser
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from citywatch.core.errors import UsageError
from citywatch.eval.motfile import MotRows, read_mot
from citywatch.eval.reid_metrics import RankingScores, pair_distances, ranking_scores
from citywatch.faces.metrics import eer_threshold, threshold_at_fmr, verification_stats
from citywatch.reid.base import PersonEmbedder


@dataclass(frozen=True)
class ReidSequence:
    """One ground-truth sequence: paths relative to the data folder."""

    name: str
    folder: str  # holds gt/gt.txt and seqinfo.ini
    frames: str  # a video file or a folder of numbered frames, relative to `folder`
    scale: float = 1.0  # ground-truth boxes times this = pixels of `frames`
    step: int = 1  # every step-th frame is used
    gap_s: float | None = None  # the junk gap, when not the evaluation's default
    same_person: tuple[tuple[int, ...], ...] = ()  # ground-truth ids that are one person

    def person_ids(self, ids: np.ndarray) -> np.ndarray:
        """Ground-truth ids with each `same_person` group mapped to its first id."""
        ids = np.asarray(ids).copy()
        for group in self.same_person:
            ids[np.isin(ids, group)] = group[0]
        return ids

    def gt_path(self, data_dir: Path) -> Path:
        return data_dir / self.folder / "gt" / "gt.txt"

    def frames_path(self, data_dir: Path) -> Path:
        return data_dir / self.folder / self.frames


# PETS09-S2L1's ground truth gives a person a new id each time they walk back into view, so
# its 19 ids are 10 people. Grouped by eye from the crops (the same clothes, hair and the
# white papers one man carries), and only ids never in the same frame; the learnt models
# agree (each group's mean embeddings are the nearest of all ids to each other).
PETS09_SAME_PERSON = ((1, 19), (2, 13), (3, 11), (4, 12), (5, 9), (6, 10), (8, 14, 15, 18))

# PETS: 7 fps, step 5 = a frame every 0.7 s. TUD: 25 fps but only 71 frames (2.8 s), so
# every 2nd frame, and a 1 s gap: at 2 s hardly anyone has crops on both sides of it.
PETS09 = ReidSequence(
    "pets09_s2l1",
    "tracking/pets09_s2l1",
    "vtest.mp4",
    scale=0.625,
    step=5,
    same_person=PETS09_SAME_PERSON,
)
TUD_CAMPUS = ReidSequence("tud_campus", "tracking/tud_campus", "img1", step=2, gap_s=1.0)
SEQUENCES = (PETS09, TUD_CAMPUS)


# Thresholds: a false match joins two people's trajectories, and a track meets many
# candidates, so impostor pairs choose: at most 1 % of them may fall under the threshold.
CALIBRATION_FMR = 0.01


@dataclass(frozen=True)
class CropRule:
    """Which ground-truth boxes make usable crops (see the module docstring)."""

    min_height_px: float = 40.0
    max_overlap: float = 0.3  # of the box's own area, covered by another ground-truth box
    border_px: float = 1.0  # a box may reach this far past the image edge (rounding)


@dataclass(frozen=True)
class EvalSettings:
    rule: CropRule = field(default_factory=CropRule)
    gap_s: float = 2.0  # same identity closer in time than this is junk
    track_crops: int = 4  # crops per track segment (ReidConfig.best_crops' default)


@dataclass
class CropSet:
    """The crops of one sequence, with parallel identity, frame and xywh box arrays."""

    sequence: ReidSequence
    fps: float
    crops: list[np.ndarray]
    ids: np.ndarray  # person (ground-truth ids merged by `same_person`)
    track_ids: np.ndarray  # ground-truth id as given
    frames: np.ndarray
    boxes: np.ndarray

    def __len__(self) -> int:
        return len(self.crops)

    def gap_frames(self, gap_s: float) -> float:
        """Frames in the junk gap: the sequence's own gap if it has one, else `gap_s`."""
        return (self.sequence.gap_s or gap_s) * self.fps


def frame_rate(folder: Path) -> float:
    """The sequence's frame rate from its seqinfo.ini (`[Sequence] frameRate`)."""
    info = folder / "seqinfo.ini"
    parser = configparser.ConfigParser()
    try:
        parser.read_string(info.read_text(encoding="utf-8"))
        return float(parser["Sequence"]["frameRate"])
    except (OSError, KeyError, ValueError, configparser.Error) as error:
        raise UsageError(f"{info}: cannot read frameRate ({type(error).__name__})") from None


def select_boxes(rows: MotRows, width: int, height: int, rule: CropRule) -> np.ndarray:
    """Mask of the rows that make usable crops in a `width` x `height` image."""
    x, y, w, h = (rows.xywh[:, i] for i in range(4))
    keep = (rows.conf > 0) & (h >= rule.min_height_px)
    keep &= (x >= -rule.border_px) & (y >= -rule.border_px)
    keep &= (x + w <= width + rule.border_px) & (y + h <= height + rule.border_px)
    return keep & (overlap_share(rows) <= rule.max_overlap)


def overlap_share(rows: MotRows) -> np.ndarray:
    """Per row: the largest share of its area covered by one other box of the same frame."""
    share = np.zeros(len(rows))
    xyxy = np.concatenate([rows.xywh[:, :2], rows.xywh[:, :2] + rows.xywh[:, 2:]], axis=1)
    area = np.maximum(rows.xywh[:, 2] * rows.xywh[:, 3], 1e-9)
    for frame in np.unique(rows.frame):
        index = np.flatnonzero(rows.frame == frame)
        if len(index) < 2:
            continue
        boxes = xyxy[index]
        left = np.maximum(boxes[:, None, 0], boxes[None, :, 0])
        top = np.maximum(boxes[:, None, 1], boxes[None, :, 1])
        right = np.minimum(boxes[:, None, 2], boxes[None, :, 2])
        bottom = np.minimum(boxes[:, None, 3], boxes[None, :, 3])
        inter = np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)
        np.fill_diagonal(inter, 0.0)
        share[index] = inter.max(axis=1) / area[index]
    return share


def read_frames(path: Path, wanted: Iterable[int]) -> dict[int, np.ndarray]:
    """The wanted 1-based frames of a video (decoded in order) or a folder of numbered JPEGs."""
    wanted = set(wanted)
    if path.is_dir():
        from citywatch.core.images import load_image

        files = sorted(p for p in path.iterdir() if p.suffix.lower() in {".jpg", ".png"})
        return {n: load_image(files[n - 1]) for n in sorted(wanted) if 0 < n <= len(files)}
    if not path.is_file():
        raise UsageError(f"{path}: no such video or folder of frames")
    import av

    found: dict[int, np.ndarray] = {}
    with av.open(str(path)) as container:
        for number, frame in enumerate(container.decode(video=0), start=1):
            if number in wanted:
                found[number] = frame.to_ndarray(format="bgr24")
            if len(found) == len(wanted):
                break
    return found


def build_crops(data_dir: Path, sequence: ReidSequence, rule: CropRule) -> CropSet:
    """Cut the usable ground-truth boxes of every `step`-th frame out of the decoded frames."""
    rows = read_mot(sequence.gt_path(data_dir), scale=sequence.scale)
    rows = rows.select((rows.frame - 1) % sequence.step == 0)
    frames = read_frames(sequence.frames_path(data_dir), np.unique(rows.frame).tolist())
    if not frames:
        raise UsageError(f"{sequence.frames_path(data_dir)}: no frames decoded")
    height, width = next(iter(frames.values())).shape[:2]
    rows = rows.select(select_boxes(rows, width, height, rule) & np.isin(rows.frame, [*frames]))
    crops = []
    for frame, (x, y, w, h) in zip(rows.frame, rows.xywh, strict=True):
        left, top = max(int(round(x)), 0), max(int(round(y)), 0)
        right, bottom = min(int(round(x + w)), width), min(int(round(y + h)), height)
        crops.append(np.ascontiguousarray(frames[int(frame)][top:bottom, left:right]))
    return CropSet(
        sequence=sequence,
        fps=frame_rate(data_dir / sequence.folder),
        crops=crops,
        ids=sequence.person_ids(rows.track_id),
        track_ids=rows.track_id.copy(),
        frames=rows.frame.copy(),
        boxes=rows.xywh.copy(),
    )


def junk_mask(
    ids: np.ndarray, starts: np.ndarray, ends: np.ndarray, gap_frames: float
) -> np.ndarray:
    """Pairs of one set that are the same identity less than `gap_frames` apart in time.

    Items are time spans [start, end] (a crop: start == end); the gap between two spans is
    zero when they overlap. The diagonal (an item and itself) is always junk.
    """
    ids = np.asarray(ids)
    gap = np.maximum(starts[None, :] - ends[:, None], starts[:, None] - ends[None, :])
    return (ids[:, None] == ids[None, :]) & (np.maximum(gap, 0) < gap_frames)


def segments(ids: np.ndarray, frames: np.ndarray, length: int) -> list[np.ndarray]:
    """Indices of each identity's crops in time order, cut into runs of `length` (rest dropped)."""
    runs: list[np.ndarray] = []
    for identity in np.unique(ids):
        index = np.flatnonzero(ids == identity)
        index = index[np.argsort(frames[index], kind="stable")]
        runs.extend(index[i : i + length] for i in range(0, len(index) - length + 1, length))
    return runs


def l2_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


@dataclass(frozen=True)
class Items:
    """What gets ranked: crops, or track segments (time spans of a few crops)."""

    vectors: np.ndarray
    ids: np.ndarray  # person
    track_ids: np.ndarray  # ground-truth track: one person's visit to the view
    starts: np.ndarray
    ends: np.ndarray


def crop_items(vectors: np.ndarray, crops: CropSet) -> Items:
    return Items(vectors, crops.ids, crops.track_ids, crops.frames, crops.frames)


def track_items(vectors: np.ndarray, crops: CropSet, length: int) -> Items:
    """Each ground-truth track's crops in runs of `length`, embedded as their mean."""
    runs = segments(crops.track_ids, crops.frames, length)
    if not runs:
        return Items(np.zeros((0, vectors.shape[1]), np.float32), *(np.zeros(0, int),) * 4)
    return Items(
        vectors=l2_rows(np.stack([vectors[run].mean(axis=0) for run in runs])),
        ids=np.array([crops.ids[run[0]] for run in runs]),
        track_ids=np.array([crops.track_ids[run[0]] for run in runs]),
        starts=np.array([crops.frames[run].min() for run in runs]),
        ends=np.array([crops.frames[run].max() for run in runs]),
    )


@dataclass(frozen=True)
class Ranked:
    """One level (crops or track segments) of one sequence, for one embedder."""

    scores: RankingScores
    pair_distances: np.ndarray  # every non-junk pair, for choosing a threshold
    pair_same: np.ndarray


def rank(items: Items, gap_frames: float, reentry: bool = False) -> Ranked:
    """Every item against all others. `reentry`: the query's whole ground-truth track is junk,
    so only the same person on another visit to the view counts as a match."""
    distances = 1.0 - items.vectors @ items.vectors.T
    junk = junk_mask(items.ids, items.starts, items.ends, gap_frames)
    if reentry:
        junk |= items.track_ids[:, None] == items.track_ids[None, :]
    d, same = pair_distances(distances, items.ids, junk)
    return Ranked(ranking_scores(distances, items.ids, items.ids, junk), d, same)


def embed_timed(
    embedder: PersonEmbedder, crops: Sequence[np.ndarray], batch: int = 32
) -> tuple[np.ndarray, float]:
    """All crops' embeddings and the milliseconds per crop it took (in batches of `batch`)."""
    embedder.embed(list(crops[:batch]))  # warm caches and thread pools out of the timing
    started = time.perf_counter()
    parts = [embedder.embed(list(crops[i : i + batch])) for i in range(0, len(crops), batch)]
    elapsed_ms = (time.perf_counter() - started) * 1000
    vectors = np.concatenate(parts) if parts else np.zeros((0, embedder.dim), np.float32)
    return vectors, elapsed_ms / max(len(crops), 1)


def _eer(ranked: Ranked) -> float | None:
    same = ranked.pair_same
    if same.all() or not same.any():
        return None
    return round(eer_threshold(ranked.pair_distances, same)[0], 4)


def _stats(d: np.ndarray, same: np.ndarray, threshold: float) -> dict[str, float | int]:
    s = verification_stats(d, same, threshold)
    return {
        "genuine": s.genuine,
        "impostor": s.impostor,
        "accuracy": round(s.accuracy, 4),
        "fmr": round(s.fmr, 4),
        "fnmr": round(s.fnmr, 4),
    }


def score_sequence(vectors: np.ndarray, crops: CropSet, settings: EvalSettings) -> dict:
    """Level name -> `Ranked`: crop and track level, and their re-entry variants where the
    sequence has people with several ground-truth tracks."""
    gap = crops.gap_frames(settings.gap_s)
    single, tracks = crop_items(vectors, crops), track_items(vectors, crops, settings.track_crops)
    levels = {"crop": rank(single, gap), "track": rank(tracks, gap)}
    if crops.sequence.same_person:
        levels["reentry_crop"] = rank(single, gap, reentry=True)
        levels["reentry_track"] = rank(tracks, gap, reentry=True)
    return levels


def evaluate_embedder(
    embedder: PersonEmbedder,
    sets: Sequence[CropSet],
    settings: EvalSettings,
    calibrate_on: str = PETS09.name,
    timing_passes: int = 1,
) -> dict:
    """Ranking scores per level and sequence, speed, and the threshold from `calibrate_on`.

    Speed: milliseconds per crop over all crops in batches of 32, the fastest of
    `timing_passes` passes (the machine's other work only ever adds time).
    """
    result: dict = {"embedder": embedder.name, "dim": embedder.dim}
    ranked: dict[str, dict] = {}
    total_ms = 0.0
    for crops in sets:
        runs = [embed_timed(embedder, crops.crops) for _ in range(max(timing_passes, 1))]
        total_ms += min(ms for _, ms in runs) * len(crops)
        ranked[crops.sequence.name] = score_sequence(runs[0][0], crops, settings)
        for level, scored in ranked[crops.sequence.name].items():
            result.setdefault(level, {})[crops.sequence.name] = scored.scores.as_dict()
    result["ms_per_crop"] = round(total_ms / max(sum(len(c) for c in sets), 1), 3)
    if calibrate_on in ranked:
        result["threshold"] = _threshold_report(ranked, embedder.default_threshold, calibrate_on)
    return result


def _threshold_report(ranked: dict[str, dict], default: float, calibrate_on: str) -> dict:
    """Candidate thresholds from track pairs on `calibrate_on`, and the default's errors.

    The rule: the largest distance with a false-match rate of at most `CALIBRATION_FMR` on
    its impostor track pairs. The equal-error point is reported beside it, and each other
    sequence's own points, to see how far they move from one scene to the next.
    """
    tracks = ranked[calibrate_on]["track"]
    crops = ranked[calibrate_on]["crop"]
    eer_t, eer = eer_threshold(tracks.pair_distances, tracks.pair_same)
    crop_eer_t, crop_eer = eer_threshold(crops.pair_distances, crops.pair_same)
    at_fmr = threshold_at_fmr(tracks.pair_distances[~tracks.pair_same], CALIBRATION_FMR)
    return {
        "rule": f"FMR <= {CALIBRATION_FMR:.0%} on track-segment pairs of {calibrate_on}",
        "fmr_threshold": round(at_fmr, 4),
        "eer_threshold": round(eer_t, 4),
        "eer": round(eer, 4),
        "crop_eer_threshold": round(crop_eer_t, 4),
        "crop_eer": round(crop_eer, 4),
        "default_threshold": default,
        "own_eer_threshold": {
            name: {level: _eer(levels[level]) for level in ("crop", "track")}
            for name, levels in ranked.items()
            if name != calibrate_on
        },
        "at_default": {
            name: {
                level: _stats(levels[level].pair_distances, levels[level].pair_same, default)
                for level in ("crop", "track")
            }
            for name, levels in ranked.items()
        },
    }


def run_reid_eval(
    data_dir: Path,
    embedders: Iterable[tuple[str, Callable[[], PersonEmbedder]]],
    settings: EvalSettings | None = None,
    sequences: Sequence[ReidSequence] = SEQUENCES,
    timing_passes: int = 1,
) -> dict:
    """The whole evaluation: crops built once, then every embedder (built lazily) on them."""
    settings = settings or EvalSettings()
    data_dir = Path(data_dir)
    for sequence in sequences:
        if not sequence.gt_path(data_dir).is_file():
            raise UsageError(f"{sequence.gt_path(data_dir)}: ground truth not found")
    sets = [build_crops(data_dir, s, settings.rule) for s in sequences]
    report: dict = {
        "settings": {
            "min_height_px": settings.rule.min_height_px,
            "max_overlap": settings.rule.max_overlap,
            "gap_s": settings.gap_s,
            "track_crops": settings.track_crops,
        },
        "sequences": {s.sequence.name: _describe(s, settings) for s in sets},
        "models": {},
    }
    for label, build in embedders:
        report["models"][label] = evaluate_embedder(
            build(), sets, settings, timing_passes=timing_passes
        )
    return report


def _describe(crops: CropSet, settings: EvalSettings) -> dict:
    return {
        "step": crops.sequence.step,
        "fps": crops.fps,
        "gap_frames": round(crops.gap_frames(settings.gap_s), 1),
        "crops": len(crops),
        "identities": int(len(np.unique(crops.ids))),
        "tracks": int(len(np.unique(crops.track_ids))),
        "segments": len(segments(crops.track_ids, crops.frames, settings.track_crops)),
        "crop_height_px": [
            round(float(v), 1) for v in np.percentile(crops.boxes[:, 3], [0, 50, 100])
        ]
        if len(crops)
        else [],
    }
