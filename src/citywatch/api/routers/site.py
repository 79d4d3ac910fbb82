"""The site plan the cameras are placed on (name and size in plan units), for any signed-in
user: the web UI draws camera positions and people's paths on it."""

from __future__ import annotations

from fastapi import APIRouter

from citywatch.api.deps import Services, Viewer
from citywatch.api.schemas import SiteOut
from citywatch.config.root import SitePlan

router = APIRouter(prefix="/api/site", tags=["site"])


@router.get("", summary="The site plan: name and size (cameras carry their positions on it)")
def site(user: Viewer, services: Services) -> SiteOut:
    return site_out(services.config.site)


def site_out(plan: SitePlan) -> SiteOut:
    return SiteOut(name=plan.name, width=plan.width, height=plan.height, image=plan.image)
