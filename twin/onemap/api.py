from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, HTMLResponse

from twin.deps import PlantExport, SessionDep
from twin.onemap import service
from twin.onemap.schemas import OneMapSummary
from twin.params import crs_param
from twin.sites.service import get_site
from twin.transfer.api import FILE, file_download
from twin.transfer.service import MEDIA_TYPES

router = APIRouter(tags=["one map"])


@router.get(
    "/sites/{site}/onemap",
    response_class=FileResponse,
    responses={
        200: {
            "content": {m: {"schema": FILE} for m in MEDIA_TYPES.values()},
            "description": "the one map, as an attachment",
        }
    },
)
def onemap_file(
    site: str,
    session: SessionDep,
    _: PlantExport,
    format: Annotated[str, Query(pattern="^(gpkg|geojson|kml)$")] = "gpkg",
    crs: Annotated[
        str | None,
        Query(description="GeoPackage only: 4490 (CGCS2000, default) or 4326 (WGS84)"),
    ] = None,
) -> FileResponse:
    """The regulators' one map: hazard sources (live GB 18218 grade, R, alarms), risk
    zones and zones, as GeoPackage, GeoJSON (RFC 7946) or KML."""
    the_site = get_site(session, site)
    srid = crs_param(crs) if crs else None
    return file_download(service.export(session, the_site, format, srid), format)


@router.get("/sites/{site}/onemap/summary")
def onemap_summary(site: str, session: SessionDep, _: PlantExport) -> OneMapSummary:
    """The one map in figures: hazard sources by grade, risk zones by colour, alarm
    totals and the age of the data."""
    return service.summary(session, get_site(session, site))


@router.get("/sites/{site}/report-map.html", response_class=HTMLResponse)
def report_map(site: str, session: SessionDep, _: PlantExport) -> HTMLResponse:
    """The one map as a single HTML page that works offline (no CDN, no tiles)."""
    return HTMLResponse(service.report_map(session, get_site(session, site)))
