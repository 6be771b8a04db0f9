from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from twin.deps import PlantRead, SessionDep
from twin.hazards import service
from twin.sites.service import get_site

router = APIRouter(tags=["hazard sources"])


@router.get("/sites/{site}/hazard-sources")
def hazard_sources(site: str, session: SessionDep, _: PlantRead) -> list[dict[str, Any]]:
    """Major hazard sources with S, R and grade: registered and live from tank levels."""
    return service.hazard_sources(session, get_site(session, site))
