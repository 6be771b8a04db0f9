from __future__ import annotations

from fastapi import APIRouter

from twin.deps import PlantRead, SessionDep, SitesWrite
from twin.params import CrsQuery, crs_param
from twin.sites import service
from twin.sites.schemas import SiteIn, SiteOut, SitePatch

router = APIRouter(tags=["sites"])


@router.get("/sites")
def list_sites(session: SessionDep, _: PlantRead, crs: CrsQuery = None) -> list[SiteOut]:
    srid = crs_param(crs)
    return [SiteOut(**service.describe(session, s, srid)) for s in service.list_sites(session)]


@router.post("/sites", status_code=201)
def create_site(
    body: SiteIn, session: SessionDep, user: SitesWrite, crs: CrsQuery = None
) -> SiteOut:
    site = service.create_site(session, user.username, body, crs_param(crs))
    return SiteOut(**service.describe(session, site))


@router.get("/sites/{site}")
def get_site(site: str, session: SessionDep, _: PlantRead, crs: CrsQuery = None) -> SiteOut:
    return SiteOut(**service.describe(session, service.get_site(session, site), crs_param(crs)))


@router.patch("/sites/{site}")
def update_site(
    site: str, body: SitePatch, session: SessionDep, user: SitesWrite, crs: CrsQuery = None
) -> SiteOut:
    srid = crs_param(crs)
    updated = service.update_site(
        session, user.username, service.get_site(session, site), body, srid
    )
    return SiteOut(**service.describe(session, updated))
