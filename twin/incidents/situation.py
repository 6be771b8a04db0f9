"""One recomputation of an open incident from the live plant: wind, release, zones, people.

The wind comes from the mast nearest the source; the release rate is fitted to the
detectors of the chemical when they see the plume (sensor fusion), otherwise the declared
rate is used, otherwise a stated default. Zones are computed by :mod:`sim.consequence` in
the site's metric CRS around the source and stored in PostGIS, which then says who is in
them. Everything the screen shows is kept in ``incident.situation`` and on the timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from shapely import affinity
from sqlalchemy import text
from sqlalchemy.orm import Session

from sim.consequence.assessment import Assessment
from sim.consequence.chemical_table import load_chemicals
from sim.consequence.chemicals import Chemical, ChemicalTable, UnknownChemicalError, ppm_to_mg_m3
from sim.consequence.dense_gas import DenseGasPlume
from sim.consequence.gaussian_plume import GaussianPlume
from sim.consequence.scenarios import (
    dense_gas_assessment,
    explosion_assessment,
    jet_fire_assessment,
    plume_assessment,
    pool_fire_assessment,
)
from sim.consequence.stability import Sky, Stability, stability_class
from sim.consequence.zones import plume_frame
from sim.fusion import Fit, estimate_release_rate, refine_source
from twin.incidents import service
from twin.incidents.models import Incident
from twin.people import service as people_service
from twin.routes import service as routes_service
from twin.routes.service import RouteCache
from twin.sites.models import Site

CHEMICALS = Path(__file__).resolve().parents[2] / "data" / "rules" / "chemicals.yaml"
# With no declared rate and no detector seeing the plume: a stated assumption, shown.
DEFAULT_RELEASE_KG_S = 1.0
# Readings older than this do not describe the plant now.
READING_MAX_AGE = timedelta(minutes=2)
# Air heavier than this (g/mol) sinks: a dense-gas model instead of the Gaussian plume.
AIR_MOLAR_MASS_G_MOL = 28.96
# A vapour cloud for an explosion: this many seconds of the release (a stated assumption).
CLOUD_SECONDS = 60.0
# Plants in China keep China time; day and night decide the Pasquill class.
LOCAL_TIME = ZoneInfo("Asia/Shanghai")
# Log-spaced release rates tried when the model is not linear in the rate (dense gas).
RATE_GRID_KG_S = np.geomspace(1e-3, 1e3, 61)
MIN_DETECTORS_IN_PLUME = 2

_WIND = text("""
SELECT s.unit, l.value, l.ts_utc, s.code
FROM sensors s JOIN latest_readings l ON l.sensor_id = s.id
JOIN incidents i ON i.site_id = s.site_id
WHERE i.id = :incident AND s.kind = 'wind' AND l.quality = 0 AND l.ts_utc >= :since
ORDER BY geography(s.geom) <-> geography(i.source)
""")
_DETECTORS = text("""
SELECT s.code, s.unit, l.value,
       ST_X(ST_Transform(s.geom, :srid)) - ST_X(ST_Transform(i.source, :srid)),
       ST_Y(ST_Transform(s.geom, :srid)) - ST_Y(ST_Transform(i.source, :srid))
FROM sensors s JOIN latest_readings l ON l.sensor_id = s.id
JOIN incidents i ON i.site_id = s.site_id
WHERE i.id = :incident AND s.kind = 'gas' AND s.gas = :gas AND l.quality = 0
  AND l.ts_utc >= :since
""")


@dataclass(frozen=True, slots=True)
class Wind:
    speed_m_s: float
    from_deg: float
    sensors: tuple[str, ...]


@lru_cache
def chemical_table() -> ChemicalTable:
    return load_chemicals(CHEMICALS)


def live_wind(session: Session, incident: Incident, now: datetime) -> Wind | None:
    """Speed and direction from the masts nearest the source (None without both)."""
    speed = direction = None
    codes: list[str] = []
    for unit, value, _ts, code in session.execute(
        _WIND, {"incident": incident.id, "since": now - READING_MAX_AGE}
    ):
        if unit == "m/s" and speed is None:
            speed, codes = float(value), [*codes, code]
        elif unit in ("°", "deg") and direction is None:
            direction, codes = float(value) % 360, [*codes, code]
    if speed is None or direction is None:
        return None
    return Wind(speed, direction, tuple(codes))


def sky(now: datetime) -> Sky:
    """Day or night at the plant. By day moderate sun; by night a clear sky, the stabler
    (larger-zone) choice while cloud cover is not measured."""
    hour = now.astimezone(LOCAL_TIME).hour
    return "moderate_sun" if 8 <= hour < 17 else "night_clear"


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
) -> list[tuple[str, float, float, float]]:
    """(code, east_m, north_m, mg/m³) of the chemical's detectors, relative to the source."""
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
            out.append((code, float(east), float(north), mg))
    return out


def fit_release(
    chemical: Chemical,
    wind: Wind,
    stability: Stability,
    readings: list[tuple[str, float, float, float]],
) -> Fit | None:
    """Release rate that best explains the detector readings, or None when fewer than two
    detectors lie in the modelled plume."""
    if not readings:
        return None
    frame = [plume_frame(e, n, wind.from_deg) for _, e, n, _ in readings]
    downwind = np.array([d for d, _ in frame])
    crosswind = np.array([c for _, c in frame])
    measured = np.array([mg for *_, mg in readings])
    if chemical.molar_mass_g_mol > AIR_MOLAR_MASS_G_MOL:

        def at_rate(q: Any) -> Any:
            plume = DenseGasPlume(
                float(q),
                wind.speed_m_s,
                chemical.molar_mass_g_mol,
                min(chemical.normal_boiling_point_k, 298.15),
                stability=stability,
            )
            return plume.concentration_mg_m3(downwind, crosswind) / float(q)

        fit = refine_source(list(RATE_GRID_KG_S), at_rate, measured)
    else:
        unit = GaussianPlume(1.0, wind.speed_m_s, stability)
        fit = estimate_release_rate(unit.concentration_mg_m3(downwind, crosswind), measured)
    if fit.in_plume < MIN_DETECTORS_IN_PLUME or fit.release_rate <= 0:
        return None
    return fit


def assess(
    incident: Incident,
    chemical: Chemical,
    version: str,
    wind: Wind | None,
    stability: Stability,
    rate: float,
) -> Assessment:
    """The consequence model the incident's kind and chemical call for (a toxic release
    needs the wind; fire and blast zones are circles around the source)."""
    if incident.kind == "toxic_release":
        if wind is None:
            raise ValueError("a toxic release needs the wind")
        common: dict[str, Any] = {"wind_m_s": wind.speed_m_s, "wind_from_deg": wind.from_deg}
        if chemical.molar_mass_g_mol > AIR_MOLAR_MASS_G_MOL:
            return dense_gas_assessment(
                chemical,
                version,
                release_kg_s=rate,
                stability=stability,
                **common,
            )
        return plume_assessment(
            chemical,
            version,
            release_kg_s=rate,
            stability=stability,
            **common,
        )
    if incident.kind == "fire":
        if chemical.normal_boiling_point_k > 298.15:  # a liquid at ambient: a pool burns
            return pool_fire_assessment(chemical, version, spill_kg_s=rate)
        return jet_fire_assessment(chemical, version, release_kg_s=rate)
    return explosion_assessment(chemical, version, fuel_mass_kg=rate * CLOUD_SECONDS)


def refresh(
    session: Session,
    site: Site,
    incident: Incident,
    now: datetime,
    routes: RouteCache | None = None,
) -> dict[str, Any]:
    """Recompute and store the incident's situation; returns it. With a route cache, the
    people inside the zones also get their way out (walking, around every zone)."""
    table = chemical_table()
    situation: dict[str, Any] = {"computed_utc": now.isoformat(), "warnings": []}
    try:
        chemical = table.chemical(incident.chemical or "")
    except UnknownChemicalError as exc:
        situation["error"] = str(exc)
        incident.situation = situation
        return situation
    wind = live_wind(session, incident, now)
    if wind is None and incident.kind == "toxic_release":
        # A plume drawn for a wind nobody measured would be a guess: keep the last zones.
        # (Fire and blast zones are circles: they do not wait for the wind.)
        situation["error"] = "no live wind speed and direction from the masts"
        incident.situation = {**(incident.situation or {}), **situation}
        return situation
    stability = stability_class(wind.speed_m_s, sky(now)) if wind is not None else "D"
    fit = None
    if incident.kind == "toxic_release" and wind is not None:
        fit = fit_release(
            chemical, wind, stability, detectors(session, site, incident, chemical, now)
        )
    if fit is not None:
        rate, basis = fit.release_rate, "fitted to detectors"
        incident.release_kg_s, incident.release_estimated = rate, True
    elif incident.release_kg_s is not None:
        rate, basis = (
            incident.release_kg_s,
            "estimated" if incident.release_estimated else "declared",
        )
    else:
        rate, basis = DEFAULT_RELEASE_KG_S, "assumed (nothing declared, no detector sees it)"
    result = assess(incident, chemical, table.version, wind, stability, rate)
    x0, y0 = service.source_xy(session, incident, site.metric_srid)
    zones = [
        service.Zone(
            len(result.zones.zones) - i,
            z.level.name,
            z.level.value,
            z.level.unit,
            affinity.translate(z.polygon, x0, y0),
        )
        for i, z in enumerate(result.zones.zones)
    ]
    service.store_zones(session, site, incident, zones)
    people = service.people_in_zones(session, site, incident, now)
    evacuation: list[dict[str, Any]] = []
    if routes is not None and people:
        inside = {p["tag"] for p in people}
        where = [
            p for p in people_service.latest_positions(session, site, now) if p["tag"] in inside
        ]
        evacuation = routes_service.evacuate_from_zones(
            session, routes, site, where, [z.geometry for z in zones]
        )
    if routes is not None and zones:
        hot = max(zones, key=lambda z: z.level)  # the most severe: engines stop outside it
        rescue = routes_service.rescue_route(session, routes, site, hot.geometry, (x0, y0))
        if rescue is not None:
            evacuation.append(rescue)
    situation |= {
        "model": result.model,
        "chemical_name": chemical.name_zh,
        "chemical_name_en": chemical.name_en,
        "chemical_table": table.version,
        "wind": None
        if wind is None
        else {"speed_m_s": wind.speed_m_s, "from_deg": wind.from_deg, "sensors": wind.sensors},
        "stability": stability,
        "release_kg_s": rate,
        "release_basis": basis,
        "fit": None
        if fit is None
        else {
            "r2": fit.r2,
            "rmse_mg_m3": fit.rmse,
            "detectors": fit.detectors,
            "in_plume": fit.in_plume,
        },
        "zones": [
            {"level": z.level, "label": z.label, "extent_m": round(rz.extent_m, 1)}
            for z, rz in zip(zones, result.zones.zones, strict=True)
        ],
        "people_in_zones": len(people),
        "routes": {
            "type": "FeatureCollection",
            "features": [f for f in evacuation if f["geometry"] is not None],
        },
        "no_safe_route": [f["properties"] for f in evacuation if f["geometry"] is None],
        "warnings": [w.as_dict() for w in result.warnings],
    }
    incident.situation = situation
    service.record(
        session,
        site,
        incident,
        "system:incident-loop",
        service.SITUATION,
        None,
        {k: situation[k] for k in ("release_kg_s", "release_basis", "zones", "people_in_zones")},
        audited=False,
    )
    return situation
