"""Spatial queries across layers, answered by PostGIS.

Distances are geodesic metres (``geography``), served by the functional GiST index on
``geography(geom)`` that every layer table carries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twin.db import STORAGE_SRID
from twin.plant import service as plant
from twin.plant.layers import LAYERS, LayerSpec
from twin.sites.models import Site

POLYGON_LAYERS = ("zones", "risk_zones", "installations")


def point(lon: float, lat: float, srid: int) -> Any:
    """A point given in ``srid`` as stored (CGCS2000), for queries against plant layers."""
    return func.ST_Transform(func.ST_SetSRID(func.ST_MakePoint(lon, lat), srid), STORAGE_SRID)


def nearby(
    session: Session,
    site: Site,
    x: float,
    y: float,
    radius_m: float,
    layers: Sequence[LayerSpec],
    *,
    srid: int = 4326,
    out_srid: int = 4326,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Features within ``radius_m`` of a point, nearest first, each with ``distance_m``."""
    here = func.geography(point(x, y, srid))
    found: list[dict[str, Any]] = []
    for spec in layers:
        model = spec.model
        distance = func.ST_Distance(func.geography(model.geom), here)
        query = (
            plant.feature_query(spec, [site.id], out_srid)
            .add_columns(distance.label("distance_m"))
            .where(func.ST_DWithin(func.geography(model.geom), here, radius_m))
            .order_by(distance)
            .limit(limit)
        )
        for row in session.execute(query):
            found.append(
                plant.feature(
                    spec, row, {"layer": spec.name, "distance_m": round(row.distance_m, 3)}
                )
            )
    found.sort(key=lambda f: f["properties"]["distance_m"])
    return found[:limit]


def containing(
    session: Session, site: Site, x: float, y: float, *, srid: int = 4326, out_srid: int = 4326
) -> list[dict[str, Any]]:
    """Zones, risk zones and installation footprints that contain the point."""
    here = point(x, y, srid)
    found = []
    for name in POLYGON_LAYERS:
        spec = LAYERS[name]
        query = plant.feature_query(spec, [site.id], out_srid).where(
            func.ST_Covers(spec.model.geom, here)
        )
        found += [plant.feature(spec, row, {"layer": name}) for row in session.execute(query)]
    return found


def in_bbox(
    session: Session,
    site: Site,
    bbox: plant.BBox,
    layers: Sequence[LayerSpec],
    *,
    bbox_srid: int = 4326,
    out_srid: int = 4326,
    limit: int = 10_000,
) -> list[dict[str, Any]]:
    """Features of ``layers`` that intersect the box."""
    found: list[dict[str, Any]] = []
    for spec in layers:
        query = plant.feature_query(spec, [site.id], out_srid, bbox, bbox_srid).limit(
            limit - len(found)
        )
        found += [plant.feature(spec, row, {"layer": spec.name}) for row in session.execute(query)]
        if len(found) >= limit:
            break
    return found


def count_in_site(session: Session, site: Site) -> dict[str, int]:
    """Feature counts per layer (for summaries and health pages)."""
    return {
        name: session.scalar(
            select(func.count()).select_from(spec.model).where(spec.model.site_id == site.id)
        )
        or 0
        for name, spec in LAYERS.items()
    }
