"""CRUD for every plant layer, GeoJSON in and out."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from shapely.geometry import shape

from twin.deps import PlantRead, PlantWrite, SessionDep
from twin.errors import ValidationFailed
from twin.params import BBoxQuery, CrsQuery, bbox_param, crs_param
from twin.plant import service, validation
from twin.plant.layers import LAYERS, get_layer
from twin.plant.schemas import LayerInfo, PlantFeature, PlantFeatureCollection
from twin.sites.service import get_site

router = APIRouter(tags=["plant"])


class FeatureIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["Feature"]
    geometry: dict[str, Any]
    properties: dict[str, Any] = Field(default_factory=dict)


def _incoming(body: FeatureIn, code: str | None = None) -> validation.Incoming:
    props = dict(body.properties)
    if code is not None and props.setdefault("code", code) != code:
        raise ValidationFailed("properties.code differs from the code in the path")
    try:
        geom = shape(body.geometry)
    except Exception as exc:  # shapely raises several types for malformed GeoJSON
        raise ValidationFailed(f"geometry is not valid GeoJSON: {exc}") from exc
    return validation.Incoming(0, props, geom)


@router.get("/layers")
def list_layers(_: PlantRead) -> list[LayerInfo]:
    """The layers of the plant model with titles (zh-CN, en) and property schemas."""
    return [
        LayerInfo.model_validate(
            {
                "name": s.name,
                "title": {"zh-CN": s.title_zh, "en": s.title_en},
                "geometry_type": s.storage_type,
                "references": s.references,
                "properties_schema": s.props.model_json_schema(),
            }
        )
        for s in LAYERS.values()
    ]


@router.get("/sites/{site}/layers/{layer}")
def list_features(
    site: str,
    layer: str,
    session: SessionDep,
    _: PlantRead,
    bbox: BBoxQuery = None,
    crs: CrsQuery = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> PlantFeatureCollection:
    """A layer of a site as a GeoJSON FeatureCollection."""
    spec, the_site = get_layer(layer), get_site(session, site)
    features, matched = service.list_features(
        session,
        spec,
        [the_site.id],
        out_srid=crs_param(crs),
        bbox=bbox_param(bbox),
        limit=limit,
        offset=offset,
    )
    return PlantFeatureCollection.model_validate(
        {
            "type": "FeatureCollection",
            "features": features,
            "numberMatched": matched,
            "numberReturned": len(features),
        }
    )


@router.get("/sites/{site}/layers/{layer}/{code}")
def get_feature(
    site: str, layer: str, code: str, session: SessionDep, _: PlantRead, crs: CrsQuery = None
) -> PlantFeature:
    return PlantFeature.model_validate(
        service.get_feature(
            session, get_layer(layer), get_site(session, site), code, crs_param(crs)
        )
    )


def _write(
    session: SessionDep,
    site: str,
    layer: str,
    body: FeatureIn,
    actor: str,
    crs: str | None,
    code: str | None,
) -> PlantFeature:
    spec, the_site = get_layer(layer), get_site(session, site)
    srid = crs_param(crs)
    batch = validation.prepare(session, the_site, spec, [_incoming(body, code)], srid)
    service.write_batch(session, the_site, batch, actor)
    return PlantFeature.model_validate(
        service.get_feature(session, spec, the_site, batch.prepared[0].code, srid)
    )


@router.post("/sites/{site}/layers/{layer}", status_code=201)
def create_feature(
    site: str,
    layer: str,
    body: FeatureIn,
    session: SessionDep,
    user: PlantWrite,
    crs: CrsQuery = None,
) -> PlantFeature:
    """Add a feature (GeoJSON, WGS84 unless ``crs`` says otherwise); 409 if its code exists."""
    spec, the_site = get_layer(layer), get_site(session, site)
    code = body.properties.get("code")
    if isinstance(code, str):
        service.refuse_existing(session, spec, the_site, code)
    return _write(session, site, layer, body, user.username, crs, None)


@router.put("/sites/{site}/layers/{layer}/{code}")
def replace_feature(
    site: str,
    layer: str,
    code: str,
    body: FeatureIn,
    session: SessionDep,
    user: PlantWrite,
    crs: CrsQuery = None,
) -> PlantFeature:
    """Create or replace the feature with this code (properties and geometry)."""
    return _write(session, site, layer, body, user.username, crs, code)


@router.delete("/sites/{site}/layers/{layer}/{code}", status_code=204)
def delete_feature(
    site: str, layer: str, code: str, session: SessionDep, user: PlantWrite
) -> Response:
    service.delete_feature(session, get_layer(layer), get_site(session, site), code, user.username)
    return Response(status_code=204)
