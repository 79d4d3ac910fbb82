"""Retrospective search (investigators): by face photo, by person crop, by description, by
plate; and the stored pictures the results point to.

Each search answers like its `citywatch search` command: the face search the person's
appearances in stored data in time order (a timeline), the person searches stored person
tracks ranked by appearance or by fit, each with its identity (follow it with
`/api/persons/{identity}/trajectory`). Every hit is a candidate with its distance, for a
person to judge.

Photos and crops are uploaded as multipart/form-data, at most 10 MB, kept in memory and
decoded by the safe loader (see `uploads.py`); results are ranked in memory and paged with
`limit` and `offset` like every list.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from citywatch.api.access import (
    CASE_HELP,
    PURPOSE_HELP,
    CaseParam,
    CaseUse,
    PurposeParam,
    audit,
    check_case_access,
)
from citywatch.api.deps import Investigator, Services
from citywatch.api.errors import ERROR_RESPONSE
from citywatch.api.media import media_response
from citywatch.api.roles import User
from citywatch.api.routers.plates import plate_read_out
from citywatch.api.schemas import (
    FaceAppearanceOut,
    FaceSearchPage,
    Page,
    PageQuery,
    Paging,
    PersonHitOut,
    PlateReadOut,
    RowId,
    SinceFilter,
    UntilFilter,
    box_out,
)
from citywatch.api.services import ApiServices
from citywatch.api.uploads import (
    MAX_UPLOAD_BYTES,
    Upload,
    body_limit,
    decode_image,
    multipart_body,
    read_form,
    validate_form,
)
from citywatch.core.errors import UsageError
from citywatch.privacy.cases import PURPOSE_LENGTH
from citywatch.search.people import AttributeFilter, PersonHit
from citywatch.search.timeline import Appearance
from citywatch.store.plates import PlateRecords
from citywatch.store.schema import CASE_REF_LENGTH

router = APIRouter(prefix="/api", tags=["search"])

UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    413: ERROR_RESPONSE,
    415: ERROR_RESPONSE,
    422: ERROR_RESPONSE,
}
IMAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/jpeg": {}}},
    404: ERROR_RESPONSE,
}
MB = MAX_UPLOAD_BYTES // 2**20
CASE_REFUSALS: dict[int | str, dict[str, Any]] = {
    403: ERROR_RESPONSE,
    404: ERROR_RESPONSE,
    409: ERROR_RESPONSE,
}
WHERE = "attributes, e.g. 'upper=red lower=blue bag=yes' (upper, lower, bag, backpack, hat, ...)"


class FaceSearchForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    photo: bytes = Field(description=f"a photo of the person, at most {MB} MB")
    camera: str | None = Field(default=None, description="one camera only")
    since: float | None = Field(default=None, description="Unix seconds")
    until: float | None = Field(default=None, description="Unix seconds")
    threshold: float | None = Field(
        default=None, gt=0, le=1, description="cosine distance (default: the model's)"
    )
    case: str = Field(min_length=1, max_length=CASE_REF_LENGTH, description=CASE_HELP)
    purpose: str = Field(min_length=1, max_length=PURPOSE_LENGTH, description=PURPOSE_HELP)


class PersonSearchForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    crop: bytes = Field(description=f"a crop of the person (one person, whole), at most {MB} MB")
    camera: str | None = Field(default=None, description="one camera only")
    where: str | None = Field(default=None, description=WHERE)
    since: float | None = Field(default=None, description="Unix seconds")
    until: float | None = Field(default=None, description="Unix seconds")
    max_distance: float | None = Field(
        default=None, gt=0, le=2, description="leave out tracks farther than this"
    )
    case: str = Field(min_length=1, max_length=CASE_REF_LENGTH, description=CASE_HELP)
    purpose: str = Field(min_length=1, max_length=PURPOSE_LENGTH, description=PURPOSE_HELP)


@router.post(
    "/search/face",
    summary="Where has the person in this photo been (stored face sightings, a timeline)",
    openapi_extra=multipart_body(FaceSearchForm),
    max_body_size=body_limit(1),
    responses=UPLOAD_ERRORS | CASE_REFUSALS,
)
async def search_face(
    request: Request, user: Investigator, services: Services, page: PageQuery
) -> FaceSearchPage:
    form = await read_form(request)
    fields = validate_form(FaceSearchForm, form)
    upload = form.files["photo"][0]
    return await run_in_threadpool(_search_face, services, user, upload, fields, page)


@router.post(
    "/search/person",
    summary="Stored person tracks that look like this crop, nearest first",
    openapi_extra=multipart_body(PersonSearchForm),
    max_body_size=body_limit(1),
    responses=UPLOAD_ERRORS | CASE_REFUSALS,
)
async def search_person(
    request: Request, user: Investigator, services: Services, page: PageQuery
) -> Page[PersonHitOut]:
    form = await read_form(request)
    fields = validate_form(PersonSearchForm, form)
    upload = form.files["crop"][0]
    return await run_in_threadpool(_search_person, services, user, upload, fields, page)


@router.get(
    "/search/attributes",
    summary="Stored person tracks that fit a description, best fitting first",
    responses={**CASE_REFUSALS, 422: ERROR_RESPONSE},
)
def search_attributes(
    user: Investigator,
    services: Services,
    page: PageQuery,
    where: Annotated[str, Query(min_length=1, max_length=500, description=WHERE)],
    case: CaseParam,
    purpose: PurposeParam,
    camera: Annotated[str | None, Query(description="one camera only")] = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
) -> Page[PersonHitOut]:
    from citywatch.search.people import search_people
    from citywatch.store.people import PersonRecords

    filters = _attributes(where)
    use = check_case_access(services, user, "search.attributes", case, purpose)
    hits = search_people(
        PersonRecords(services.store),
        page.offset + page.fetch,
        attributes=filters,
        camera_id=camera,
        since=since,
        until=until,
    )
    listed = page.slice(_hits_out(hits))
    query = {"where": where, "camera": camera, "since": since, "until": until}
    _audit_hits(services, user, "search.attributes", use, query, listed)
    return listed


@router.get(
    "/search/plates",
    summary="Plates read that match a pattern (* any run, ? one character), newest first",
    responses={**CASE_REFUSALS, 422: ERROR_RESPONSE},
)
def search_plates(
    user: Investigator,
    services: Services,
    page: PageQuery,
    pattern: Annotated[str, Query(min_length=1, max_length=32, description="e.g. LS1*")],
    case: CaseParam,
    purpose: PurposeParam,
    camera: Annotated[str | None, Query(description="one camera only")] = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
) -> Page[PlateReadOut]:
    use = check_case_access(services, user, "search.plates", case, purpose)
    try:
        reads = PlateRecords(services.store).search(
            pattern, camera, since, until, limit=page.fetch, offset=page.offset
        )
    except UsageError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    listed = page.page([plate_read_out(r) for r in reads])
    query = {"pattern": pattern, "camera": camera, "since": since, "until": until}
    detail = {"query": query, "reads": [r.id for r in listed.items]}
    audit(services, user, "search.plates", case=use, detail=detail, target=f"plates {pattern}")
    return listed


@router.get(
    "/sightings/{sighting_id}/thumbnail",
    summary="A stored sighting's picture (JPEG; investigators: faces unblurred)",
    response_class=Response,
    responses=IMAGE,
)
def sighting_thumbnail(sighting_id: RowId, user: Investigator, services: Services) -> Response:
    found = services.store.sightings_by_id([sighting_id])
    what = f"sighting {sighting_id} thumbnail"
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"sighting {sighting_id} does not exist")
    response = media_response(services.data_dir, found[0].thumbnail_path, what)
    audit(services, user, "view.unblurred", target=what)  # a face, as it was recorded
    return response


@router.get(
    "/tracks/{track_id}/thumbnail",
    summary="A stored track's best picture of the object (JPEG; investigators)",
    response_class=Response,
    responses=IMAGE,
)
def track_thumbnail(track_id: RowId, user: Investigator, services: Services) -> Response:
    found = services.store.track_sightings(track_id, kind="object")
    path = next((s.thumbnail_path for s in found if s.thumbnail_path), None)
    return media_response(services.data_dir, path, f"track {track_id} thumbnail")


# -- the work, on a worker thread ---------------------------------------------------------------


def _search_face(
    services: ApiServices, user: User, upload: Upload, fields: FaceSearchForm, page: Paging
) -> FaceSearchPage:
    from citywatch.search.timeline import search_timeline

    use = check_case_access(services, user, "search.face", fields.case, fields.purpose)
    faces = services.faces()
    subject, count = faces.main_face(decode_image(upload, services.data_dir))
    if subject is None or subject.embedding is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"{upload.label}: no face found; send a photo that shows the face",
        )
    threshold = fields.threshold if fields.threshold is not None else faces.threshold
    index = services.face_index()
    with services.face_index_lock:
        found = search_timeline(
            index,
            services.store,
            subject.embedding,
            threshold,
            camera_id=fields.camera,
            since=fields.since,
            until=fields.until,
        )
    listed = page.slice([_appearance_out(a) for a in found])
    query = {"camera": fields.camera, "since": fields.since, "until": fields.until}
    query |= {"threshold": threshold, "faces_in_photo": count, "photo": upload.label}
    ids = [s for a in listed.items for s in a.sightings]
    detail = {"query": query, "found": len(found), "sightings": ids}
    audit(services, user, "search.face", case=use, detail=detail, target="stored face sightings")
    return FaceSearchPage(
        **listed.model_dump(),
        embedder=faces.embedder.name,
        threshold=threshold,
        faces_in_photo=count,
    )


def _search_person(
    services: ApiServices, user: User, upload: Upload, fields: PersonSearchForm, page: Paging
) -> Page[PersonHitOut]:
    from citywatch.search.people import search_people
    from citywatch.store.people import PersonRecords

    use = check_case_access(services, user, "search.person", fields.case, fields.purpose)
    filters = _attributes(fields.where) if fields.where else None
    crop = decode_image(upload, services.data_dir)
    model = services.person_embedder()
    query = model.embed([crop])[0]
    hits = search_people(
        PersonRecords(services.store),
        page.offset + page.fetch,
        embedder=model.name,
        query=query,
        attributes=filters,
        camera_id=fields.camera,
        since=fields.since,
        until=fields.until,
        max_distance=fields.max_distance,
    )
    listed = page.slice(_hits_out(hits))
    query = fields.model_dump(exclude={"crop", "case", "purpose"}) | {"crop": upload.label}
    _audit_hits(services, user, "search.person", use, query, listed)
    return listed


def _audit_hits(
    services: ApiServices,
    user: User,
    action: str,
    use: CaseUse,
    query: dict[str, Any],
    listed: Page[PersonHitOut],
) -> None:
    detail = {"query": query, "tracks": [h.track_id for h in listed.items]}
    audit(services, user, action, case=use, detail=detail, target="stored person tracks")


def _attributes(where: str) -> AttributeFilter:
    from citywatch.attributes import AttributeQuery
    from citywatch.search.people import attribute_filter

    try:
        return attribute_filter(AttributeQuery.parse(where))
    except UsageError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"where: {error}") from None


def _appearance_out(appearance: Appearance) -> FaceAppearanceOut:
    best = appearance.best
    return FaceAppearanceOut(
        camera=appearance.camera_id,
        first_seen=appearance.first_seen,
        last_seen=appearance.last_seen,
        distance=round(appearance.distance, 4),
        best_sighting=best.id,
        sightings=list(appearance.sighting_ids),
        thumbnail_url=f"/api/sightings/{best.id}/thumbnail" if best.thumbnail_path else None,
    )


def _hits_out(hits: list[PersonHit]) -> list[PersonHitOut]:
    return [_hit_out(rank, hit) for rank, hit in enumerate(hits, start=1)]


def _hit_out(rank: int, hit: PersonHit) -> PersonHitOut:
    a = hit.appearance
    return PersonHitOut(
        rank=rank,
        track_id=a.track_id,
        camera=a.camera_id,
        identity=a.identity_id,
        started_at=a.started_at,
        ended_at=a.ended_at,
        box=None if a.box is None else box_out(a.box),
        thumbnail_url=f"/api/tracks/{a.track_id}/thumbnail" if a.thumbnail_path else None,
        link=a.link_source,
        link_distance=None if a.link_distance is None else round(a.link_distance, 4),
        attributes=a.attributes,
        distance=None if hit.distance is None else round(hit.distance, 4),
        fit=None if hit.fit is None else round(hit.fit, 3),
    )
