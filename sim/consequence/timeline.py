"""Threat zones over time for a release that starts, lasts and stops.

The steady zones of :mod:`sim.consequence.zones` say where a level is reached once the
release has gone on long enough. A drill (or an evacuation simulation) needs them minute
by minute:

* a plume's gas reaches only as far as the wind has carried it, ``u·t`` from the source,
  and once the release stops its tail leaves the source at the same speed: the zone is
  the steady zone cut to the band between ``u·(t − duration)`` and ``u·t``;
* a fire's heat zones stand while it burns and vanish when it is out;
* an explosion's zones are the cordon around the blast: they stand from the moment of
  the blast to the end of the drill.

Frozen turbulence and a steady wind are assumed (as in the steady models); the front
speed is the wind speed at the reference height, which makes the zones reach people a
little early, the safe side for an evacuation plan.

Examples
--------
>>> from sim.consequence.gaussian_plume import GaussianPlume
>>> from sim.consequence.levels import LevelOfConcern
>>> from sim.consequence.zones import toxic_zones
>>> from shapely import Point
>>> level = LevelOfConcern("test", 200.0, "mg/m3", 200.0)
>>> steady = toxic_zones(GaussianPlume(2.0, 3.0, "D"), (level,), wind_from_deg=270.0)
>>> release = Release("toxic", wind_m_s=3.0, duration_s=600.0)
>>> [round(z.polygon.bounds[2]) for z in zones_at(steady, release, 60.0)]  # 3 m/s × 60 s
[180]
>>> round(zones_at(steady, release, 700.0)[0].polygon.distance(Point(0, 0)))  # stopped 100 s ago
300
>>> zones_at(steady, release, 900.0)[0].polygon.is_empty  # the tail passed 657 m
True
>>> zones_at(steady, release, -1.0)[0].polygon.is_empty
True
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from shapely import Point, Polygon
from shapely.geometry.base import BaseGeometry

from sim.consequence.zones import ThreatZones, Zone

__all__ = ["Behaviour", "Release", "steps", "zones_at"]

Behaviour = Literal["toxic", "fire", "explosion"]
# Discs drawn with this many segments per quarter circle: the band edge within 0.1 % of
# its radius, finer than any zone outline.
_QUAD_SEGS = 32


@dataclass(frozen=True, slots=True)
class Release:
    """How the hazard behaves in time.

    Attributes
    ----------
    behaviour : {"toxic", "fire", "explosion"}
    wind_m_s : float
        Speed of the gas front (toxic releases).
    duration_s : float
        How long the release (or fire) lasts.
    """

    behaviour: Behaviour
    wind_m_s: float = 0.0
    duration_s: float = float("inf")


def zones_at(steady: ThreatZones, release: Release, t_s: float) -> tuple[Zone, ...]:
    """The zones ``t_s`` seconds after the release began (local frame, source at the
    origin), most severe first, like ``steady.zones``; empty polygons where nothing is."""
    if t_s < 0:
        return tuple(_empty(z) for z in steady.zones)
    if release.behaviour == "explosion":
        return steady.zones
    if release.behaviour == "fire":
        burning = t_s <= release.duration_s
        return steady.zones if burning else tuple(_empty(z) for z in steady.zones)
    band = _band(release.wind_m_s * t_s, release.wind_m_s * (t_s - release.duration_s))
    return tuple(replace(z, polygon=_cut(z.polygon, band)) for z in steady.zones)


def steps(
    steady: ThreatZones, release: Release, until_s: float, every_s: float
) -> list[tuple[float, tuple[Zone, ...]]]:
    """The zones every ``every_s`` from the start to ``until_s`` (both included)."""
    if every_s <= 0:
        raise ValueError("every_s must be positive")
    out = []
    t = 0.0
    while t <= until_s + 1e-9:
        out.append((t, zones_at(steady, release, t)))
        t += every_s
    return out


def _band(front_m: float, tail_m: float) -> BaseGeometry:
    reach = Point(0.0, 0.0).buffer(max(front_m, 0.0), quad_segs=_QUAD_SEGS)
    if tail_m <= 0:
        return reach
    return reach.difference(Point(0.0, 0.0).buffer(tail_m, quad_segs=_QUAD_SEGS))


def _cut(polygon: BaseGeometry, band: BaseGeometry) -> BaseGeometry:
    if polygon.is_empty or band.is_empty:
        return Polygon()
    return polygon.intersection(band)


def _empty(zone: Zone) -> Zone:
    return replace(zone, polygon=Polygon())
