"""Create, read and update sites; every change audited."""

from __future__ import annotations

import json
from typing import Any

from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis.crs import gk3_cm_srid, is_supported_srid
from gis.validate import geometry_problems
from twin.audit import service as audit
from twin.db import STORAGE_SRID
from twin.errors import Conflict, NotFound, ValidationFailed
from twin.sites.models import Site
from twin.sites.schemas import SiteIn, SitePatch


def get_site(session: Session, code: str) -> Site:
    site = session.scalar(select(Site).where(Site.code == code))
    if site is None:
        raise NotFound(f"no site {code!r}")
    return site


def list_sites(session: Session) -> list[Site]:
    return list(session.scalars(select(Site).order_by(Site.code)))


def describe(session: Session, site: Site, out_srid: int = 4326) -> dict[str, Any]:
    geojson, xmin, ymin, xmax, ymax = session.execute(
        select(
            func.ST_AsGeoJSON(func.ST_Transform(Site.boundary, out_srid), 9),
            *(
                f(func.ST_Transform(Site.boundary, out_srid))
                for f in (func.ST_XMin, func.ST_YMin, func.ST_XMax, func.ST_YMax)
            ),
        ).where(Site.id == site.id)
    ).one()
    return {
        "code": site.code,
        "name": site.name,
        "name_en": site.name_en,
        "credit_code": site.credit_code,
        "metric_srid": site.metric_srid,
        "people_outside_500m": site.people_outside_500m,
        "boundary": json.loads(geojson),
        "bbox": [xmin, ymin, xmax, ymax],
    }


def _boundary(geojson: dict[str, Any], srid: int) -> Any:
    try:
        geom = shape(geojson)
    except Exception as exc:  # shapely raises several types for malformed GeoJSON
        raise ValidationFailed(f"boundary is not GeoJSON geometry: {exc}") from exc
    problems = geometry_problems(geom, ("Polygon", "MultiPolygon"), geographic=srid in (4326, 4490))
    if problems:
        raise ValidationFailed("boundary rejected: " + "; ".join(problems))
    return func.ST_Multi(func.ST_Transform(func.ST_GeomFromText(geom.wkt, srid), STORAGE_SRID))


def _snapshot(session: Session, site: Site) -> dict[str, Any]:
    return describe(session, site, STORAGE_SRID)


def create_site(session: Session, actor: str, data: SiteIn, srid: int = 4326) -> Site:
    if session.scalar(select(Site.id).where(Site.code == data.code)):
        raise Conflict(f"site {data.code!r} exists")
    boundary = _boundary(data.boundary, srid)
    metric = data.metric_srid
    if metric is None:
        lon = session.scalar(
            select(func.ST_X(func.ST_Centroid(func.ST_Transform(boundary, STORAGE_SRID))))
        )
        metric = gk3_cm_srid(float(lon or 0.0))
    elif not is_supported_srid(metric) or metric in (4326, 4490):
        raise ValidationFailed(f"metric_srid EPSG:{metric} is not a supported projected CRS")
    site = Site(
        code=data.code,
        name=data.name,
        name_en=data.name_en,
        credit_code=data.credit_code,
        metric_srid=metric,
        boundary=boundary,
        people_outside_500m=data.people_outside_500m,
    )
    session.add(site)
    session.flush()
    session.refresh(site)
    audit.record(
        session,
        actor,
        [audit.Change("site.create", "site", site.code, site.code, None, _snapshot(session, site))],
    )
    return site


def update_site(
    session: Session, actor: str, site: Site, data: SitePatch, srid: int = 4326
) -> Site:
    before = _snapshot(session, site)
    changes = data.model_dump(exclude_unset=True)
    if "boundary" in changes:
        geojson = changes.pop("boundary")
        if geojson is None:
            raise ValidationFailed("boundary cannot be removed")
        site.boundary = _boundary(geojson, srid)
    for key, value in changes.items():
        setattr(site, key, value)
    session.flush()
    session.refresh(site)
    audit.record(
        session,
        actor,
        [
            audit.Change(
                "site.update", "site", site.code, site.code, before, _snapshot(session, site)
            )
        ],
    )
    return site
