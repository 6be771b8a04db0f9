from __future__ import annotations

from fastapi import APIRouter

from twin.deps import PlantRead, SessionDep
from twin.hazards import service
from twin.hazards.schemas import HazardSource
from twin.sites.service import get_site

router = APIRouter(tags=["hazard sources"])


@router.get("/sites/{site}/hazard-sources")
def hazard_sources(site: str, session: SessionDep, _: PlantRead) -> list[HazardSource]:
    """Major hazard sources with S, R and grade: registered and live from tank levels."""
    return [
        HazardSource.model_validate(h)
        for h in service.hazard_sources(session, get_site(session, site))
    ]
