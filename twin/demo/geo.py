"""Place locally authored plants on the map and write them out.

Plants are drawn in local metres on a CGCS2000 Gauss-Krüger zone and moved to CGCS2000
geographic (EPSG:4490) in one vectorised transform per layer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from gis.crs import CGCS2000, transformer
from twin.plant.layers import LAYERS

__all__ = [
    "CENTRE_LAT_DEG",
    "CENTRE_LON_DEG",
    "COORD_DECIMALS",
    "METRIC_SRID",
    "Feature",
    "Layers",
    "credit_code",
    "feature_properties",
    "ordered",
    "origin_for",
    "site_record",
    "to_cgcs2000",
    "to_cgcs2000_geometry",
    "total_features",
    "write_geojson",
]

# A chemical park in Jiangsu (Changzhou); the plants are fictional.
CENTRE_LON_DEG, CENTRE_LAT_DEG = 119.98, 31.78
# CGCS2000 3-degree Gauss-Krüger zone, central meridian 120°E.
METRIC_SRID = 4549
# 1e-9 degrees is about 0.1 mm: the identity grid of the store, so nothing moves on import.
COORD_DECIMALS = 9

Feature = tuple[dict[str, Any], BaseGeometry]
Layers = dict[str, list[Feature]]

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def origin_for(
    width_m: float,
    height_m: float,
    lon_deg: float = CENTRE_LON_DEG,
    lat_deg: float = CENTRE_LAT_DEG,
    srid: int = METRIC_SRID,
) -> tuple[float, float]:
    """Easting / northing (whole metres) of the local origin centring a site on lon/lat.

    Examples
    --------
    >>> origin_for(800, 600)
    (497706.0, 3517158.0)
    """
    east, north = transformer(CGCS2000, srid).transform(lon_deg, lat_deg)
    return float(round(east - width_m / 2)), float(round(north - height_m / 2))


def _mover(origin: tuple[float, float], srid: int) -> Any:
    forward = transformer(srid, CGCS2000)

    def move(xy: np.ndarray) -> np.ndarray:
        lon, lat = forward.transform(xy[:, 0] + origin[0], xy[:, 1] + origin[1])
        return np.round(np.column_stack([lon, lat]), COORD_DECIMALS)

    return move


def to_cgcs2000_geometry(
    geom: BaseGeometry, origin: tuple[float, float], srid: int = METRIC_SRID
) -> BaseGeometry:
    """One local-metre geometry in EPSG:4490, rounded to ``COORD_DECIMALS``."""
    return shapely.transform(geom, _mover(origin, srid))


def to_cgcs2000(layers: Layers, origin: tuple[float, float], srid: int = METRIC_SRID) -> Layers:
    """Every geometry moved from local metres to EPSG:4490, properties untouched.

    Equal local coordinates land on equal geographic ones, so a route edge still ends
    exactly on its nodes after the move.
    """
    move = _mover(origin, srid)
    out: Layers = {}
    for name, features in layers.items():
        geoms = np.empty(len(features), dtype=object)
        geoms[:] = [geom for _, geom in features]
        moved = shapely.transform(geoms, move)
        out[name] = [(props, geom) for (props, _), geom in zip(features, moved, strict=True)]
    return out


def credit_code(region: str, org_body: str, registry: str = "91") -> str:
    """A unified social credit code (GB 32100-2015) with both check characters computed.

    Parameters
    ----------
    region : str
        Six-digit administrative division code, e.g. ``"320411"``.
    org_body : str
        First eight characters of the organisation code (GB 11714).
    registry : str
        Registering authority and entity type; ``"91"`` is an enterprise.

    Examples
    --------
    >>> credit_code("320411", "MA7T0DEM")
    '91320411MA7T0DEM07'
    """

    def value(char: str) -> int:
        return int(char) if char.isdigit() else ord(char) - ord("A") + 10

    remainder = 11 - sum(w * value(c) for w, c in zip(_ORG_WEIGHTS, org_body, strict=True)) % 11
    body = registry + region + org_body + {10: "X", 11: "0"}.get(remainder, str(remainder))
    total = sum(_USCC_CHARS.index(c) * pow(3, i, 31) for i, c in enumerate(body))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


def site_record(
    code: str,
    name: str,
    name_en: str,
    credit: str | None,
    boundary: BaseGeometry,
    metric_srid: int = METRIC_SRID,
    people_outside_500m: int = 0,
) -> dict[str, Any]:
    """A site as the sites API takes it, with the boundary as a GeoJSON Polygon."""
    return {
        "code": code,
        "name": name,
        "name_en": name_en,
        "credit_code": credit,
        "metric_srid": metric_srid,
        "people_outside_500m": people_outside_500m,
        "boundary": _geojson(boundary),
    }


def ordered(layers: Mapping[str, list[Feature]]) -> Layers:
    """Layers in registry order, every registry layer present (possibly empty).

    Raises
    ------
    ValueError
        For a layer name the registry does not know.
    """
    unknown = sorted(set(layers) - set(LAYERS))
    if unknown:
        raise ValueError(f"unknown layers {', '.join(unknown)}")
    return {name: list(layers.get(name, [])) for name in LAYERS}


def feature_properties(layer: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """Properties validated by the layer's schema, empty values left out.

    Raises
    ------
    pydantic.ValidationError
        When the properties break the layer's schema.
    """
    parsed = LAYERS[layer].props.model_validate(dict(props))
    return parsed.model_dump(mode="json", exclude_none=True)


def total_features(layers: Mapping[str, list[Feature]]) -> int:
    """Number of features over all layers."""
    return sum(len(features) for features in layers.values())


def _geojson(geom: BaseGeometry) -> dict[str, Any]:
    return json.loads(json.dumps(mapping(geom)))


def write_geojson(layers: Mapping[str, list[Feature]], path: Path, name: str) -> None:
    """One FeatureCollection in EPSG:4490, each feature tagged with its ``layer``.

    The legacy ``crs`` member names CGCS2000 so GDAL reads the file as EPSG:4490 rather
    than as RFC 7946 WGS84; one feature per line keeps diffs readable.
    """
    lines = []
    for layer, features in layers.items():
        for props, geom in features:
            feature = {
                "type": "Feature",
                "properties": {"layer": layer, **feature_properties(layer, props)},
                "geometry": mapping(geom),
            }
            lines.append(json.dumps(feature, ensure_ascii=False))
    head = json.dumps(
        {
            "type": "FeatureCollection",
            "name": name,
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}},
        },
        ensure_ascii=False,
    )
    text = head[:-1] + ', "features": [\n' + ",\n".join(lines) + "\n]}\n"
    Path(path).write_text(text, encoding="utf-8")
