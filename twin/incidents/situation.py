"""One recomputation of an open incident from the live plant: wind, release, zones, people.

The wind comes from the mast nearest the source; the release rate is fitted to the
detectors of the chemical when they see the plume (sensor fusion), otherwise the declared
rate is used, otherwise a stated default. Zones are computed by :mod:`sim.consequence` in
the site's metric CRS around the source and stored in PostGIS, which then says who is in
them. Everything the screen shows is kept in ``incident.situation`` and on the timeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from shapely import affinity
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.crs import WGS84, transformer
from sim.consequence.assessment import Assessment
from sim.consequence.chemical_table import load_chemicals
from sim.consequence.chemicals import Chemical, ChemicalTable, UnknownChemicalError
from sim.consequence.scenarios import (
    dense_gas_assessment,
    explosion_assessment,
    jet_fire_assessment,
    plume_assessment,
    pool_fire_assessment,
)
from sim.consequence.stability import Sky, Stability, stability_class
from sim.consequence.zones import Zone as ModelZone
from twin.alarms import service as alarm_service
from twin.feeds.board import FeedRules, load_feed_rules
from twin.incidents import service
from twin.incidents.fusion import (
    AIR_MOLAR_MASS_G_MOL,
    READING_MAX_AGE,
    SourceFit,
    Wind,
    candidate_sources,
    detectors,
    fit_source,
)
from twin.incidents.models import Incident
from twin.people import service as people_service
from twin.routes.emergency import Hazard, incident_routes
from twin.routes.service import RouteCache
from twin.sites.models import Site

CHEMICALS = Path(__file__).resolve().parents[2] / "data" / "rules" / "chemicals.yaml"
# With no declared rate and no detector seeing the plume: a stated assumption, shown.
DEFAULT_RELEASE_KG_S = 1.0
# A vapour cloud for an explosion: this many seconds of the release (a stated assumption).
CLOUD_SECONDS = 60.0
# Plants in China keep China time; day and night decide the Pasquill class.
LOCAL_TIME = ZoneInfo("Asia/Shanghai")

_WIND = text("""
SELECT s.unit, l.value, l.ts_utc, s.code
FROM sensors s JOIN latest_readings l ON l.sensor_id = s.id
JOIN incidents i ON i.site_id = s.site_id
WHERE i.id = :incident AND s.kind = 'wind' AND l.quality = 0 AND l.ts_utc >= :since
ORDER BY geography(s.geom) <-> geography(i.source)
""")


@lru_cache
def chemical_table() -> ChemicalTable:
    return load_chemicals(CHEMICALS)


@lru_cache
def fit_rules() -> FeedRules:
    return load_feed_rules()


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


def assess(
    kind: str,
    chemical: Chemical,
    version: str,
    wind: Wind | None,
    stability: Stability,
    rate: float,
) -> Assessment:
    """The consequence model an incident's ``kind`` and chemical call for (a toxic release
    needs the wind; fire and blast zones are circles around the source)."""
    if kind == "toxic_release":
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
    if kind == "fire":
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
    people inside the zones also get their way out (walking, around every zone, upwind
    where possible), and the fire engine and rescue team their way in."""
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
        readings = detectors(session, site, incident, chemical, now)
        if readings:
            candidates = candidate_sources(session, site, incident)
            fit = fit_source(chemical, wind, stability, readings, candidates)
    rejected = None
    min_r2 = fit_rules().min_r2_to_use
    if fit is not None and fit.fit.r2 < min_r2:
        # A fit that explains the detectors this badly (stale or broken readings, a wrong
        # source) is no estimate: the zones keep the rate they had, and say why.
        rejected = {
            "r2": round(fit.fit.r2, 3),
            "min_r2": min_r2,
            "release_kg_s": fit.fit.release_rate,
            "rule": fit_rules().version,
        }
        fit = None
    if fit is not None:
        rate, basis = fit.fit.release_rate, "fitted to detectors"
        incident.release_kg_s, incident.release_estimated = rate, True
    elif incident.release_kg_s is not None:
        rate, basis = (
            incident.release_kg_s,
            "estimated (last usable fit)" if incident.release_estimated else "declared",
        )
    else:
        rate, basis = DEFAULT_RELEASE_KG_S, "assumed (nothing declared, no detector sees it)"
    if rejected is not None:
        basis += f"; fit rejected (R² {rejected['r2']:.2f} < {min_r2})"
    result = assess(incident.kind, chemical, table.version, wind, stability, rate)
    x0, y0 = service.source_xy(session, incident, site.metric_srid)
    if fit is not None:
        x0, y0 = x0 + fit.source.east_m, y0 + fit.source.north_m
    zones = placed(result.zones.zones, (x0, y0))
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
        "fit": None if fit is None else fit.as_dict(),
        "fit_rejected": rejected,
        "source": _source(site, (x0, y0), fit),
        "warnings": [w.as_dict() for w in result.warnings],
    }
    wind_from = None if wind is None else wind.from_deg
    situation |= follow(session, site, incident, zones, (x0, y0), wind_from, now, routes)
    for z, rz in zip(situation["zones"], result.zones.zones, strict=True):
        z["extent_m"] = round(rz.extent_m, 1)
    incident.situation = situation
    service.record(
        session,
        site,
        incident,
        "system:incident-loop",
        service.SITUATION,
        None,
        {
            k: situation[k]
            for k in ("release_kg_s", "release_basis", "source", "zones", "people_in_zones")
        },
        audited=False,
    )
    return situation


def placed(zones: Sequence[ModelZone], origin: tuple[float, float]) -> list[service.Zone]:
    """A model's zones (most severe first, around the origin) moved to ``origin`` in the
    site's metric CRS and numbered 3, 2, 1 from the most severe."""
    return [
        service.Zone(
            len(zones) - i,
            z.level.name,
            z.level.value,
            z.level.unit,
            affinity.translate(z.polygon, *origin),
        )
        for i, z in enumerate(zones)
    ]


def follow(
    session: Session,
    site: Site,
    incident: Incident,
    zones: list[service.Zone],
    source: tuple[float, float],
    wind_from_deg: float | None,
    now: datetime,
    routes: RouteCache | None,
    extra_people: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Store the incident's zones, find the people inside them and (with a route cache)
    their way out and the rescuers' way in: the situation's zones, people and routes.
    ``extra_people`` (``tag``, ``x_m``, ``y_m``, ``floor``) are people who cannot leave by
    themselves wherever they are (a drill's casualties): rescuers are sent to them."""
    service.store_zones(session, site, incident, zones)
    people = service.people_in_zones(session, site, incident, now)
    features: list[dict[str, Any]] = []
    if routes is not None and (zones or extra_people):
        inside = {p["tag"] for p in people}
        where = [
            p for p in people_service.latest_positions(session, site, now) if p["tag"] in inside
        ]
        ordered = sorted((z for z in zones if not z.geometry.is_empty), key=lambda z: z.level)
        hazard = Hazard(
            source,
            wind_from_deg,
            tuple((z.label, z.geometry) for z in ordered),
            toxic=incident.kind == "toxic_release",
        )
        distress = alarm_service.tags_in_distress(session, site, incident.drill_id) & inside
        extra = extra_people or []
        distress |= {p["tag"] for p in extra}
        features = incident_routes(session, routes, site, where + extra, hazard, distress)
    return {
        "zones": [{"level": z.level, "label": z.label} for z in zones],
        "people_in_zones": len(people),
        "routes": {
            "type": "FeatureCollection",
            "features": [f for f in features if f["geometry"] is not None],
        },
        "no_safe_route": [f["properties"] for f in features if f["geometry"] is None],
    }


def _source(site: Site, xy: tuple[float, float], fit: SourceFit | None) -> dict[str, Any]:
    """Where the zones are drawn from: the declared source, or the leak position the
    detectors point to (with the equipment there and the shift from the declared point)."""
    lon, lat = transformer(site.metric_srid, WGS84).transform(*xy)
    out: dict[str, Any] = {"lonlat": [round(lon, 8), round(lat, 8)], "located": False}
    if fit is not None and fit.moved:
        out |= {
            "located": True,
            "equipment": fit.source.equipment,
            "east_m": round(fit.source.east_m, 1),
            "north_m": round(fit.source.north_m, 1),
        }
    return out
