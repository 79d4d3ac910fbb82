"""Face detection, alignment, quality gating and embedding settings (citywatch.faces)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from citywatch.config.base import Section
from citywatch.faces.thresholds import DEFAULT_THRESHOLDS

FaceDetectorBackend = Literal["auto", "openvino", "dlib", "mediapipe"]
FaceEmbedderBackend = Literal["auto", "openvino", "dlib"]


class FaceQualityConfig(Section):
    """When a face is good enough to embed (see citywatch.faces.quality)."""

    min_size_px: float = Field(default=20.0, ge=0, description="face box width in frame pixels")
    good_size_px: float = Field(default=40.0, gt=0, description="size that scores full marks")
    min_sharpness: float = Field(default=0.5, ge=0, le=1, description="0..1, Laplacian based")
    max_yaw: float = Field(default=45.0, ge=0, le=90, description="degrees, rough")
    max_pitch: float = Field(default=40.0, ge=0, le=90, description="degrees, rough")
    min_score: float = Field(default=0.3, ge=0, le=1, description="combined 0..1 quality")


class FacesConfig(Section):
    """Which face models run and how faces are gated and matched.

    `auto` picks the OpenVINO (Open Model Zoo) models when their files are in the model
    directory (faster and more accurate) and otherwise the models that installed packages
    ship (dlib's ResNet embedder; mediapipe or dlib detectors), saying so in the log.
    """

    enabled: bool = Field(default=True, description="look for faces of tracked people")
    detector: FaceDetectorBackend = "auto"
    detector_model: str = Field(
        default="face-detection-retail-0004", description="OMZ face detector for openvino"
    )
    region_detector_model: str | None = Field(
        default="face-detection-retail-0005",
        description="OMZ face detector for person head regions (found 96 % of small faces "
        "there, retail-0004 90 %); falls back to detector_model when absent; null: the same",
    )
    precision: str | None = Field(default=None, description="OMZ precision folder, e.g. FP16")
    score_threshold: float = Field(default=0.5, ge=0, le=1, description="face detector score")
    confirm: bool = Field(
        default=True,
        description="whole images: keep OMZ faces only if dlib HOG agrees (drops animal faces)",
    )
    dlib_upsample: int = Field(default=1, ge=0, le=3, description="dlib HOG upsampling steps")
    landmarks_model: str = "landmarks-regression-retail-0009"
    embedder: FaceEmbedderBackend = "auto"
    embedder_model: str = "face-reidentification-retail-0095"
    thresholds: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_THRESHOLDS),
        description="same-person cosine distance per embedder model (measured defaults)",
    )
    threshold: float | None = Field(
        default=None,
        gt=0,
        le=2,
        description="one threshold for whichever embedder runs (overrides `thresholds`)",
    )
    device: str = "CPU"
    regions: bool = Field(
        default=True, description="look for faces in person head regions, enlarged (CCTV)"
    )
    region_upscale_to: int = Field(default=320, ge=64, le=2048)
    region_head_fraction: float = Field(default=0.4, gt=0, le=1)
    quality: FaceQualityConfig = FaceQualityConfig()
    best_shots: int = Field(default=3, ge=1, le=50, description="faces kept per track")
