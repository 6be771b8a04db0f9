"""Sensor fusion in the incident loop: the release rate, and where the leak really is, from
the live detector readings.

A hazard source is declared by name, but the leak is somewhere on it: a flange of the
sphere, its pump, its relief valve. The plume model is fitted to the detectors for every
candidate position (a grid over the source's footprint, and the source's own equipment,
where leaks happen) with :func:`sim.fusion.refine_source`; the declared point stands unless
another candidate explains the readings clearly better (see :data:`MIN_RMSE_GAIN`).
Candidate positions come from PostGIS in the site's metric CRS, as offsets from the
declared source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from sim.consequence.chemicals import Chemical, ppm_to_mg_m3
from sim.consequence.dense_gas import DenseGasPlume
from sim.consequence.gaussian_plume import GaussianPlume
from sim.consequence.stability import Stability
from sim.consequence.zones import plume_frame
from sim.fusion import Fit, estimate_release_rate, refine_source
from twin.incidents.models import Incident
from twin.sites.models import Site

__all__ = [
    "AIR_MOLAR_MASS_G_MOL",
    "Candidate",
    "Reading",
    "SourceFit",
    "Wind",
    "candidate_sources",
    "detectors",
    "fit_source",
]

# Readings older than this do not describe the plant now.
READING_MAX_AGE = timedelta(minutes=2)
# Air heavier than this (g/mol) sinks: a dense-gas model instead of the Gaussian plume.
AIR_MOLAR_MASS_G_MOL = 28.96
# Log-spaced release rates tried when the model is not linear in the rate (dense gas).
RATE_GRID_KG_S = np.geomspace(1e-3, 1e3, 61)
# A rate needs two detectors in the modelled plume; a position and a rate need three.
MIN_DETECTORS_IN_PLUME = 2
MIN_DETECTORS_TO_MOVE = 3
# Candidate grid: every GRID_STEP_M over the source's footprint grown by MARGIN_M (a
# point source: a disc of POINT_RADIUS_M). A sphere's flanges and nozzles lie within
# metres of its shell; 5 m is finer than a detector can tell positions apart.
GRID_STEP_M = 5.0
MARGIN_M = 10.0
POINT_RADIUS_M = 25.0
# The source's equipment is a candidate up to this far (pumps stand in their own pit).
EQUIPMENT_RADIUS_M = 250.0
# Another position replaces the declared one only when it cuts the misfit (RMSE) by this
# share and explains the readings (R²): noise must not walk the source around.
MIN_RMSE_GAIN = 0.2
MIN_R2_TO_MOVE = 0.5

_DETECTORS = text("""
SELECT s.code, s.unit, l.value,
       ST_X(ST_Transform(s.geom, :srid)) - ST_X(ST_Transform(i.source, :srid)),
       ST_Y(ST_Transform(s.geom, :srid)) - ST_Y(ST_Transform(i.source, :srid))
FROM sensors s JOIN latest_readings l ON l.sensor_id = s.id
JOIN incidents i ON i.site_id = s.site_id
WHERE i.id = :incident AND s.kind = 'gas' AND s.gas = :gas AND l.quality = 0
  AND l.ts_utc >= :since
""")
# Offsets from the declared source, in metres: the source's equipment first, then the
# centres of a square grid over its footprint (or a disc around a declared point).
_CANDIDATES = text("""
WITH src AS (
  SELECT ST_Transform(i.source, :srid) AS p, i.hazard_source, i.site_id
  FROM incidents i WHERE i.id = :incident
), area AS (
  SELECT coalesce(
           (SELECT ST_Buffer(ST_Transform(n.geom, :srid), :margin)
            FROM installations n, src
            WHERE n.site_id = src.site_id AND n.code = src.hazard_source),
           (SELECT ST_Buffer(p, :radius) FROM src)) AS a
)
SELECT e.code, ST_X(q) - ST_X(src.p), ST_Y(q) - ST_Y(src.p)
FROM src, equipment e, LATERAL (SELECT ST_Transform(e.geom, :srid) AS q) AS t
WHERE e.site_id = src.site_id AND e.installation_code = src.hazard_source
  AND ST_DWithin(q, src.p, :equipment_radius)
UNION ALL
SELECT NULL, ST_X(c) - ST_X(src.p), ST_Y(c) - ST_Y(src.p)
FROM src, area, LATERAL (SELECT ST_Centroid(g.geom) AS c FROM ST_SquareGrid(:step, area.a) g)
     AS cells
WHERE ST_Intersects(c, area.a)
""")


@dataclass(frozen=True, slots=True)
class Wind:
    speed_m_s: float
    from_deg: float
    sensors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Reading:
    """A detector's reading in mg/m³ and where it stands, metres from the declared source."""

    code: str
    east_m: float
    north_m: float
    mg_m3: float


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible leak position: metres from the declared source; ``equipment`` names it."""

    east_m: float
    north_m: float
    equipment: str | None = None


DECLARED = Candidate(0.0, 0.0)


@dataclass(frozen=True, slots=True)
class SourceFit:
    """The fitted release rate at the leak position the readings support best."""

    fit: Fit
    source: Candidate
    declared_rmse: float
    candidates: int

    @property
    def moved(self) -> bool:
        return self.source != DECLARED

    def as_dict(self) -> dict[str, Any]:
        return {
            "r2": self.fit.r2,
            "rmse_mg_m3": self.fit.rmse,
            "detectors": self.fit.detectors,
            "in_plume": self.fit.in_plume,
            "candidates": self.candidates,
            "declared_rmse_mg_m3": self.declared_rmse,
        }


def _mg_m3(chemical: Chemical, unit: str, value: float) -> float | None:
    if unit == "ppm":
        return ppm_to_mg_m3(value, chemical.molar_mass_g_mol)
    if unit in ("mg/m3", "mg/m³"):
        return value
    if unit == "%LEL" and chemical.lfl_pct_vol:
        return ppm_to_mg_m3(value / 100 * chemical.lfl_pct_vol * 1e4, chemical.molar_mass_g_mol)
    return None


def detectors(
    session: Session, site: Site, incident: Incident, chemical: Chemical, now: datetime
) -> list[Reading]:
    """The chemical's detectors with a fresh good reading, relative to the declared source."""
    out = []
    rows = session.execute(
        _DETECTORS,
        {
            "incident": incident.id,
            "srid": site.metric_srid,
            "gas": incident.chemical,
            "since": now - READING_MAX_AGE,
        },
    )
    for code, unit, value, east, north in rows:
        mg = _mg_m3(chemical, unit, float(value))
        if mg is not None:
            out.append(Reading(code, float(east), float(north), mg))
    return out


def candidate_sources(session: Session, site: Site, incident: Incident) -> list[Candidate]:
    """The declared point first, then the source's equipment and a grid over its footprint."""
    rows = session.execute(
        _CANDIDATES,
        {
            "incident": incident.id,
            "srid": site.metric_srid,
            "margin": MARGIN_M,
            "radius": POINT_RADIUS_M,
            "step": GRID_STEP_M,
            "equipment_radius": EQUIPMENT_RADIUS_M,
        },
    )
    return [DECLARED, *(Candidate(float(e), float(n), code) for code, e, n in rows)]


def _fitter(
    chemical: Chemical, wind: Wind, stability: Stability, readings: list[Reading]
) -> Callable[[Candidate], Fit]:
    """``fit_at(candidate)``: the least-squares rate for a leak at that candidate. Closed
    form for the Gaussian plume (linear in the rate); for a dense gas, which is not, the
    best of a scan of :data:`RATE_GRID_KG_S`."""
    measured = np.array([r.mg_m3 for r in readings])
    dense = chemical.molar_mass_g_mol > AIR_MOLAR_MASS_G_MOL
    unit = None if dense else GaussianPlume(1.0, wind.speed_m_s, stability)

    def frame(c: Candidate) -> tuple[np.ndarray, np.ndarray]:
        xy = [
            plume_frame(r.east_m - c.east_m, r.north_m - c.north_m, wind.from_deg) for r in readings
        ]
        return np.array([d for d, _ in xy]), np.array([s for _, s in xy])

    def fit_at(c: Candidate) -> Fit:
        downwind, crosswind = frame(c)
        if unit is not None:
            return estimate_release_rate(unit.concentration_mg_m3(downwind, crosswind), measured)

        def at_rate(q: Any) -> Any:
            plume = DenseGasPlume(
                float(q),
                wind.speed_m_s,
                chemical.molar_mass_g_mol,
                min(chemical.normal_boiling_point_k, 298.15),
                stability=stability,
            )
            return plume.concentration_mg_m3(downwind, crosswind) / float(q)

        return refine_source(list(RATE_GRID_KG_S), at_rate, measured)

    return fit_at


def fit_source(
    chemical: Chemical,
    wind: Wind,
    stability: Stability,
    readings: list[Reading],
    candidates: list[Candidate] | None = None,
) -> SourceFit | None:
    """Release rate (and leak position among ``candidates``, the declared one first) that
    best explain the readings; None when fewer than two detectors lie in the plume."""
    if not readings:
        return None
    candidates = candidates or [DECLARED]
    fit_at = _fitter(chemical, wind, stability, readings)
    fits = [fit_at(c) for c in candidates]
    declared = fits[0]
    best = min(range(len(fits)), key=lambda i: (fits[i].rmse, -fits[i].r2))
    chosen = best if _moves(declared, fits[best]) else 0
    fit = fits[chosen]
    if fit.in_plume < MIN_DETECTORS_IN_PLUME or fit.release_rate <= 0:
        return None
    return SourceFit(fit, candidates[chosen], declared.rmse, len(candidates))


def _moves(declared: Fit, best: Fit) -> bool:
    return (
        best.in_plume >= MIN_DETECTORS_TO_MOVE
        and best.release_rate > 0
        and best.r2 >= MIN_R2_TO_MOVE
        and best.rmse <= (1.0 - MIN_RMSE_GAIN) * declared.rmse
    )
