"""People across cameras (investigators): identities, one person's trajectory for the site
plan, and the operator's correction of a wrong link.

A trajectory is the person's tracks in time order, each with where its camera stands on the
site plan (from the configuration), so the UI can draw the path. The links between tracks are
the association's guesses with their distances; an investigator who sees a wrong one moves
the track to the right identity, or to a new one of its own.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from citywatch.api.access import CaseParam, PurposeParam, audit, check_case_access
from citywatch.api.deps import Investigator, Services
from citywatch.api.errors import ERROR_RESPONSE
from citywatch.api.roles import User
from citywatch.api.routers.site import site_out
from citywatch.api.schemas import (
    IdentityOut,
    MoveTrackIn,
    MoveTrackOut,
    Page,
    PageQuery,
    Paging,
    PointOut,
    RowId,
    TrajectoryPage,
    TrajectoryStep,
    box_out,
)
from citywatch.api.services import ApiServices
from citywatch.config import CitywatchConfig
from citywatch.core.errors import UsageError
from citywatch.store.people import PersonRecords
from citywatch.store.readmodels import AppearanceInfo

router = APIRouter(prefix="/api/persons", tags=["persons"])


@router.get("", summary="Identities across cameras, newest first")
def list_identities(user: Investigator, services: Services, page: PageQuery) -> Page[IdentityOut]:
    rows = PersonRecords(services.store).identities(limit=page.fetch, offset=page.offset)
    return page.page(
        [IdentityOut(id=i, first_seen=f, last_seen=last, cameras=c) for i, f, last, c in rows]
    )


@router.get(
    "/{identity}/trajectory",
    summary="One person's tracks across cameras in time order (within an open case)",
    responses={403: ERROR_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE},
)
def read_trajectory(
    identity: str,
    case: CaseParam,
    purpose: PurposeParam,
    user: Investigator,
    services: Services,
    page: PageQuery,
) -> TrajectoryPage:
    use = check_case_access(services, user, "search.trajectory", case, purpose)
    found = trajectory(identity, user, services, page)
    detail = {"identity": identity, "tracks": [s.track_id for s in found.items]}
    target = f"identity {identity}"
    audit(services, user, "search.trajectory", case=use, detail=detail, target=target)
    return found


def trajectory(identity: str, user: User, services: ApiServices, page: Paging) -> TrajectoryPage:
    """The trajectory page without the case check and audit entry: for callers that made
    both themselves (an export of the trajectory)."""
    found = PersonRecords(services.store).trajectory(identity)
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"identity {identity!r}: no stored tracks")
    config = services.config
    steps = page.slice([_step(config, a) for a in found])
    return TrajectoryPage(**steps.model_dump(), identity=identity, site=site_out(config.site))


@router.post(
    "/tracks/{track_id}/move",
    summary="Put a track under another identity, or a new one (an operator's correction)",
    responses={404: ERROR_RESPONSE},
)
def move_track(
    track_id: RowId, body: MoveTrackIn, user: Investigator, services: Services
) -> MoveTrackOut:
    try:
        identity = PersonRecords(services.store).move_track(track_id, body.identity or None)
    except UsageError as error:  # no such track appearance, or no such identity
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    return MoveTrackOut(track_id=track_id, identity=identity)


def _step(config: CitywatchConfig, a: AppearanceInfo) -> TrajectoryStep:
    camera = next((c for c in config.cameras if c.id == a.camera_id), None)
    position = None
    if camera is not None and camera.position is not None:
        position = PointOut(x=camera.position.x, y=camera.position.y)
    return TrajectoryStep(
        track_id=a.track_id,
        camera=a.camera_id,
        camera_name=camera.label if camera is not None else a.camera_id,
        position=position,
        started_at=a.started_at,
        ended_at=a.ended_at,
        link=a.link_source,
        link_distance=None if a.link_distance is None else round(a.link_distance, 4),
        box=None if a.box is None else box_out(a.box),
        thumbnail_url=f"/api/tracks/{a.track_id}/thumbnail" if a.thumbnail_path else None,
    )
