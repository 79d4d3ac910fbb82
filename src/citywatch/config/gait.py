"""Gait signature settings (citywatch.gait)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from citywatch.config.base import Section

SilhouetteMethod = Literal["background", "segmentation"]


class GaitConfig(Section):
    """A silhouette Gait Energy Image per person track, a second cue when the face is hidden.

    Off by default. It is cheap (a background model of ~2-3 ms a frame, ~0.15 ms per person),
    but on PETS09 (bench/results/gait_eval.json) gait alone finds the same person first in a
    quarter of the queries, and beside appearance it helps a little at 7 real frames a second
    and not at all at 3.5; it needs a fixed camera (background method) and walking people.
    """

    enabled: bool = Field(default=False, description="silhouette gait signature per track")
    method: SilhouetteMethod = Field(
        default="background",
        description="background: MOG2 on the whole frame (fixed cameras; cheap); "
        "segmentation: mediapipe selfie segmentation on each person crop (moving cameras)",
    )
    height: int = Field(default=64, ge=16, le=256, description="silhouette height in pixels")
    width: int = Field(default=44, ge=8, le=256, description="silhouette width in pixels")
    # Background model
    background_history: int = Field(default=500, ge=10, description="MOG2 history, frames")
    background_threshold: float = Field(default=16.0, gt=0, description="MOG2 varThreshold")
    background_width: int = Field(
        default=640, ge=160, description="wider frames are shrunk to this before subtraction"
    )
    warmup_frames: int = Field(
        default=20, ge=0, description="frames the background model learns before use"
    )
    segmentation_threshold: float = Field(default=0.5, gt=0, lt=1)
    # When a silhouette is not used (citywatch.gait.silhouettes.SilhouetteRules)
    min_height_px: float = Field(default=36.0, ge=8, description="person box height, frame px")
    min_fill: float = Field(default=0.2, ge=0, le=1, description="foreground share of the box")
    max_fill: float = Field(default=0.9, ge=0, le=1, description="more: a lighting change")
    min_main_share: float = Field(
        default=0.75, ge=0, le=1, description="largest blob's share of the box's foreground"
    )
    min_extent: float = Field(
        default=0.75, ge=0, le=1, description="largest blob's height over the box height"
    )
    max_overlap: float = Field(
        default=0.1, ge=0, le=1, description="share of the box another track's box covers"
    )
    # Signature
    ring_frames: int = Field(
        default=96, ge=8, le=1024, description="latest good silhouettes kept per track"
    )
    min_cycles: int = Field(default=2, ge=1, description="complete gait cycles for a signature")
    min_cycle_s: float = Field(default=0.7, gt=0, description="shortest gait cycle (two steps)")
    max_cycle_s: float = Field(default=1.6, gt=0, description="longest gait cycle")
    min_speed: float = Field(
        default=0.15, ge=0, description="slower tracks (box heights per second) are not walking"
    )
    min_periodicity: float = Field(
        default=0.0,
        ge=-1,
        le=1,
        description="weaker leg-swing autocorrelation: no signature (0 keeps nearly all)",
    )

    @model_validator(mode="after")
    def _cycle_range(self) -> GaitConfig:
        if self.max_cycle_s <= self.min_cycle_s:
            raise ValueError("max_cycle_s must be longer than min_cycle_s")
        return self
