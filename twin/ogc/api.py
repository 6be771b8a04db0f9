"""OGC API - Features at /ogc: one collection per plant layer across the park's sites."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from twin.deps import PlantRead, SessionDep, SettingsDep
from twin.errors import BadRequest
from twin.ogc import service
from twin.ogc.schemas import (
    Collection,
    Collections,
    Conformance,
    LandingPage,
    OgcFeature,
    OgcFeatureCollection,
    OpenApiDocument,
)
from twin.params import bbox_param, crs_param
from twin.plant.layers import LAYERS, get_layer
from twin.sites.models import Site
from twin.sites.service import get_site, list_sites

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])


class GeoJSONResponse(JSONResponse):
    media_type = service.GEOJSON


class OpenApiResponse(JSONResponse):
    media_type = "application/vnd.oai.openapi+json;version=3.0"


def _base(request: Request) -> str:
    return str(request.url_for("ogc_landing")).rstrip("/")


def _sites(session: SessionDep, site: str | None) -> list[Site]:
    return [get_site(session, site)] if site else list_sites(session)


@router.get("", name="ogc_landing")
def landing(request: Request, _: PlantRead) -> LandingPage:
    return LandingPage.model_validate(service.landing(_base(request)))


@router.get("/conformance")
def conformance(_: PlantRead) -> Conformance:
    return Conformance.model_validate({"conformsTo": service.CONFORMANCE})


@router.get("/api", response_class=OpenApiResponse, response_model=OpenApiDocument)
def api_definition(request: Request, _: PlantRead) -> OpenApiResponse:
    return OpenApiResponse(request.app.openapi())


@router.get("/collections")
def collections(
    request: Request, session: SessionDep, _: PlantRead, site: str | None = None
) -> Collections:
    return Collections.model_validate(
        service.collections(session, _base(request), list(LAYERS.values()), _sites(session, site))
    )


@router.get("/collections/{collection_id}")
def collection(
    collection_id: str, request: Request, session: SessionDep, _: PlantRead, site: str | None = None
) -> Collection:
    return Collection.model_validate(
        service.collection(session, _base(request), get_layer(collection_id), _sites(session, site))
    )


@router.get("/collections/{collection_id}/items", response_class=GeoJSONResponse)
def items(
    collection_id: str,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    _: PlantRead,
    limit: Annotated[str | None, Query(description="clamped to 1..max")] = None,
    offset: Annotated[str | None, Query()] = None,
    bbox: str | None = None,
    bbox_crs: Annotated[str | None, Query(alias="bbox-crs")] = None,
    crs: str | None = None,
    site: str | None = None,
) -> OgcFeatureCollection:
    spec = get_layer(collection_id)
    out_srid = crs_param(crs, error=BadRequest)
    query = {k: v for k, v in request.query_params.items() if k not in ("offset", "limit")}
    doc = service.items(
        session,
        _base(request),
        spec,
        _sites(session, site),
        limit=service.clamp_limit(limit, settings.ogc_default_limit, settings.ogc_max_limit),
        offset=service.parse_offset(offset),
        bbox=bbox_param(bbox, error=BadRequest),
        bbox_srid=crs_param(bbox_crs, "bbox-crs", error=BadRequest),
        out_srid=out_srid,
        query=query,
    )
    response.headers["Content-Crs"] = f"<{service.crs_uri(out_srid)}>"
    return OgcFeatureCollection.model_validate(doc)


@router.get("/collections/{collection_id}/items/{feature_id}", response_class=GeoJSONResponse)
def item(
    collection_id: str,
    feature_id: str,
    request: Request,
    response: Response,
    session: SessionDep,
    _: PlantRead,
    crs: str | None = None,
) -> OgcFeature:
    out_srid = crs_param(crs, error=BadRequest)
    doc = service.one_item(
        session, _base(request), get_layer(collection_id), list_sites(session), feature_id, out_srid
    )
    response.headers["Content-Crs"] = f"<{service.crs_uri(out_srid)}>"
    return OgcFeature.model_validate(doc)
