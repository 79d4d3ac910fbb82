"""What the face stages produce: landmark layouts, quality, and one observed face.

Faces travel between stages as `Detections` (class `ObjectClass.FACE`); landmarks ride along
as per-row data columns. Two 5-point layouts exist and are kept apart by column name, because
mixing them silently would misalign every face:

- `LANDMARKS` ("landmarks"): eye centres, nose tip, mouth corners, in image order (the eye on
  the image's left first). OMZ landmarks-regression-retail-0009 gives these, and they are what
  the OMZ face-reidentification template is written in.
- `DLIB5` ("landmarks_dlib5"): dlib's 5-point shape predictor: the outer and inner corner of the
  eye on the image's right, the outer and inner corner of the other eye, and the point under
  the nose. dlib's face chips (and so its ResNet embedder) are defined on these.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LANDMARKS = "landmarks"
DLIB5 = "landmarks_dlib5"
LANDMARK_KEYS = (LANDMARKS, DLIB5)


@dataclass(frozen=True)
class FaceQuality:
    """How usable a face is for recognition. Angles in degrees (rough, from 5 landmarks)."""

    size_px: float  # width of the face box in the frame
    sharpness: float  # 0..1, normalised variance of the Laplacian on an eye-aligned crop
    yaw: float  # + turned towards the image's right
    pitch: float  # + looking down
    roll: float  # + eye line rising to the image's right
    score: float  # 0..1, one number to rank faces by (best shot)
    passes: bool  # every configured threshold met
    reasons: tuple[str, ...] = ()  # which thresholds failed, for logs and review


@dataclass(frozen=True)
class FaceObservation:
    """One face found in one image, with what each stage made of it.

    `embedding` is None when the face was not embedded (it failed the quality gate and the
    caller asked only for faces that pass). `timings` holds milliseconds per stage for this
    face; a stage run once for the whole image (detection) is charged in full to every face.
    """

    box: np.ndarray  # xyxy, frame pixels
    score: float
    landmarks: np.ndarray | None  # 5x2 frame pixels, in `landmark_key`'s layout
    landmark_key: str | None
    quality: FaceQuality
    embedding: np.ndarray | None
    track_id: int = -1
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def width(self) -> float:
        return float(self.box[2] - self.box[0])

    @property
    def area(self) -> float:
        return float(max(self.box[2] - self.box[0], 0) * max(self.box[3] - self.box[1], 0))
