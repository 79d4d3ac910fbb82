"""Cameras: where each one reads from, how often it is analysed, where it stands on the site."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from citywatch.config.base import Section
from citywatch.config.retention import CameraRetention
from citywatch.config.rules import (
    RULE_TYPES,
    SIGNAL_TYPES,
    Homography,
    Line,
    RuleConfig,
    SignalConfig,
    check_references,
    untagged,
)

CAMERA_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class Point(Section):
    x: float
    y: float


class Neighbour(Section):
    """A camera a person can walk to from this one, and how long that walk plausibly takes.

    Transit runs from leaving one camera's view to entering the other's, either way round.
    A negative shortest transit says the views overlap: a person may enter the neighbour's
    view up to that many seconds before leaving this one.
    """

    camera: str
    transit_s: tuple[float, float] = Field(
        description="shortest and longest plausible transit, seconds (negative: views overlap)"
    )

    @field_validator("transit_s")
    @classmethod
    def _ordered(cls, value: tuple[float, float]) -> tuple[float, float]:
        low, high = value
        if high < low or high < 0:
            raise ValueError("must be [shortest, longest] with shortest <= longest, longest >= 0")
        return value


class Zone(Section):
    """A polygon in image pixels; rules (citywatch.config.rules) refer to it by name."""

    name: str = Field(min_length=1, max_length=64)
    polygon: list[tuple[float, float]] = Field(min_length=3)

    @field_validator("polygon")
    @classmethod
    def _has_area(cls, value: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return _with_area(value)


def _with_area(value: list[tuple[float, float]]) -> list[tuple[float, float]]:
    # Shoelace area: a polygon with none (all points on a line) contains nothing.
    xs = [p[0] for p in value]
    ys = [p[1] for p in value]
    twice_area = sum(xs[i] * ys[i - 1] - xs[i - 1] * ys[i] for i in range(len(value)))
    if abs(twice_area) < 2.0:
        raise ValueError("the polygon has no area (its points lie on one line)")
    return value


# A privacy mask: a polygon in image pixels blacked out before analysis, storage and display.
MaskPolygon = Annotated[list[tuple[float, float]], Field(min_length=3), AfterValidator(_with_area)]


class CameraConfig(Section):
    id: str
    name: str | None = None
    source: str = Field(min_length=1, description="file, folder, rtsp://, http(s)://, webcam:N")
    fps: float = Field(default=5.0, gt=0, le=120, description="frames analysed per second")
    enabled: bool = True
    position: Point | None = None
    neighbours: list[Neighbour] = []
    zones: list[Zone] = []
    privacy_masks: list[MaskPolygon] = Field(
        default=[],
        description="polygons in image pixels blacked out before detection, storage and display",
    )
    lines: list[Line] = []
    homography: Homography | None = Field(
        default=None, description="image pixels -> ground metres, for speeds in m/s"
    )
    signals: list[SignalConfig] = []
    rules: list[RuleConfig] = []
    queue_size: int = Field(default=8, ge=1, le=1024)
    retention: CameraRetention = Field(
        default=CameraRetention(), description="days per record kind, over the site's retention"
    )
    loop: bool = Field(default=False, description="replay a file source forever (demos, soak)")
    realtime: bool = Field(
        default=False, description="pace a file source at its own frame rate like a live camera"
    )

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not CAMERA_ID.match(value):
            raise ValueError("must be lower-case letters, digits, '-' or '_' (1-64 characters)")
        return value

    @field_validator("rules", "signals", mode="wrap")
    @classmethod
    def _plain_key_paths(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError as error:  # key paths as the file writes them
            raise untagged(error, RULE_TYPES | SIGNAL_TYPES) from None

    @model_validator(mode="after")
    def _unique_zones(self) -> CameraConfig:
        names = [z.name for z in self.zones]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"zone names repeat: {', '.join(duplicates)}")
        return self

    @model_validator(mode="after")
    def _rules_refer_to_what_exists(self) -> CameraConfig:
        # Raised as a ValidationError so each message sits at its own key path
        # (cameras[0].rules[2].zone), not at the camera as a whole.
        problems = check_references(
            [z.name for z in self.zones],
            self.lines,
            self.signals,
            self.rules,
            self.homography is not None,
        )
        if problems:
            raise ValidationError.from_exception_data(
                "CameraConfig",
                [
                    InitErrorDetails(
                        type=PydanticCustomError("reference", "{message}", {"message": message}),
                        loc=where,
                        input=None,
                    )
                    for where, message in problems
                ],
            )
        return self

    @property
    def label(self) -> str:
        return self.name or self.id
