"""Build OGC API - Features documents from the layer registry and PostGIS."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis.crs import CRS84_URI
from twin.errors import BadRequest, NotFound
from twin.plant import service as plant
from twin.plant.layers import LayerSpec
from twin.sites.models import Site

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
CRS_URIS = [
    CRS84_URI,
    "http://www.opengis.net/def/crs/EPSG/0/4490",
    "http://www.opengis.net/def/crs/EPSG/0/4326",
]
GEOJSON = "application/geo+json"


def crs_uri(srid: int) -> str:
    return CRS84_URI if srid == 4326 else f"http://www.opengis.net/def/crs/EPSG/0/{srid}"


def link(href: str, rel: str, type_: str, title: str | None = None) -> dict[str, str]:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    return out


def landing(base: str) -> dict[str, Any]:
    return {
        "title": "plant-twin OGC API - Features",
        "description": "Plant layers of every site: zones, hazard sources, sensors, routes, "
        "risk zones …",
        "links": [
            link(f"{base}", "self", "application/json", "this document"),
            link(
                f"{base}/api",
                "service-desc",
                "application/vnd.oai.openapi+json;version=3.0",
                "the API definition",
            ),
            link("/docs", "service-doc", "text/html", "the API documentation"),
            link(f"{base}/conformance", "conformance", "application/json", "conformance classes"),
            link(f"{base}/collections", "data", "application/json", "the collections"),
        ],
    }


def _extent(session: Session, spec: LayerSpec, sites: list[Site]) -> list[float] | None:
    box = session.execute(
        select(
            *(
                f(func.ST_Extent(spec.model.geom))
                for f in (func.ST_XMin, func.ST_YMin, func.ST_XMax, func.ST_YMax)
            )
        ).where(spec.model.site_id.in_([s.id for s in sites]))
    ).one()
    return None if box[0] is None else [float(v) for v in box]


def collection(session: Session, base: str, spec: LayerSpec, sites: list[Site]) -> dict[str, Any]:
    href = f"{base}/collections/{spec.name}"
    doc: dict[str, Any] = {
        "id": spec.name,
        "title": spec.title_en,
        "description": f"{spec.title_zh} / {spec.title_en}",
        "itemType": "feature",
        "crs": CRS_URIS,
        "storageCrs": crs_uri(4490),
        "links": [
            link(href, "self", "application/json"),
            link(f"{href}/items", "items", GEOJSON, "the features"),
        ],
    }
    # CGCS2000 and WGS84 agree to centimetres at plant scale, so the stored extent
    # stands for the CRS84 one.
    bbox = _extent(session, spec, sites)
    if bbox is not None:
        doc["extent"] = {"spatial": {"bbox": [bbox], "crs": CRS84_URI}}
    return doc


def collections(
    session: Session, base: str, specs: list[LayerSpec], sites: list[Site]
) -> dict[str, Any]:
    return {
        "links": [link(f"{base}/collections", "self", "application/json")],
        "collections": [collection(session, base, s, sites) for s in specs],
    }


def clamp_limit(raw: str | None, default: int, maximum: int) -> int:
    """OGC asks servers to clamp an out-of-range limit, not to reject it."""
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadRequest("limit must be an integer") from exc
    return max(1, min(value, maximum))


def parse_offset(raw: str | None) -> int:
    if raw is None or raw == "":
        return 0
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadRequest("offset must be an integer") from exc
    if value < 0:
        raise BadRequest("offset must not be negative")
    return value


def items(
    session: Session,
    base: str,
    spec: LayerSpec,
    sites: list[Site],
    *,
    limit: int,
    offset: int,
    bbox: plant.BBox | None,
    bbox_srid: int,
    out_srid: int,
    query: dict[str, str],
) -> dict[str, Any]:
    features, matched = plant.list_features(
        session,
        spec,
        [s.id for s in sites],
        out_srid=out_srid,
        bbox=bbox,
        bbox_srid=bbox_srid,
        limit=limit,
        offset=offset,
        site_codes={s.id: s.code for s in sites},
    )
    href = f"{base}/collections/{spec.name}/items"
    links = [
        link(f"{href}?{urlencode(query | {'offset': offset, 'limit': limit})}", "self", GEOJSON)
    ]
    if offset + len(features) < matched:
        links.append(
            link(
                f"{href}?{urlencode(query | {'offset': offset + limit, 'limit': limit})}",
                "next",
                GEOJSON,
                "next page",
            )
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": matched,
        "numberReturned": len(features),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "links": links,
    }


def one_item(
    session: Session, base: str, spec: LayerSpec, sites: list[Site], feature_id: str, out_srid: int
) -> dict[str, Any]:
    site_code, sep, code = feature_id.partition(":")
    site = next((s for s in sites if s.code == site_code), None)
    if not sep or site is None:
        raise NotFound(f"no feature {feature_id!r} in {spec.name}; ids are 'site:code'")
    feat = plant.get_feature(session, spec, site, code, out_srid)
    feat["id"] = feature_id
    feat["properties"]["site"] = site.code
    href = f"{base}/collections/{spec.name}/items/{feature_id}"
    feat["links"] = [
        link(href, "self", GEOJSON),
        link(f"{base}/collections/{spec.name}", "collection", "application/json"),
    ]
    return feat
