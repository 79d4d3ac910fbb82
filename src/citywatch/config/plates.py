"""Licence-plate reading settings (citywatch.plates)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from citywatch.config.base import Section

PlateDetectorBackend = Literal["auto", "text", "omz", "morphology"]


class PlatesConfig(Section):
    """Which models read plates, how hard to look, and what counts as a read.

    The OCR models come with rapidocr (package models `rapidocr-det`, `rapidocr-rec`); the OMZ
    plate detector, vehicle detector and vehicle-attribute model are used when their files are
    in the model directory and skipped (with a log line) when not.
    """

    enabled: bool = True
    localiser: PlateDetectorBackend = Field(
        default="auto",
        description="auto: text detector, plus the OMZ plate detector when present; "
        "text/omz/morphology: only that one (omz and morphology still read with the OCR)",
    )
    plate_detector_model: str = "vehicle-license-plate-detection-barrier-0106"
    vehicle_detector_model: str | None = Field(
        default="vehicle-detection-0201",
        description="finds vehicles in large images when no plate shows at first; null: never",
    )
    attributes_model: str | None = Field(
        default="vehicle-attributes-recognition-barrier-0039",
        description="vehicle type and colour; null: not read",
    )
    precision: str | None = Field(default=None, description="OMZ precision folder, e.g. FP16")
    device: str = "CPU"
    search_side: int = Field(
        default=320,
        ge=160,
        le=1280,
        description="longer side (px) the whole image or a vehicle crop is searched at first",
    )
    fallback_side: int = Field(
        default=640,
        ge=160,
        le=2048,
        description="longer side of a second, finer search when the first finds no plate",
    )
    max_candidates: int = Field(default=4, ge=1, le=32, description="regions read per search")
    min_confidence: float = Field(default=0.5, ge=0, le=1)
    min_confidence_free: float = Field(
        default=0.75,
        ge=0,
        le=1,
        description="for a read that fits no known format (vanity plates, and badges)",
    )
    min_chars: int = Field(default=2, ge=1, le=16)
    max_chars: int = Field(default=10, ge=1, le=16)
    regions: list[str] = Field(
        default_factory=list,
        description="plate formats to expect (e.g. [GB], [DE, AT]); empty: every known one",
    )
    no_format_penalty: float = Field(
        default=3.0,
        ge=0,
        le=20,
        description="log-probability a read pays for fitting no format (how hard to repair)",
    )
    keep_crops: bool = Field(default=False, description="keep a plate crop with each read")
    vote_min_reads: int = Field(
        default=2, ge=1, le=100, description="reads a track needs before its plate is voted"
    )

    @field_validator("regions")
    @classmethod
    def _known_regions(cls, value: list[str]) -> list[str]:
        from citywatch.plates.patterns import FORMATS

        upper = [v.upper() for v in value]
        unknown = [v for v in upper if v not in FORMATS]
        if unknown:
            raise ValueError(
                f"unknown plate region(s) {', '.join(unknown)}; known: {', '.join(FORMATS)}"
            )
        return upper
