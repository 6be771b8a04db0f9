from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from twin.deps import PlantRead, SessionDep
from twin.errors import ValidationFailed
from twin.params import (
    BBoxQuery,
    CrsQuery,
    LayersQuery,
    bbox_param,
    crs_param,
    layers_param,
    point_param,
)
from twin.sites.service import get_site
from twin.spatial import service
from twin.spatial.schemas import SpatialFeatureCollection

router = APIRouter(tags=["spatial"])


def _collection(features: list[dict[str, Any]]) -> SpatialFeatureCollection:
    return SpatialFeatureCollection.model_validate(
        {"type": "FeatureCollection", "features": features, "numberReturned": len(features)}
    )


@router.get("/sites/{site}/spatial/nearby")
def nearby(
    site: str,
    session: SessionDep,
    _: PlantRead,
    x: Annotated[float, Query(description="longitude, or easting in point-crs")],
    y: Annotated[float, Query(description="latitude, or northing in point-crs")],
    radius_m: Annotated[float, Query(gt=0, le=50_000)],
    layers: LayersQuery = None,
    point_crs: CrsQuery = None,
    crs: CrsQuery = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> SpatialFeatureCollection:
    """What is within ``radius_m`` metres of a point, nearest first."""
    srid = crs_param(point_crs, "point_crs")
    x, y = point_param(x, y, srid)
    return _collection(
        service.nearby(
            session,
            get_site(session, site),
            x,
            y,
            radius_m,
            layers_param(layers),
            srid=srid,
            out_srid=crs_param(crs),
            limit=limit,
        )
    )


@router.get("/sites/{site}/spatial/containing")
def containing(
    site: str,
    session: SessionDep,
    _: PlantRead,
    x: float,
    y: float,
    point_crs: CrsQuery = None,
    crs: CrsQuery = None,
) -> SpatialFeatureCollection:
    """Which zones, risk zones and installations contain a point."""
    srid = crs_param(point_crs, "point_crs")
    x, y = point_param(x, y, srid)
    return _collection(
        service.containing(
            session, get_site(session, site), x, y, srid=srid, out_srid=crs_param(crs)
        )
    )


@router.get("/sites/{site}/spatial/bbox")
def in_bbox(
    site: str,
    session: SessionDep,
    _: PlantRead,
    bbox: BBoxQuery,
    layers: LayersQuery = None,
    bbox_crs: CrsQuery = None,
    crs: CrsQuery = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
) -> SpatialFeatureCollection:
    """What lies in a bounding box, across layers."""
    box = bbox_param(bbox)
    if box is None:
        raise ValidationFailed("bbox is required")
    return _collection(
        service.in_bbox(
            session,
            get_site(session, site),
            box,
            layers_param(layers),
            bbox_srid=crs_param(bbox_crs, "bbox_crs"),
            out_srid=crs_param(crs),
            limit=limit,
        )
    )
