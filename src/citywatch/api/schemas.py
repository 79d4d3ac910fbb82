"""What the data routes answer: pydantic models with stable field names, and pagination.

These models are the OpenAPI contract the web UI and integrations are written against: fields
are added, never renamed. Times are Unix seconds (float); boxes are pixel `[x, y, w, h]`;
`*_url` fields are paths of this API (absent when the caller may not fetch the file, or there
is none).

Every list is a `Page`: `items`, the `limit` and `offset` asked for, and `next_offset` (None on
the last page). No total count: counting a city's sightings for every page costs more than
the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Depends, Query
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field, ValidationError

T = TypeVar("T")

MAX_LIMIT = 500
DEFAULT_LIMIT = 50
MAX_ROW_ID = 2**63 - 1  # row ids are 64-bit; a larger number would not reach the database
# Any offset is accepted (past the end is an empty page); this far is past every end, and SQL
# takes it (a 64-bit integer, with room for offset + limit).
MAX_OFFSET = 2**62

RowId = Annotated[int, PathParam(ge=1, le=MAX_ROW_ID, description="row id")]


# -- pagination -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int

    @property
    def fetch(self) -> int:
        """Rows to read: one more than a page, to know whether another page follows."""
        return self.limit + 1

    def page(self, rows: Sequence[T]) -> Page[T]:
        """The page of `rows` read with `fetch` (from `offset`)."""
        more = len(rows) > self.limit
        return Page[T](
            items=list(rows[: self.limit]),
            limit=self.limit,
            offset=self.offset,
            next_offset=self.offset + self.limit if more else None,
        )

    def slice(self, rows: Sequence[T]) -> Page[T]:
        """The page of a whole ranked list (search results are ranked in memory)."""
        return self.page(rows[self.offset : self.offset + self.fetch])


def paging(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items a page")] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, description="items to skip")] = 0,
) -> Paging:
    return Paging(limit, min(offset, MAX_OFFSET))


PageQuery = Annotated[Paging, Depends(paging)]

# The filters every list of time-stamped records takes, spelled once for the OpenAPI document.
CameraFilter = Annotated[str | None, Query(description="camera id")]
SinceFilter = Annotated[float | None, Query(description="Unix seconds, inclusive")]
UntilFilter = Annotated[float | None, Query(description="Unix seconds, exclusive")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page; null on the last")


# -- errors -----------------------------------------------------------------------------------


def first_problem(error: ValidationError, prefix: str = "") -> str:
    """The first problem of a validation error as `field: message` (the key path joined)."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    where = f"{prefix}.{where}" if prefix and where else prefix or where
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


# -- shared pieces ----------------------------------------------------------------------------

BoxOut = Annotated[list[float], Field(min_length=4, max_length=4, description="[x, y, w, h]")]


class PointOut(BaseModel):
    x: float
    y: float


def box_out(box: Sequence[float]) -> list[float]:
    return [round(float(v), 1) for v in box]


# -- cameras ----------------------------------------------------------------------------------


class CameraOut(BaseModel):
    id: str
    name: str
    source: str | None = Field(description="masked; admins only")
    fps: float | None
    enabled: bool | None = Field(description="null for a camera only in the store")
    position: PointOut | None = Field(description="on the site plan")
    configured: bool = Field(description="in the running configuration")
    stored: bool = Field(description="has a row in the store (records refer to it)")
    created_at: float | None
    updated_at: float | None
    last_frame_at: float | None = Field(description="newest live frame; null when none")
    snapshot_url: str | None
    live_url: str | None


class LiveTrackOut(BaseModel):
    track_id: int
    label: str = Field(description="object class: person, vehicle, bicycle")
    box: list[float] = Field(description="x, y, w, h in the live frame's pixels")


class LiveTracksOut(BaseModel):
    """What the pipeline tracks in a camera's latest live frame (for drawing over it)."""

    camera: str
    seq: int = Field(description="rises by one per live frame; the snapshot's X-Frame-Seq")
    time: float
    width: int | None
    height: int | None
    tracks: list[LiveTrackOut]


class CameraIn(BaseModel):
    """A camera's editable settings. Zones, lines and rules stay as configured."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    source: str | None = Field(
        default=None,
        min_length=1,
        description="file, folder, rtsp://, http(s)://, webcam:N; left out: unchanged (it is "
        "only ever shown masked)",
    )
    fps: float = Field(default=5.0, gt=0, le=120)
    enabled: bool = True
    position: PointOut | None = None


class CameraCreate(CameraIn):
    id: str = Field(description="lower-case letters, digits, '-' or '_' (1-64 characters)")
    source: str = Field(min_length=1, description="file, folder, rtsp://, http(s)://, webcam:N")


# -- events -----------------------------------------------------------------------------------


class EventOut(BaseModel):
    id: int
    camera: str
    time: float
    type: str
    rule: str
    offence: bool = Field(description="evidence of an offence: plates and media for investigators")
    values: dict[str, Any]
    redacted: list[str] | None = Field(description="keys removed from values for this caller")
    run_id: str | None
    track_local_id: int | None
    thumbnail_url: str | None
    clip_url: str | None


# -- alerts and review ------------------------------------------------------------------------

AlertKindName = Literal["face", "plate"]
ReviewStateName = Literal["pending", "confirmed", "rejected"]


class ReviewOut(BaseModel):
    kind: AlertKindName
    alert_id: int
    decision: Literal["confirmed", "rejected"]
    note: str
    reviewed_by: str
    reviewed_at: float


class FaceMatchOut(BaseModel):
    entry_id: int
    entry_name: str
    distance: float
    threshold: float
    embedder: str
    box: BoxOut


class PlateMatchOut(BaseModel):
    hotlist_id: int
    pattern: str
    reason: str
    plate: str
    confidence: float


class AlertOut(BaseModel):
    kind: AlertKindName
    id: int
    camera: str
    time: float
    run_id: str
    track_local_id: int
    review: ReviewStateName
    face: FaceMatchOut | None = Field(description="kind face")
    plate: PlateMatchOut | None = Field(description="kind plate")
    decision: ReviewOut | None
    evidence_url: str | None = Field(description="investigators only")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["confirm", "reject"]
    note: str = Field(default="", max_length=2000, description="required to reject")


# -- watchlist and hotlist --------------------------------------------------------------------


class WatchlistEntryOut(BaseModel):
    id: int
    name: str
    reason: str
    legal_basis: str
    enrolled_by: str
    created_at: float
    expires_at: float
    removed_at: float | None
    photos: int
    active: bool


class HotlistIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pattern: str = Field(min_length=1, max_length=32, description="plate; * any run, ? one")
    reason: str = Field(min_length=1, max_length=2000)
    legal_basis: str = Field(min_length=1, max_length=2000)
    expires: str = Field(description="YYYY-MM-DD (end of that day, UTC) or ISO date-time")


class HotlistEntryOut(BaseModel):
    id: int
    pattern: str
    reason: str
    legal_basis: str
    added_by: str
    created_at: float
    expires_at: float
    removed_at: float | None
    active: bool


# -- search -----------------------------------------------------------------------------------


class FaceAppearanceOut(BaseModel):
    """One stay on one camera of the person in the photo: a candidate, with its distance."""

    camera: str
    first_seen: float
    last_seen: float
    distance: float
    best_sighting: int
    sightings: list[int]
    thumbnail_url: str | None


class FaceSearchPage(Page[FaceAppearanceOut]):
    embedder: str
    threshold: float
    faces_in_photo: int


class PersonHitOut(BaseModel):
    rank: int
    track_id: int
    camera: str
    identity: str | None
    started_at: float
    ended_at: float
    box: BoxOut | None
    thumbnail_url: str | None
    link: str
    link_distance: float | None
    attributes: dict[str, Any] | None
    distance: float | None = Field(description="to the query crop (search by crop)")
    fit: float | None = Field(description="how well the attributes fit (search by attributes)")


class PlateReadOut(BaseModel):
    id: int
    track_id: int
    camera: str
    time: float
    text: str
    confidence: float
    votes: int
    box: BoxOut
    vehicle_type: str | None
    vehicle_colour: str | None
    thumbnail_url: str | None


# -- persons ----------------------------------------------------------------------------------


class SiteOut(BaseModel):
    name: str
    width: float
    height: float
    image: str | None


class TrajectoryStep(BaseModel):
    track_id: int
    camera: str
    camera_name: str
    position: PointOut | None = Field(description="the camera on the site plan")
    started_at: float
    ended_at: float
    link: str = Field(description="how the track was joined to the person")
    link_distance: float | None
    box: BoxOut | None
    thumbnail_url: str | None


class TrajectoryPage(Page[TrajectoryStep]):
    identity: str
    site: SiteOut


class IdentityOut(BaseModel):
    id: str
    first_seen: float
    last_seen: float
    cameras: int


class MoveTrackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identity: str | None = Field(
        default=None, max_length=32, description="the identity to join; null: a new one"
    )


class MoveTrackOut(BaseModel):
    track_id: int
    identity: str


# -- exports ----------------------------------------------------------------------------------

EXPORT_NOTE_MAX = 2000
# Identity ids as the store makes them (hex) or an operator names them; nothing else reaches
# the database (PostgreSQL refuses NUL characters, for one).
IDENTITY_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"


class EventExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["event"]
    id: int = Field(ge=1, le=MAX_ROW_ID, description="event id")
    note: str | None = Field(default=None, max_length=EXPORT_NOTE_MAX, description="why")


class AlertExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["face_alert", "plate_alert"]
    id: int = Field(ge=1, le=MAX_ROW_ID, description="alert id (of that kind)")
    note: str | None = Field(default=None, max_length=EXPORT_NOTE_MAX, description="why")


class IdentityExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["identity"]
    id: str = Field(pattern=IDENTITY_PATTERN, description="identity id, as /api/persons lists")
    note: str | None = Field(default=None, max_length=EXPORT_NOTE_MAX, description="why")


ExportIn = Annotated[EventExportIn | AlertExportIn | IdentityExportIn, Field(discriminator="kind")]


# -- cases and the audit log (appended for issue #8) --------------------------------------------


class HotlistChangeIn(HotlistIn):
    """A hotlist entry with the case it is added for and why (both go to the audit log)."""

    case: str = Field(min_length=1, max_length=64, description="the open case this is for")
    purpose: str = Field(min_length=1, max_length=2000, description="why it is needed")


class CaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref: str = Field(min_length=1, max_length=64, description="e.g. 2026-0042")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    members: list[str] = Field(default_factory=list, max_length=100, description="usernames")


class CaseMemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str = Field(min_length=1, max_length=64, description="the username to assign")


class CaseOut(BaseModel):
    ref: str
    title: str
    description: str
    status: Literal["open", "closed"]
    created_by: str
    created_at: float
    closed_at: float | None
    members: list[str]


class AuditEntryOut(BaseModel):
    id: int
    time: float
    actor: str
    actor_role: str | None
    action: str
    outcome: str
    case: str | None
    purpose: str | None
    target: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


class AuditVerifyOut(BaseModel):
    intact: bool
    entries: int = Field(description="entries checked and intact")
    first_broken: int | None = Field(description="id of the first entry that does not hold")
    why: str | None = Field(description="edited, deleted or reordered, in words")
