"""Threat zones as polygons, and the threat at a point, for three levels of concern.

Zones are drawn in a local metric frame: the source at the origin, x east, y north, in
metres (a projected CRS; `gis/` places them on the map). A plume's zones are built in
the plume frame (x' downwind, y' crosswind) and rotated for the wind direction, given as
meteorologists do: the direction the wind blows FROM, in degrees clockwise from north,
so a wind from 270° (west) carries the plume toward +x (east). Fire and blast zones are
circles around the source.

Toxic footprints come from `sim.consequence.footprint`; radial zones bisect the distance
at which a monotone flux or overpressure falls to the level. Levels of concern are in
`sim.consequence.levels` (re-exported here). A footprint takes about a millisecond.

Examples
--------
>>> from sim.consequence.gaussian_plume import GaussianPlume
>>> plume = GaussianPlume(2.0, 3.0, "D")
>>> level = LevelOfConcern("test", 200.0, "mg/m3", 200.0)
>>> zones = toxic_zones(plume, (level,), wind_from_deg=270.0)
>>> zone = zones.zones[0]
>>> round(zone.extent_m), zone.polygon.contains(Point(300.0, 0.0))
(657, True)
>>> toxic_at_point(plume, (level,), 300.0, 0.0, wind_from_deg=270.0).exceeded.name
'test'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from shapely import MultiPolygon, Point, Polygon, affinity

from sim.consequence.dispersion_coefficients import FloatArray
from sim.consequence.footprint import PlumeModel, as_polygonal, plume_footprint
from sim.consequence.levels import (
    HEAT_LEVELS,
    OVERPRESSURE_LEVELS,
    PSI_KPA,
    LevelOfConcern,
    toxic_levels,
)
from sim.consequence.limits import ModelWarning, unique

__all__ = [
    "HEAT_LEVELS",
    "OVERPRESSURE_LEVELS",
    "PSI_KPA",
    "Hazard",
    "LevelOfConcern",
    "PlumeModel",
    "PointThreat",
    "ThreatZones",
    "WindSide",
    "Zone",
    "plume_frame",
    "radial_at_point",
    "radial_zones",
    "toxic_at_point",
    "toxic_levels",
    "toxic_zones",
    "wind_side",
]

Hazard = Literal["toxic", "thermal", "overpressure"]
# ALOHA stops its footprints at 10 km: a steady straight plume is not credible beyond.
DEFAULT_MAX_DISTANCE_M = 10_000.0
_BISECTIONS = 120


@dataclass(frozen=True, slots=True)
class Zone:
    """Where one level of concern is reached or exceeded.

    Attributes
    ----------
    level : LevelOfConcern
    polygon : Polygon or MultiPolygon
        In the local frame (source at the origin, x east, y north, metres); empty when
        the level is not reached anywhere.
    extent_m : float
        Farthest distance from the source reached (downwind for a plume).
    half_width_m : float
        Largest crosswind half-width (the radius for a circular zone).
    """

    level: LevelOfConcern
    polygon: Polygon | MultiPolygon
    extent_m: float
    half_width_m: float


@dataclass(frozen=True, slots=True)
class ThreatZones:
    """The zones of one hazard, most severe level first, with the model's limits."""

    hazard: Hazard
    zones: tuple[Zone, ...]
    wind_from_deg: float | None
    warnings: tuple[ModelWarning, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class PointThreat:
    """The hazard at one point of the local frame.

    Attributes
    ----------
    east_m, north_m : float
        The point, relative to the source.
    value : float
        Concentration (mg/m³), heat flux (kW/m²) or overpressure (kPa) there.
    unit : str
        Unit of ``value``.
    exceeded : LevelOfConcern or None
        The most severe level reached there, or None.
    downwind_m, crosswind_m : float or None
        The point in the plume frame (None for circular hazards).
    """

    east_m: float
    north_m: float
    value: float
    unit: str
    exceeded: LevelOfConcern | None
    downwind_m: float | None = None
    crosswind_m: float | None = None


def plume_frame(east_m: float, north_m: float, wind_from_deg: float) -> tuple[float, float]:
    """(downwind, crosswind) of a local point for a wind from ``wind_from_deg``.

    Examples
    --------
    >>> [round(v, 9) + 0.0 for v in plume_frame(100.0, 0.0, 270.0)]  # west wind: east is downwind
    [100.0, 0.0]
    >>> [round(v, 9) + 0.0 for v in plume_frame(0.0, -50.0, 0.0)]  # north wind: south is downwind
    [50.0, 0.0]
    """
    toward = math.radians((wind_from_deg + 180.0) % 360.0)
    downwind = east_m * math.sin(toward) + north_m * math.cos(toward)
    crosswind = -east_m * math.cos(toward) + north_m * math.sin(toward)
    return downwind, crosswind


WindSide = Literal["upwind", "crosswind", "downwind"]
# Within this angle of the downwind (upwind) direction a point is downwind (upwind).
WIND_SECTOR_HALF_DEG = 45.0


def wind_side(east_m: float, north_m: float, wind_from_deg: float) -> WindSide:
    """Which side of the source a local point lies on, for a wind from ``wind_from_deg``.

    Evacuation guidance sends people crosswind out of a plume and then upwind, never
    downwind, where the plume can grow or swing.

    Examples
    --------
    >>> wind_side(100.0, 10.0, 270.0), wind_side(-100.0, 0.0, 270.0), wind_side(0.0, 80.0, 270.0)
    ('downwind', 'upwind', 'crosswind')
    """
    downwind, crosswind = plume_frame(east_m, north_m, wind_from_deg)
    angle = math.degrees(math.atan2(abs(crosswind), downwind))
    if angle < WIND_SECTOR_HALF_DEG:
        return "downwind"
    if angle > 180.0 - WIND_SECTOR_HALF_DEG:
        return "upwind"
    return "crosswind"


def toxic_zones(
    plume: PlumeModel,
    levels: Sequence[LevelOfConcern],
    wind_from_deg: float,
    *,
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
    warnings: Sequence[ModelWarning] = (),
) -> ThreatZones:
    """Footprints of a plume for each level, rotated for the wind.

    Parameters
    ----------
    plume : GaussianPlume or DenseGasPlume
    levels : sequence of LevelOfConcern
        Thresholds in mg/m³ (``model_value``), e.g. from `toxic_levels`.
    wind_from_deg : float
        Direction the wind blows from, degrees clockwise from north.
    max_distance_m : float
        Footprints stop here (with a ``zone_truncated`` warning when they reach it).
    warnings : sequence of ModelWarning
        Extra warnings to carry (e.g. from `toxic_levels`).

    Returns
    -------
    ThreatZones
    """
    _check_direction(wind_from_deg)
    zones, found = [], list(warnings)
    extents: list[float] = []
    upwind_m = float(getattr(plume, "upwind_extent_m", 0.0))
    for level in levels:
        parts, extent, width = plume_footprint(plume, level.model_value, max_distance_m, upwind_m)
        if extent >= max_distance_m * (1 - 1e-9):
            found.append(
                ModelWarning(
                    "zone_truncated",
                    f"the {level.name} zone reaches the {max_distance_m / 1000:g} km limit "
                    "and is cut there",
                )
            )
        geometry = _rotate(_union(parts), wind_from_deg)
        zones.append(Zone(level, geometry, extent, width))
        if extent > 0:
            extents.append(extent)
    found.extend(plume.warnings(extents))
    return ThreatZones("toxic", tuple(zones), wind_from_deg % 360.0, unique(found))


def toxic_at_point(
    plume: PlumeModel,
    levels: Sequence[LevelOfConcern],
    east_m: float,
    north_m: float,
    wind_from_deg: float,
) -> PointThreat:
    """Ground-level concentration at a local point and the most severe level it reaches."""
    _check_direction(wind_from_deg)
    x, y = plume_frame(east_m, north_m, wind_from_deg)
    value = float(plume.concentration_mg_m3(x, y))
    return PointThreat(east_m, north_m, value, "mg/m3", _exceeded(value, levels), x, y)


def radial_zones(
    hazard: Hazard,
    value_at: Callable[[FloatArray], FloatArray],
    levels: Sequence[LevelOfConcern],
    warnings: Callable[[Sequence[float]], tuple[ModelWarning, ...]],
) -> ThreatZones:
    """Circular zones for a value that falls with distance (heat flux, overpressure).

    Parameters
    ----------
    hazard : {"thermal", "overpressure"}
    value_at : callable
        Value at distances (m) from the source, in the levels' ``model_value`` unit.
    levels : sequence of LevelOfConcern
    warnings : callable
        The model's ``warnings(distances_m)``, called with the zone radii.

    Examples
    --------
    >>> from sim.consequence.pool_fire import PoolFire
    >>> fire = PoolFire(10.0, 0.099, 46.35e6)
    >>> zones = radial_zones("thermal", fire.flux_kw_m2, HEAT_LEVELS, fire.warnings)
    >>> [round(z.extent_m) for z in zones.zones]
    [25, 37, 59]
    """
    zones, radii = [], []
    for level in levels:
        radius = _radius(value_at, level.model_value)
        circle = Point(0.0, 0.0).buffer(radius, quad_segs=64) if radius > 0 else Polygon()
        zones.append(Zone(level, circle, radius, radius))
        if radius > 0:
            radii.append(radius)
    return ThreatZones(hazard, tuple(zones), None, unique(list(warnings(radii))))


def radial_at_point(
    value_at: Callable[[FloatArray], FloatArray],
    levels: Sequence[LevelOfConcern],
    east_m: float,
    north_m: float,
    unit: str,
) -> PointThreat:
    """The value of a circular hazard at a local point and the level it reaches."""
    value = float(value_at(np.array(math.hypot(east_m, north_m))))
    return PointThreat(east_m, north_m, value, unit, _exceeded(value, levels))


def _exceeded(value: float, levels: Sequence[LevelOfConcern]) -> LevelOfConcern | None:
    reached = [lv for lv in levels if value >= lv.model_value]
    return max(reached, key=lambda lv: lv.model_value) if reached else None


def _radius(value_at: Callable[[FloatArray], FloatArray], level: float) -> float:
    def value(r: float) -> float:
        return float(value_at(np.array(r)))

    lo, hi = 1e-3, 1e5
    if value(lo) < level:
        return 0.0
    if value(hi) >= level:
        return hi
    for _ in range(_BISECTIONS):
        mid = math.sqrt(lo * hi)
        if value(mid) >= level:
            lo = mid
        else:
            hi = mid
    return lo


def _union(parts: list[Polygon]) -> Polygon | MultiPolygon:
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _rotate(geometry: Polygon | MultiPolygon, wind_from_deg: float) -> Polygon | MultiPolygon:
    if geometry.is_empty:
        return geometry
    toward = (wind_from_deg + 180.0) % 360.0
    rotated = affinity.rotate(geometry, 90.0 - toward, origin=(0.0, 0.0))
    return as_polygonal(rotated)


def _check_direction(wind_from_deg: float) -> None:
    if not math.isfinite(wind_from_deg):
        raise ValueError(f"wind direction must be a finite number of degrees, got {wind_from_deg}")
