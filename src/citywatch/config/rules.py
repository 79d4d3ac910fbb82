"""Rules an operator configures per camera: lines, a ground-plane mapping, signals and rules.

Everything is in image pixels of the camera's own frames, except `Homography.ground` (metres on
the ground plane). Rules name the zone, line or signal they use; `check_references` (called by
`CameraConfig`) says which reference is missing with the key path that holds it.
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from citywatch.config.base import Section

ClassName = Literal["person", "vehicle", "bicycle"]
Direction = Literal["a_to_b", "b_to_a", "both"]
LampState = Literal["red", "amber", "green"]
XY = tuple[float, float]
Name = Annotated[str, Field(min_length=1, max_length=64)]


class Line(Section):
    """A line segment in image pixels, drawn from `points[0]` to `points[1]`.

    Sides: walk from the first point to the second as drawn on the picture; side "a" is on your
    left, side "b" on your right. A line drawn left to right has "a" above it and "b" below it;
    one drawn top to bottom has "a" on the right of the picture. `direction` says which
    crossings the line reports: "a_to_b", "b_to_a" or "both".
    """

    name: Name
    points: tuple[XY, XY]
    direction: Direction = "both"

    @field_validator("points")
    @classmethod
    def _has_length(cls, value: tuple[XY, XY]) -> tuple[XY, XY]:
        (x1, y1), (x2, y2) = value
        if math.hypot(x2 - x1, y2 - y1) < 1.0:
            raise ValueError("the two points must be at least 1 pixel apart")
        return value


def _twice_area(a: XY, b: XY, c: XY) -> float:
    return abs((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))


def _degenerate(points: list[XY]) -> str | None:
    """Why these points cannot anchor a plane-to-plane mapping, or None when they can."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    scale = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    tolerance = 1e-6 * scale * scale
    for (i, a), (j, b) in combinations(enumerate(points), 2):
        if math.hypot(a[0] - b[0], a[1] - b[1]) <= 1e-6 * scale:
            return f"points {i} and {j} coincide"
    if all(_twice_area(points[0], points[1], c) <= tolerance for c in points[2:]):
        return "all points lie on one line"
    if len(points) == 4:
        for triple in combinations(range(4), 3):
            if _twice_area(*(points[k] for k in triple)) <= tolerance:
                names = ", ".join(str(k) for k in triple)
                return f"points {names} lie on one line (four points need no three in line)"
    return None


class Homography(Section):
    """Maps image pixels to metres on the ground: 4 or more image points and where they are.

    Measure marks on the ground (kerb corners, lane marks, paving joints) and give their pixel
    positions in `image` and the matching positions in metres in `ground`, in the same order.
    Only points on the ground plane map correctly, which is why rules use foot points.
    """

    image: list[XY] = Field(min_length=4)
    ground: list[XY] = Field(min_length=4, description="metres, same order as image")

    @model_validator(mode="after")
    def _usable(self) -> Homography:
        if len(self.image) != len(self.ground):
            raise ValueError(
                f"image has {len(self.image)} points but ground has {len(self.ground)}"
            )
        for label, points in (("image", self.image), ("ground", self.ground)):
            reason = _degenerate(points)
            if reason:
                raise ValueError(f"{label}: {reason}; the mapping would be degenerate")
        return self


# --- signal sources --------------------------------------------------------------------------


class SignalPhase(Section):
    state: LampState
    duration_s: float = Field(gt=0)


class ScheduleSignalConfig(Section):
    """A fixed-time signal: `phases` repeat forever; a cycle started at Unix time `epoch`."""

    type: Literal["schedule"]
    name: Name
    phases: list[SignalPhase] = Field(min_length=1)
    epoch: float = Field(default=0.0, description="Unix time at which some cycle began")


class HttpSignalConfig(Section):
    """A controller that answers GET `url` with JSON {"state": "red" | "amber" | "green"}.

    The state is polled every `interval_s`; a state older than `stale_s` (the controller went
    quiet or answers errors) reads as unknown, and unknown never makes an offence.
    """

    type: Literal["http"]
    name: Name
    url: str
    interval_s: float = Field(default=1.0, gt=0, le=3600)
    timeout_s: float = Field(default=2.0, gt=0, le=120)
    stale_s: float = Field(default=5.0, gt=0, le=86400)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        return value

    @model_validator(mode="after")
    def _stale_after_poll(self) -> HttpSignalConfig:
        if self.stale_s < self.interval_s:
            raise ValueError("stale_s must be at least interval_s")
        return self


class MqttSignalConfig(Section):
    """A controller that publishes its state on an MQTT topic: "red" or {"state": "red"}.

    Unknown until the first message, while disconnected, and (with `stale_s`) when no message
    came for that long.
    """

    type: Literal["mqtt"]
    name: Name
    host: str = Field(min_length=1)
    port: int = Field(default=1883, ge=1, le=65535)
    topic: str = Field(min_length=1)
    username: str | None = None
    password: str | None = Field(default=None, description="write ${ENV_NAME}")
    tls: bool = False
    stale_s: float | None = Field(default=None, gt=0, description="null: never stale")

    @field_validator("topic")
    @classmethod
    def _no_wildcards(cls, value: str) -> str:
        if any(c in value for c in "+#\0"):
            raise ValueError("must be one topic, without wildcards")
        return value


class ImageSignalConfig(Section):
    """A signal head seen by the camera: `polygon` goes round it, in image pixels.

    The state is the colour of the lamp that is lit: pixels inside the polygon that are bright
    (HSV value >= `min_value`) and saturated (>= `min_saturation`) are counted per colour; the
    colour with at least `min_lit_fraction` of the polygon wins when no other colour comes
    close (half of it); anything else reads as unknown.
    """

    type: Literal["image"]
    name: Name
    polygon: list[XY] = Field(min_length=3)
    min_value: int = Field(default=150, ge=1, le=255)
    min_saturation: int = Field(default=80, ge=0, le=255)
    min_lit_fraction: float = Field(default=0.02, gt=0, le=1)


SignalConfig = Annotated[
    ScheduleSignalConfig | HttpSignalConfig | MqttSignalConfig | ImageSignalConfig,
    Field(discriminator="type"),
]


# --- rules -----------------------------------------------------------------------------------


class _RuleBase(Section):
    name: Name
    classes: list[ClassName] = Field(default=["person"], min_length=1)
    cooldown_s: float = Field(
        default=30.0, ge=0, description="no second event for the same object sooner than this"
    )
    confirm_frames: int = Field(
        default=2,
        ge=1,
        le=100,
        description="frames in a row an object must be inside (or outside) before it counts",
    )


class IntrusionConfig(_RuleBase):
    """An object of `classes` enters `zone`."""

    type: Literal["intrusion"]
    zone: str


class LoiteringConfig(_RuleBase):
    """An object stays in `zone` longer than `dwell_s` in one visit."""

    type: Literal["loitering"]
    zone: str
    dwell_s: float = Field(gt=0)


class LineCrossingConfig(_RuleBase):
    """An object crosses `line` (in the directions the line reports); counted once per object
    and direction. A foot point must be `margin_px` past the line to count as on a side."""

    type: Literal["line_crossing"]
    line: str
    margin_px: float = Field(default=6.0, ge=0)


class RunningConfig(_RuleBase):
    """An object moves faster than the limit for `min_duration_s` (speed fitted over
    `window_s` of foot points). `speed_mps` needs the camera's homography; otherwise give
    `speed_px_s`."""

    type: Literal["running"]
    zone: str | None = None
    speed_mps: float | None = Field(default=None, gt=0)
    speed_px_s: float | None = Field(default=None, gt=0)
    min_duration_s: float = Field(default=0.5, ge=0)
    window_s: float = Field(default=1.0, gt=0, le=10)

    @model_validator(mode="after")
    def _one_limit(self) -> RunningConfig:
        if (self.speed_mps is None) == (self.speed_px_s is None):
            raise ValueError("give exactly one of speed_mps and speed_px_s")
        return self


class CrowdingConfig(_RuleBase):
    """More than `max_count` objects in `zone` for `min_duration_s`; one event per incident,
    and none sooner than `cooldown_s` after the last."""

    type: Literal["crowding"]
    zone: str
    max_count: int = Field(ge=0)
    min_duration_s: float = Field(default=2.0, ge=0)


class WrongWayConfig(_RuleBase):
    """An object in `zone` moves against `allowed`, an arrow drawn along the lane's direction
    of travel (image pixels, tail then head): more than `max_angle_deg` away from it, having
    moved at least `min_travel_px` in `window_s`, for `min_duration_s`."""

    type: Literal["wrong_way"]
    zone: str
    classes: list[ClassName] = Field(default=["vehicle", "bicycle"], min_length=1)
    allowed: tuple[XY, XY]
    max_angle_deg: float = Field(default=120.0, ge=30, le=180)
    min_travel_px: float = Field(default=30.0, gt=0)
    window_s: float = Field(default=1.0, gt=0, le=10)
    min_duration_s: float = Field(default=0.5, ge=0)

    @field_validator("allowed")
    @classmethod
    def _arrow_has_length(cls, value: tuple[XY, XY]) -> tuple[XY, XY]:
        (x1, y1), (x2, y2) = value
        if math.hypot(x2 - x1, y2 - y1) < 1.0:
            raise ValueError("the arrow's tail and head must be at least 1 pixel apart")
        return value


class LeftBehindConfig(_RuleBase):
    """Something new and still (a background-model region no track covers) stays for
    `min_static_s` after an object of `classes` (its likely owner) was there within
    `owner_window_s` before it appeared. Optionally only inside `zone`."""

    type: Literal["left_behind"]
    zone: str | None = None
    min_static_s: float = Field(default=30.0, gt=0)
    min_area_px: int = Field(default=150, ge=1, description="in the camera's pixels")
    owner_window_s: float = Field(default=10.0, gt=0)
    difference: int = Field(
        default=30, ge=5, le=255, description="grey-level change that marks a pixel as new"
    )


class RedLightConfig(_RuleBase):
    """An object of `classes` enters `zone` (a crosswalk) or crosses `line` (a stop line, in
    the line's direction) while `signal` has been red for at least `grace_s`.

    An offence: the event is evidence for an operator (see citywatch.bus.messages). For
    vehicles it waits up to `plate_wait_s` for the plate reader before it is emitted.
    `classes` has no default, since a crosswalk is for people and a stop line for vehicles.
    """

    type: Literal["red_light"]
    classes: list[ClassName] = Field(min_length=1)
    signal: str
    zone: str | None = None
    line: str | None = None
    margin_px: float = Field(default=6.0, ge=0, description="for a line, as in line_crossing")
    grace_s: float = Field(default=0.0, ge=0)
    plate_wait_s: float = Field(default=3.0, ge=0)

    @model_validator(mode="after")
    def _zone_or_line(self) -> RedLightConfig:
        if (self.zone is None) == (self.line is None):
            raise ValueError("give exactly one of zone (a crosswalk) and line (a stop line)")
        return self


RuleConfig = Annotated[
    IntrusionConfig
    | LoiteringConfig
    | LineCrossingConfig
    | RunningConfig
    | CrowdingConfig
    | WrongWayConfig
    | LeftBehindConfig
    | RedLightConfig,
    Field(discriminator="type"),
]


def _repeats(names: list[str]) -> list[str]:
    return sorted({n for n in names if names.count(n) > 1})


def check_references(
    zones: list[str],
    lines: list[Line],
    signals: list[SignalConfig],
    rules: list[RuleConfig],
    has_homography: bool,
) -> list[tuple[tuple[str | int, ...], str]]:
    """(key path inside the camera, message) for each rule that names something missing."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for key, names in (
        ("lines", [x.name for x in lines]),
        ("signals", [s.name for s in signals]),
        ("rules", [r.name for r in rules]),
    ):
        if _repeats(names):
            problems.append(((key,), f"names repeat: {', '.join(_repeats(names))}"))
    known: dict[str, tuple[set[str], str]] = {
        "zone": (set(zones), "zones"),
        "line": ({x.name for x in lines}, "lines"),
        "signal": ({s.name for s in signals}, "signals"),
    }
    for i, rule in enumerate(rules):
        for field, (defined, plural) in known.items():
            value = getattr(rule, field, None)
            if value is not None and value not in defined:
                have = ", ".join(sorted(defined)) or "none"
                problems.append(
                    (
                        ("rules", i, field),
                        f"unknown {field} {value!r} (this camera's {plural}: {have})",
                    )
                )
        if isinstance(rule, RunningConfig) and rule.speed_mps is not None and not has_homography:
            problems.append(
                (
                    ("rules", i, "speed_mps"),
                    "needs a homography on this camera to measure metres; use speed_px_s",
                )
            )
    return problems


RULE_TYPES = frozenset(
    ("intrusion", "loitering", "line_crossing", "running", "crowding", "wrong_way")
    + ("left_behind", "red_light")
)
SIGNAL_TYPES = frozenset(("schedule", "http", "mqtt", "image"))


def untagged(error: ValidationError, tags: frozenset[str]) -> ValidationError:
    """The same errors without the union tag pydantic puts in each key path.

    For `rules[2]` of type running, pydantic says `rules.2.running.speed_px_s`; the file has
    no key `running`, so the message says `rules[2].speed_px_s` instead.
    """
    details = []
    for item in error.errors():
        loc = tuple(item["loc"])
        if len(loc) >= 2 and isinstance(loc[0], int) and loc[1] in tags:
            loc = (loc[0], *loc[2:])
        details.append(
            InitErrorDetails(
                type=PydanticCustomError(item["type"], "{message}", {"message": item["msg"]}),
                loc=loc,
                input=item.get("input"),
            )
        )
    return ValidationError.from_exception_data(error.title, details)
