"""Small builders shared by the API tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from twin.sites import service as sites
from twin.sites.models import Site
from twin.sites.schemas import SiteIn

# A 1 km square near 120.0 E, 31.0 N (CGCS2000 GK zone CM 120E, EPSG:4549).
LON0, LAT0 = 120.0, 31.0
D_LON, D_LAT = 0.0105, 0.009  # about 1 km each way at this latitude


def square(lon: float, lat: float, d: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
        ],
    }


def make_site(session: Session, code: str = "t1") -> Site:
    boundary = {
        "type": "Polygon",
        "coordinates": [
            [
                [LON0, LAT0],
                [LON0 + D_LON, LAT0],
                [LON0 + D_LON, LAT0 + D_LAT],
                [LON0, LAT0 + D_LAT],
                [LON0, LAT0],
            ]
        ],
    }
    site = sites.create_site(session, "test", SiteIn(code=code, name="测试厂区", boundary=boundary))
    session.flush()
    return site


def point_feature(layer_props: dict[str, Any], lon: float, lat: float) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": layer_props,
    }


def polygon_feature(
    props: dict[str, Any], lon: float, lat: float, d: float = 0.001
) -> dict[str, Any]:
    return {"type": "Feature", "geometry": square(lon, lat, d), "properties": props}


def sensor_props(code: str, **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": "氨气探测器",
        "kind": "gas",
        "gas": "ammonia",
        "unit": "ppm",
        "range_min": 0,
        "range_max": 100,
        "alarm_high_1": 20,
        "alarm_high_2": 40,
        **extra,
    }
