"""Person silhouettes for gait: foreground masks per track box, judged, then normalised.

Two sources give a binary foreground for each person box. `BackgroundSubtraction` keeps one
MOG2 model of the whole (fixed) camera view, shadows removed; it is cheap and sees legs as
they are. `SelfieSegmentation` runs mediapipe's person segmenter on each crop; it needs no
fixed camera, but it was made for near, large people and costs a model run per person.

A mask becomes a `Silhouette` only when it passes the rules in `judge` (each failure has a
`Reject` reason, so an evaluation can say why frames were dropped). Kept silhouettes are
normalised the way Gait Energy Image papers do: the largest blob, scaled to a fixed height,
centred on its horizontal centroid, so distance and position in the frame do not matter.
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from citywatch.config.gait import GaitConfig

# Around each box: feet and swinging arms stick out of tight boxes.
_MARGIN_X = 0.15
_MARGIN_Y = 0.05
_EDGE_PX = 2  # a box this close to the frame border is taken as cut by it
_FOREGROUND = 200  # MOG2 marks shadows 127 and foreground 255


class Reject(enum.StrEnum):
    """Why a person box gave no silhouette."""

    SMALL = "small"  # box shorter than min_height_px: too few pixels for legs
    EDGE = "edge"  # box touches the frame border: part of the body is outside
    OCCLUDED = "occluded"  # another track's box covers more than max_overlap of this box
    NOT_READY = "not_ready"  # the background model is still learning the view
    EMPTY = "empty"  # foreground under min_fill of the box: absorbed into the background
    FLOODED = "flooded"  # foreground over max_fill: a lighting change or a moved camera
    FRAGMENTED = "fragmented"  # largest blob under min_main_share of the foreground
    PARTIAL = "partial"  # largest blob under min_extent of the box height: a body part


@dataclass(frozen=True)
class Silhouette:
    """One normalised silhouette and the measurements period estimation needs."""

    image: np.ndarray  # height x width uint8 0..255, body centred on its horizontal centroid
    spread: float  # horizontal spread of the lower half (the legs), in silhouette heights
    aspect: float  # blob width / height before normalisation


class SilhouetteSource(Protocol):
    """Foreground masks of some regions of a frame.

    `masks` is called once per analysed frame, with no regions too (a background model must
    see every frame it is to learn from). Each mask is uint8 0/255 of its region's shape, or
    None where the source cannot say yet (a background model still learning).
    """

    name: str

    def masks(self, image: np.ndarray, regions: np.ndarray) -> list[np.ndarray | None]: ...


def crop_regions(xyxy: np.ndarray, width: int, height: int) -> np.ndarray:
    """Integer regions (x1, y1, x2, y2) around the boxes, a little larger, inside the frame."""
    boxes = np.asarray(xyxy, dtype=np.float32).reshape(-1, 4)
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    out = np.stack(
        [
            np.floor(boxes[:, 0] - _MARGIN_X * w),
            np.floor(boxes[:, 1] - _MARGIN_Y * h),
            np.ceil(boxes[:, 2] + _MARGIN_X * w),
            np.ceil(boxes[:, 3] + _MARGIN_Y * h),
        ],
        axis=1,
    )
    out[:, [0, 2]] = np.clip(out[:, [0, 2]], 0, width)
    out[:, [1, 3]] = np.clip(out[:, [1, 3]], 0, height)
    return out.astype(np.int32)


def covered_share(xyxy: np.ndarray) -> np.ndarray:
    """For each box, the largest share of its area that any one other box covers."""
    boxes = np.asarray(xyxy, dtype=np.float32).reshape(-1, 4)
    if len(boxes) < 2:
        return np.zeros(len(boxes), dtype=np.float32)
    top_left = np.maximum(boxes[:, None, :2], boxes[None, :, :2])
    bottom_right = np.minimum(boxes[:, None, 2:], boxes[None, :, 2:])
    inter = np.prod(np.clip(bottom_right - top_left, 0, None), axis=2)
    np.fill_diagonal(inter, 0.0)
    area = np.prod(np.clip(boxes[:, 2:] - boxes[:, :2], 1e-6, None), axis=1)
    return (inter.max(axis=1) / area).astype(np.float32)


def normalise(blob: np.ndarray, height: int, width: int) -> np.ndarray:
    """A binary blob (cropped to its bounds) scaled to `height`, centred on its centroid.

    Columns that fall outside `width` after centring are cut (outstretched arms of wide
    views); the centroid, not the box centre, is the anchor so a swinging leg does not
    shift the body.
    """
    rows, cols = blob.shape
    scale = height / rows
    new_width = max(1, int(round(cols * scale)))
    method = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    body = cv2.resize(blob, (new_width, height), interpolation=method)
    weights = body.astype(np.float32).sum(axis=0)
    centroid = float(np.dot(weights, np.arange(new_width)) / max(weights.sum(), 1e-6))
    # A sub-pixel shift: whole-pixel rounding would move small silhouettes by up to half a
    # pixel against large ones, which blurs a GEI averaged over people at many distances.
    shift = np.array([[1, 0, width / 2 - 0.5 - centroid], [0, 1, 0]], dtype=np.float32)
    return np.asarray(cv2.warpAffine(body, shift, (width, height), flags=cv2.INTER_LINEAR))


def leg_spread(image: np.ndarray) -> float:
    """Standard deviation of the lower half's foreground columns, in image heights.

    It swings twice per gait cycle (legs apart, legs together) when seen from the side;
    seen from the front it hardly moves, which is why frontal walking has no clear period.
    """
    lower = image[image.shape[0] // 2 :].astype(np.float32)
    weights = lower.sum(axis=0)
    total = float(weights.sum())
    if total <= 0:
        return 0.0
    columns = np.arange(image.shape[1], dtype=np.float32)
    mean = float(np.dot(weights, columns) / total)
    variance = float(np.dot(weights, (columns - mean) ** 2) / total)
    return float(np.sqrt(variance)) / image.shape[0]


def judge(
    mask: np.ndarray,
    region: np.ndarray,
    box: np.ndarray,
    config: GaitConfig,
) -> Silhouette | Reject:
    """A silhouette from one region's mask, or why not (the size rules ran before).

    `mask` covers `region` (frame pixels, x1 y1 x2 y2); `box` is the track's own box inside
    it. Rules: foreground between min_fill and max_fill of the box; the largest blob holds
    at least min_main_share of the region's foreground (else the body fell apart, or other
    things are in the box) and spans at least min_extent of the box height (else it is a
    part of the body: a torso above a hidden pair of legs, say).
    """
    binary = (mask >= 128).astype(np.uint8)
    bx1 = int(max(0, np.floor(box[0]) - region[0]))
    by1 = int(max(0, np.floor(box[1]) - region[1]))
    bx2 = int(min(binary.shape[1], np.ceil(box[2]) - region[0]))
    by2 = int(min(binary.shape[0], np.ceil(box[3]) - region[1]))
    inside = binary[by1:by2, bx1:bx2]
    if not inside.size:
        return Reject.EMPTY
    fill = float(inside.mean())
    if fill < config.min_fill:
        return Reject.EMPTY
    if fill > config.max_fill:
        return Reject.FLOODED
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if count < 2:
        return Reject.EMPTY
    areas = stats[1:, cv2.CC_STAT_AREA]
    main = 1 + int(np.argmax(areas))
    if areas[main - 1] < config.min_main_share * float(areas.sum()):
        return Reject.FRAGMENTED
    x, y, w, h = (int(v) for v in stats[main, :4])
    if h < config.min_extent * (by2 - by1):
        return Reject.PARTIAL
    blob = np.where(labels[y : y + h, x : x + w] == main, 255, 0).astype(np.uint8)
    image = normalise(blob, config.height, config.width)
    return Silhouette(image=image, spread=leg_spread(image), aspect=w / h)


def extract(
    source: SilhouetteSource,
    image: np.ndarray,
    xyxy: np.ndarray,
    config: GaitConfig,
    rows: np.ndarray | None = None,
) -> list[Silhouette | Reject]:
    """Silhouettes (or reasons) for the boxes `xyxy[rows]` of one frame (default: all).

    `xyxy` holds the boxes of every track in the frame, so that a person whose box another
    box covers by more than max_overlap is known to be occluded (vehicles occlude too).
    The source sees the frame even when no box passes the size rules.
    """
    everyone = np.asarray(xyxy, dtype=np.float32).reshape(-1, 4)
    chosen = np.arange(len(everyone)) if rows is None else np.asarray(rows, dtype=np.int64)
    boxes = everyone[chosen]
    covered = covered_share(everyone)[chosen]
    height, width = image.shape[:2]
    verdicts: list[Silhouette | Reject | None] = [None] * len(boxes)
    for row, box in enumerate(boxes):
        if box[3] - box[1] < config.min_height_px:
            verdicts[row] = Reject.SMALL
        elif (
            box[0] < _EDGE_PX
            or box[1] < _EDGE_PX
            or box[2] > width - _EDGE_PX
            or box[3] > height - _EDGE_PX
        ):
            verdicts[row] = Reject.EDGE
        elif covered[row] > config.max_overlap:
            verdicts[row] = Reject.OCCLUDED
    wanted = [row for row, verdict in enumerate(verdicts) if verdict is None]
    regions = crop_regions(boxes[wanted], width, height)
    masks = source.masks(image, regions)
    for row, region, mask in zip(wanted, regions, masks, strict=True):
        if mask is None:
            verdicts[row] = Reject.NOT_READY
        else:
            verdicts[row] = judge(mask, region, boxes[row], config)
    return [v if v is not None else Reject.EMPTY for v in verdicts]


class BackgroundSubtraction:
    """Foreground from a MOG2 model of the whole view (fixed cameras), shadows removed.

    The model learns from every frame `masks` is given; until it has seen `warmup` frames its
    masks are None. Frames wider than `max_width` are shrunk first (a 1080p view costs ~5x a
    640 px one and a person's legs are still several pixels wide). Morphology is per region:
    a 3x3 closing joins legs split by a background-coloured stripe; no opening, which would
    erase 2-3 px legs of far people.
    """

    name = "background"

    def __init__(
        self, history: int = 500, threshold: float = 16.0, max_width: int = 640, warmup: int = 20
    ) -> None:
        self._model = cv2.createBackgroundSubtractorMOG2(
            history=history, varThreshold=threshold, detectShadows=True
        )
        self.max_width = max_width
        self.warmup = warmup
        self.frames = 0
        self._kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))

    @classmethod
    def from_config(cls, config: GaitConfig) -> BackgroundSubtraction:
        return cls(
            config.background_history,
            config.background_threshold,
            config.background_width,
            config.warmup_frames,
        )

    def masks(self, image: np.ndarray, regions: np.ndarray) -> list[np.ndarray | None]:
        scale = min(1.0, self.max_width / image.shape[1])
        view = image
        if scale < 1.0:
            view = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        foreground = self._model.apply(view)
        self.frames += 1
        if self.frames <= self.warmup:
            return [None] * len(regions)
        out: list[np.ndarray | None] = []
        for x1, y1, x2, y2 in np.asarray(regions).reshape(-1, 4):
            sx1, sy1 = int(x1 * scale), int(y1 * scale)
            sx2 = max(sx1 + 1, int(np.ceil(x2 * scale)))
            sy2 = max(sy1 + 1, int(np.ceil(y2 * scale)))
            binary = np.where(foreground[sy1:sy2, sx1:sx2] >= _FOREGROUND, 255, 0)
            piece = cv2.morphologyEx(binary.astype(np.uint8), cv2.MORPH_CLOSE, self._kernel)
            if scale < 1.0:
                size = (int(x2 - x1), int(y2 - y1))
                piece = cv2.resize(piece, size, interpolation=cv2.INTER_NEAREST)
            out.append(np.asarray(piece, dtype=np.uint8))
        return out


class SelfieSegmentation:
    """Foreground from mediapipe's selfie segmenter run on each person crop.

    The general model (256x256 input) is used; crops are padded to a square first so thin
    standing people are not stretched sideways. mediapipe graphs are not thread-safe, so
    each thread gets its own.
    """

    name = "segmentation"

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self._local = threading.local()
        self._segmenter()  # fail at construction, not on the first person

    @classmethod
    def from_config(cls, config: GaitConfig) -> SelfieSegmentation:
        return cls(config.segmentation_threshold)

    def _segmenter(self):  # type: ignore[no-untyped-def]
        segmenter = getattr(self._local, "segmenter", None)
        if segmenter is None:
            from mediapipe.python.solutions.selfie_segmentation import (
                SelfieSegmentation as _Segmenter,
            )

            segmenter = self._local.segmenter = _Segmenter(model_selection=0)
        return segmenter

    def masks(self, image: np.ndarray, regions: np.ndarray) -> list[np.ndarray | None]:
        out: list[np.ndarray | None] = []
        segmenter = self._segmenter()
        for x1, y1, x2, y2 in np.asarray(regions).reshape(-1, 4):
            crop = image[y1:y2, x1:x2]
            h, w = crop.shape[:2]
            side = max(h, w)
            square = np.zeros((side, side, 3), dtype=np.uint8)
            left = (side - w) // 2
            square[:h, left : left + w] = crop
            result = segmenter.process(cv2.cvtColor(square, cv2.COLOR_BGR2RGB))
            probability = result.segmentation_mask
            if probability is None:
                out.append(np.zeros((h, w), dtype=np.uint8))
                continue
            piece = probability[:h, left : left + w] >= self.threshold
            out.append(np.where(piece, 255, 0).astype(np.uint8))
        return out


def create_source(config: GaitConfig) -> SilhouetteSource:
    if config.method == "segmentation":
        return SelfieSegmentation.from_config(config)
    return BackgroundSubtraction.from_config(config)
