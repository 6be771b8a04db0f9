from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from twin.deps import PlantRead, SessionDep
from twin.sites.service import get_site
from twin.tiles import service

router = APIRouter(tags=["map"])
MVT = "application/vnd.mapbox-vector-tile"


@router.get("/sites/{site}/map")
def map_description(
    site: str, request: Request, session: SessionDep, _: PlantRead
) -> dict[str, Any]:
    """Bounds, layers and tile URL template for the map client."""
    basemap = request.app.state.settings.basemap_tile_url
    return service.map_description(session, get_site(session, site), basemap)


@router.get("/sites/{site}/tiles/{z}/{x}/{y}.mvt", response_class=Response)
def tile(site: str, z: int, x: int, y: int, session: SessionDep, _: PlantRead) -> Response:
    """One vector tile with every plant layer (XYZ, Web Mercator)."""
    data = service.tile(session, get_site(session, site), z, x, y)
    # Plant geometry changes by edits, not by the second: a short private cache keeps
    # panning smooth without hiding an edit for long.
    return Response(data, media_type=MVT, headers={"Cache-Control": "private, max-age=30"})
