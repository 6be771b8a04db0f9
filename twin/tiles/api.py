from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from twin.deps import PlantRead, SessionDep
from twin.sites.service import get_site
from twin.tiles import service
from twin.tiles.schemas import MapDescription
from viewer.snapshot import map_png

router = APIRouter(tags=["map"])
MVT = "application/vnd.mapbox-vector-tile"
BINARY = {"type": "string", "format": "binary"}


@router.get("/sites/{site}/map")
def map_description(
    site: str, request: Request, session: SessionDep, _: PlantRead
) -> MapDescription:
    """Bounds, layers and tile URL template for the map client."""
    basemap = request.app.state.settings.basemap_tile_url
    return MapDescription.model_validate(
        service.map_description(session, get_site(session, site), basemap)
    )


@router.get(
    "/sites/{site}/tiles/{z}/{x}/{y}.mvt",
    response_class=Response,
    responses={200: {"content": {MVT: {"schema": BINARY}}, "description": "every layer in one"}},
)
def tile(site: str, z: int, x: int, y: int, session: SessionDep, _: PlantRead) -> Response:
    """One vector tile with every plant layer (XYZ, Web Mercator)."""
    data = service.tile(session, get_site(session, site), z, x, y)
    # Plant geometry changes by edits, not by the second: a short private cache keeps
    # panning smooth without hiding an edit for long.
    return Response(data, media_type=MVT, headers={"Cache-Control": "private, max-age=30"})


@router.get(
    "/sites/{site}/map.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {"schema": BINARY}}, "description": "the map"}},
)
def map_snapshot(
    site: str,
    request: Request,
    session: SessionDep,
    _: PlantRead,
    lang: Annotated[Literal["zh-CN", "en"], Query()] = "zh-CN",
    size: Annotated[Literal["1080p", "4k"], Query()] = "1080p",
) -> Response:
    """PNG of the live command map as the caller would see it (for incident reports)."""
    get_site(session, site)  # 404 before a browser is started for nothing
    token = request.headers["authorization"].split(" ", 1)[1]
    base = str(request.base_url).rstrip("/")
    png = map_png(base, token, site, lang, size)
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})
