"""Person re-identification, attributes and gait settings (citywatch.reid, .attributes, .gait)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from citywatch.config.base import Section

ReidEmbedderBackend = Literal["auto", "openvino", "colour"]


class ReidConfig(Section):
    """An appearance embedding per person track, and association of tracks across cameras.

    `auto` runs the OMZ re-ID model when its files are in the model directory and otherwise
    the colour-stripe descriptor that needs no model file (weaker; the log says so).
    """

    enabled: bool = Field(default=True, description="embed each person track's appearance")
    embedder: ReidEmbedderBackend = "auto"
    model: str = Field(default="person-reidentification-retail-0287", description="OMZ model")
    precision: str | None = None
    device: str = "CPU"
    best_crops: int = Field(default=4, ge=1, le=32, description="crops embedded per track")
    min_height_px: float = Field(default=48.0, ge=8, description="smaller views are not used")
    min_frames: int = Field(default=5, ge=1, description="shorter tracks get no embedding")
    match_distance: float | None = Field(
        default=None,
        gt=0,
        le=2,
        description="same-person cosine distance across cameras (default: the model's own)",
    )
    same_camera_gap_s: float = Field(
        default=0.0,
        ge=0,
        description="also join tracks on the same camera separated by at least this gap "
        "(0: only across cameras)",
    )
    unlinked_window_s: float = Field(
        default=120.0,
        gt=0,
        description="cameras with no configured neighbours: how far back to look for a match",
    )
    gait_weight: float = Field(
        default=0.25,
        ge=0,
        le=1,
        description="share of the gait distance in association when gait is enabled "
        "(PETS09 at 10 fps: rank-1 0.36 -> 0.42 with 0.25; no gain at 5 fps)",
    )
