"""Finding small faces: look for each face inside its person's head region, enlarged.

In wide CCTV shots faces are 20-40 px; every face detector here loses them on the whole frame,
because the frame is shrunk to the detector's input (300x300, 192x192) or the detector's
window is larger than the face (dlib HOG: 80 px). The person detector still sees the body,
so we crop the top of each person box, where the head is, scale that crop up so the face
becomes large for the detector, detect, and map the boxes back to frame pixels.

Measured (bench/faces_verify.py, small_faces: 16 frames of faces_walking.mp4 shrunk into one
1920x1080 wide shot, faces 13-27 px): on the whole frame every detector found none; in head
regions face-detection-retail-0005 found 47 of 49, retail-0004 44, adas-0001 41, mediapipe
40, dlib HOG 28. For the SSD models the crop is what counts (they resize every input to
their own size, so `upscale_to` changed nothing); dlib HOG needs `upscale_to` >= 320.
"""

from __future__ import annotations

import numpy as np

from citywatch.core.boxes import nms
from citywatch.core.detections import NO_TRACK, Detections
from citywatch.faces.base import FaceDetector
from citywatch.faces.geometry import crop_resized
from citywatch.faces.types import LANDMARK_KEYS

PERSON_INDEX = "person_index"  # Detections column: which person box a face was found in


def head_region(person: np.ndarray, head_fraction: float = 0.4, margin: float = 0.15) -> np.ndarray:
    """The top `head_fraction` of a person box, widened by `margin` of its width each side.

    Person boxes are often a little narrow or cut at the head, so the region reaches a bit
    beyond them; a crop taller than it is wide is fine, the detectors resize anyway.
    """
    x1, y1, x2, y2 = (float(v) for v in person)
    w, h = x2 - x1, y2 - y1
    top = y1 - 0.05 * h  # heads often poke out of the top of a person box
    return np.array(
        [x1 - margin * w, top, x2 + margin * w, y1 + head_fraction * h], dtype=np.float32
    )


def detect_in_regions(
    detector: FaceDetector,
    image: np.ndarray,
    person_boxes: Detections | np.ndarray,
    upscale_to: int = 320,
    head_fraction: float = 0.4,
    max_upscale: float = 8.0,
    nms_iou: float = 0.4,
) -> Detections:
    """Faces in the head regions of `person_boxes` (xyxy), in frame pixels.

    Each head region is resized so its longer side is `upscale_to` pixels (never more than
    `max_upscale` times: beyond that a face is too few pixels to recognise anyway), which
    makes a 20-px face 60-100 px. Faces found twice through overlapping regions are merged by
    NMS. Each person is then given at most one face, the one nearest where its head should be
    (top centre of the box); that face takes the person's `tracker_id` (so the best-shot
    selector can group a track's faces) and `data["person_index"]`. A face no person claims
    (a neighbour the person detector missed) is kept with person_index -1 and no track.
    """
    if isinstance(person_boxes, Detections):
        people, track_ids = person_boxes.xyxy, person_boxes.tracker_id
    else:
        people = np.asarray(person_boxes, dtype=np.float32).reshape(-1, 4)
        track_ids = np.full(len(people), NO_TRACK, dtype=np.int64)
    height, width = image.shape[:2]
    found: list[Detections] = []
    for person in people:
        region = head_region(person, head_fraction)
        region[[0, 2]] = np.clip(region[[0, 2]], 0, width)
        region[[1, 3]] = np.clip(region[[1, 3]], 0, height)
        if region[2] - region[0] < 4 or region[3] - region[1] < 4:
            continue
        faces = _detect_enlarged(detector, image, region, upscale_to, max_upscale)
        if len(faces):
            found.append(faces)
    if not found:
        return Detections.empty().with_data(**{PERSON_INDEX: np.zeros(0, np.int64)})
    merged = Detections.concat(found)
    merged = merged[nms(merged.xyxy, merged.confidence, nms_iou)]
    owner = _assign_to_people(merged.xyxy, people, head_fraction)
    tracker = np.where(owner >= 0, track_ids[np.maximum(owner, 0)], NO_TRACK)
    return merged.with_tracker_id(tracker).with_data(**{PERSON_INDEX: owner})


def _detect_enlarged(
    detector: FaceDetector,
    image: np.ndarray,
    region: np.ndarray,
    upscale_to: int,
    max_upscale: float,
) -> Detections:
    """Detect in the region's crop scaled to `upscale_to`; boxes back in frame pixels."""
    longest = max(float(region[2] - region[0]), float(region[3] - region[1]), 1.0)
    crop, origin = crop_resized(image, region, min(upscale_to / longest, max_upscale))
    # Rounding makes the two scales differ slightly; map back with each.
    fx = crop.shape[1] / max(np.ceil(region[2]) - np.floor(region[0]), 1.0)
    fy = crop.shape[0] / max(np.ceil(region[3]) - np.floor(region[1]), 1.0)
    faces = detector.detect(crop)
    if not len(faces):
        return faces
    scale = np.array([fx, fy, fx, fy], dtype=np.float32)
    xyxy = faces.xyxy / scale + np.concatenate([origin, origin])
    centres = (xyxy[:, :2] + xyxy[:, 2:]) / 2
    inside = (
        (centres[:, 0] >= region[0])
        & (centres[:, 0] <= region[2])
        & (centres[:, 1] >= region[1])
        & (centres[:, 1] <= region[3])
    )
    columns = dict(faces.data)
    for key in LANDMARK_KEYS:
        if key in columns:
            columns[key] = columns[key] / scale[:2] + origin
    mapped = Detections.create(xyxy, faces.confidence, faces.class_id, data=columns)
    return mapped[inside]


def _assign_to_people(faces: np.ndarray, people: np.ndarray, head_fraction: float) -> np.ndarray:
    """For each face, the index of the person it belongs to, or -1; one face per person.

    Cost: distance from the face centre to the person's expected head point (box top centre,
    a tenth of the height down) in person widths; only faces inside the person's head region
    qualify. Greedy on the cost, cheapest first, which for a handful of faces per region is
    what an optimal assignment gives.
    """
    owner = np.full(len(faces), -1, dtype=np.int64)
    if not len(faces) or not len(people):
        return owner
    centres = (faces[:, :2] + faces[:, 2:]) / 2
    widths = np.maximum(people[:, 2] - people[:, 0], 1.0)
    heads = np.stack(
        [(people[:, 0] + people[:, 2]) / 2, people[:, 1] + 0.1 * (people[:, 3] - people[:, 1])],
        axis=1,
    )
    cost = (
        np.hypot(centres[:, None, 0] - heads[None, :, 0], centres[:, None, 1] - heads[None, :, 1])
        / widths[None, :]
    )
    regions = np.array([head_region(p, head_fraction) for p in people])
    inside = (
        (centres[:, None, 0] >= regions[None, :, 0])
        & (centres[:, None, 0] <= regions[None, :, 2])
        & (centres[:, None, 1] >= regions[None, :, 1])
        & (centres[:, None, 1] <= regions[None, :, 3])
    )
    cost = np.where(inside, cost, np.inf)
    taken = np.zeros(len(people), dtype=bool)
    for flat in np.argsort(cost, axis=None):
        face, person = np.unravel_index(flat, cost.shape)
        if not np.isfinite(cost[face, person]):
            break
        if owner[face] < 0 and not taken[person]:
            owner[face] = person
            taken[person] = True
    return owner
