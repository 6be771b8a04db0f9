from __future__ import annotations

import doctest

import pytest
from shapely import LineString, Point, Polygon

import gis.crs
import gis.io
import gis.validate
from gis.crs import gk3_cm_srid, parse_crs, transformer
from gis.validate import geometry_problems


@pytest.mark.parametrize("module", [gis.crs, gis.io, gis.validate])
def test_docstring_examples_run(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0


def test_gk_zone_for_jiangsu_and_xinjiang() -> None:
    assert gk3_cm_srid(119.98) == 4549
    assert gk3_cm_srid(87.6) == 4538  # Urumqi, CM 87E
    with pytest.raises(ValueError, match="outside"):
        gk3_cm_srid(10.0)


def test_parse_crs_forms_and_refusals() -> None:
    assert parse_crs("EPSG:4549") == 4549
    assert parse_crs("http://www.opengis.net/def/crs/OGC/1.3/CRS84") == 4326
    assert parse_crs(4490) == 4490
    for bad in ("GCJ-02", "EPSG:3857", "EPSG:abc"):
        with pytest.raises(ValueError):
            parse_crs(bad)


def test_cgcs2000_and_wgs84_agree_at_plant_scale() -> None:
    x, y = transformer(4490, 4326).transform(119.98, 31.78)
    assert abs(x - 119.98) < 1e-7 and abs(y - 31.78) < 1e-7


def test_metric_round_trip_is_sub_millimetre() -> None:
    fwd, back = transformer(4490, 4549), transformer(4549, 4490)
    e, n = fwd.transform(119.98, 31.78)
    assert 400_000 < e < 600_000  # near the central meridian, no zone prefix
    lon, lat = back.transform(e, n)
    e2, n2 = fwd.transform(lon, lat)
    assert abs(e2 - e) < 1e-3 and abs(n2 - n) < 1e-3


def test_geometry_problems_reasons() -> None:
    assert geometry_problems(None, ["Point"]) == ["missing or empty geometry"]
    assert "not accepted" in geometry_problems(Point(1, 1), ["Polygon"])[0]
    assert "longitude/latitude" in geometry_problems(Point(500000, 3500000), ["Point"])[0]
    assert geometry_problems(Point(500000, 3500000), ["Point"], geographic=False) == []
    assert geometry_problems(LineString([(120, 31), (120.1, 31)]), ["LineString"]) == []
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    assert "Self-intersection" in geometry_problems(bowtie, ["Polygon"])[0]
