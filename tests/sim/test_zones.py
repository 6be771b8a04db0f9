"""Threat-zone polygons agree with the models they are drawn from, in every direction."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from shapely import Point

from sim.consequence.chemical_table import load_chemicals
from sim.consequence.dense_gas import DenseGasPlume
from sim.consequence.explosion import VapourCloudExplosion
from sim.consequence.gaussian_plume import GaussianPlume
from sim.consequence.pool_fire import PoolFire
from sim.consequence.zones import (
    HEAT_LEVELS,
    OVERPRESSURE_LEVELS,
    LevelOfConcern,
    PlumeModel,
    plume_frame,
    radial_at_point,
    radial_zones,
    toxic_at_point,
    toxic_levels,
    toxic_zones,
)

ROOT = Path(__file__).resolve().parents[2]
# Points nearer the drawn edge than this (or 0.2 % of the zone's length, if less) are not
# judged: the outline is sampled.
EDGE_M = 0.5


def _levels(*mg_m3: float) -> tuple[LevelOfConcern, ...]:
    return tuple(LevelOfConcern(f"{v:g} mg/m³", v, "mg/m3", v) for v in mg_m3)


PLUMES: dict[str, Callable[[], PlumeModel]] = {
    "ground": lambda: GaussianPlume(2.0, 3.0, "D"),
    "elevated": lambda: GaussianPlume(2.0, 2.0, "B", release_height_m=40.0),
    "urban": lambda: GaussianPlume(2.0, 3.0, "E", dispersion="briggs_urban"),
    "dense": lambda: DenseGasPlume(2.0, 3.0, molar_mass_g_mol=70.906, source_temperature_k=239.11),
}


@pytest.mark.parametrize("name", PLUMES)
def test_polygon_holds_exactly_the_points_above_the_level(name: str) -> None:
    plume = PLUMES[name]()
    peak = float(plume.centreline_mg_m3(np.geomspace(1.0, 10_000.0, 2000)).max())
    levels = _levels(0.3 * peak, 0.03 * peak, 0.003 * peak)
    zones = toxic_zones(plume, levels, wind_from_deg=270.0)  # plume frame = local frame
    rng = np.random.default_rng(7)
    for zone in zones.zones:
        assert not zone.polygon.is_empty and zone.polygon.is_valid
        extent, width = zone.extent_m, max(zone.half_width_m, 1.0)
        x = rng.uniform(-0.2 * extent, 1.3 * extent, 3000)
        y = rng.uniform(-1.5 * width, 1.5 * width, 3000)
        c = plume.concentration_mg_m3(x, y)
        boundary = zone.polygon.boundary
        edge_m = min(EDGE_M, 0.002 * extent)
        judged = 0
        for xi, yi, ci in zip(x, y, c, strict=True):
            p = Point(xi, yi)
            if boundary.distance(p) < edge_m:
                continue
            judged += 1
            assert zone.polygon.contains(p) == (ci >= zone.level.model_value), (xi, yi, ci)
        assert judged > 2500


def test_elevated_source_zone_starts_downwind_of_the_stack() -> None:
    plume = GaussianPlume(2.0, 2.0, "B", release_height_m=40.0)
    zone = toxic_zones(plume, _levels(30.0), 270.0).zones[0]
    assert not zone.polygon.contains(Point(20.0, 0.0))
    assert zone.polygon.bounds[0] > 50.0


def test_more_severe_zones_nest_inside_milder_ones() -> None:
    zones = toxic_zones(PLUMES["dense"](), _levels(300.0, 30.0, 3.0), 123.0).zones
    for inner, outer in itertools.pairwise(zones):
        assert outer.polygon.buffer(1.0).contains(inner.polygon)
        assert inner.extent_m < outer.extent_m


@pytest.mark.parametrize(
    ("wind_from_deg", "toward"),
    [
        (270.0, (1.0, 0.0)),
        (90.0, (-1.0, 0.0)),
        (0.0, (0.0, -1.0)),
        (180.0, (0.0, 1.0)),
        (225.0, (math.sqrt(0.5), math.sqrt(0.5))),
    ],
)
def test_wind_direction_is_where_the_wind_comes_from(
    wind_from_deg: float, toward: tuple[float, float]
) -> None:
    plume = GaussianPlume(2.0, 3.0, "D")
    zone = toxic_zones(plume, _levels(30.0), wind_from_deg).zones[0]
    c = zone.polygon.centroid
    along = c.x * toward[0] + c.y * toward[1]
    across = -c.x * toward[1] + c.y * toward[0]
    assert along > 0.3 * zone.extent_m
    assert abs(across) < 1e-6 * zone.extent_m
    # The same downwind point, seen on the map, has the same concentration.
    far = 800.0
    on_map = toxic_at_point(plume, _levels(30.0), far * toward[0], far * toward[1], wind_from_deg)
    assert on_map.value == pytest.approx(float(plume.centreline_mg_m3(far)), rel=1e-9)
    assert on_map.downwind_m == pytest.approx(far)


def test_wind_from_west_puts_the_plume_east() -> None:
    zone = toxic_zones(GaussianPlume(2.0, 3.0, "D"), _levels(30.0), 270.0).zones[0]
    minx, miny, maxx, maxy = zone.polygon.bounds
    assert minx >= -1e-6 and maxx == pytest.approx(zone.extent_m, rel=1e-6)
    assert miny == pytest.approx(-maxy, abs=1e-6)
    assert plume_frame(0.0, 100.0, 270.0) == pytest.approx((0.0, 100.0))


def test_point_threat_names_the_most_severe_level_reached() -> None:
    table = load_chemicals(ROOT / "data" / "rules" / "chemicals.yaml")
    ammonia = table.chemical("ammonia")
    levels, missing = toxic_levels(ammonia, "AEGL")
    assert [lv.name for lv in levels] == ["AEGL-3", "AEGL-2", "AEGL-1"] and missing == ()
    plume = GaussianPlume(2.0, 3.0, "D")
    near = toxic_at_point(plume, levels, 200.0, 0.0, 270.0)
    mid = toxic_at_point(plume, levels, 500.0, 0.0, 270.0)
    beside = toxic_at_point(plume, levels, 500.0, 300.0, 270.0)
    upwind = toxic_at_point(plume, levels, -500.0, 0.0, 270.0)
    assert near.exceeded is not None and near.exceeded.name == "AEGL-3"
    assert mid.exceeded is not None and mid.exceeded.name == "AEGL-2"
    assert beside.exceeded is None and upwind.value == 0.0


def test_levels_missing_for_a_chemical_are_skipped_with_a_warning() -> None:
    table = load_chemicals(ROOT / "data" / "rules" / "chemicals.yaml")
    levels, missing = toxic_levels(table.chemical("carbon_monoxide"), "AEGL")
    assert [lv.name for lv in levels] == ["AEGL-3", "AEGL-2"]
    assert [w.code for w in missing] == ["level_not_established"]
    with pytest.raises(ValueError, match="none of"):
        toxic_levels(table.chemical("hydrogen"), "IDLH")
    with pytest.raises(ValueError, match="family"):
        toxic_levels(table.chemical("ammonia"), "TEEL")


def test_radial_zones_hold_the_points_above_each_level() -> None:
    fire = PoolFire(15.0, 0.099, 46.35e6)
    vce = VapourCloudExplosion(2000.0, 46.35e6)
    cases = [
        (radial_zones("thermal", fire.flux_kw_m2, HEAT_LEVELS, fire.warnings), fire.flux_kw_m2),
        (
            radial_zones("overpressure", vce.overpressure_kpa, OVERPRESSURE_LEVELS, vce.warnings),
            vce.overpressure_kpa,
        ),
    ]
    for zones, value_at in cases:
        for zone in zones.zones:
            r = zone.extent_m
            assert float(value_at(np.array(r))) == pytest.approx(zone.level.model_value, rel=1e-6)
            for bearing in np.linspace(0, 2 * math.pi, 13):
                inside = Point(0.98 * r * math.cos(bearing), 0.98 * r * math.sin(bearing))
                outside = Point(1.02 * r * math.cos(bearing), 1.02 * r * math.sin(bearing))
                assert zone.polygon.contains(inside) and not zone.polygon.contains(outside)
    point = radial_at_point(vce.overpressure_kpa, OVERPRESSURE_LEVELS, 60.0, 80.0, "kPa")
    assert point.value == pytest.approx(float(vce.overpressure_kpa(100.0)))


def test_a_zone_that_runs_past_the_limit_says_so() -> None:
    zones = toxic_zones(GaussianPlume(50.0, 2.0, "F"), _levels(1.0), 270.0, max_distance_m=5000.0)
    assert zones.zones[0].extent_m == pytest.approx(5000.0)
    assert "zone_truncated" in [w.code for w in zones.warnings]


def test_a_level_never_reached_gives_an_empty_zone() -> None:
    zones = toxic_zones(GaussianPlume(0.001, 5.0, "A"), _levels(1e6), 270.0)
    assert zones.zones[0].polygon.is_empty and zones.zones[0].extent_m == 0.0
