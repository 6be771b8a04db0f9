"""Declare, follow and close incidents; every step on the timeline and in the audit trail.

Services flush and never commit (the request or the live loop commits). Geometry stays
in PostGIS: the source point, the zones (stored in CGCS2000, computed in the site's metric
CRS), who is inside them and which resources are nearest.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shapely import to_wkb
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from twin.alarms.models import Alarm
from twin.audit import service as audit
from twin.errors import Conflict, NotFound, ValidationFailed
from twin.events.emit import emit
from twin.events.types import IncidentChanged, IncidentStep
from twin.incidents.models import Incident, IncidentEvent, ThreatZone
from twin.incidents.plans import plan_for
from twin.people.geofence import PRESENCE_TIMEOUT
from twin.plant.models import Installation, Sensor
from twin.sites.models import Site
from twin.spatial import service as spatial

KINDS = ("toxic_release", "fire", "explosion")
# The timeline kind of the incident loop's recomputations.
SITUATION = "situation"
# What a commander needs nearest first, by kind (rescue_resources.kind).
RESOURCE_KINDS = ("fire_station", "fire_truck", "hydrant", "foam", "scba", "first_aid", "eyewash")
RESOURCES_PER_KIND = 2


@dataclass(frozen=True, slots=True)
class Declared:
    """What the person declaring an incident says; the source from one of three places."""

    kind: str
    title: str | None = None
    hazard_source: str | None = None
    alarm_id: int | None = None
    lonlat: tuple[float, float] | None = None
    chemical: str | None = None
    release_kg_s: float | None = None


@dataclass(frozen=True, slots=True)
class Zone:
    """One computed threat zone in the site's metric CRS."""

    level: int
    label: str
    threshold: float
    unit: str
    geometry: BaseGeometry


def _source(session: Session, site: Site, d: Declared) -> tuple[Any, str | None, str | None]:
    """(point, hazard source code, chemical) from the declaration."""
    if d.hazard_source is not None:
        inst = session.scalar(
            select(Installation).where(
                Installation.site_id == site.id, Installation.code == d.hazard_source
            )
        )
        if inst is None:
            raise ValidationFailed(f"no installation {d.hazard_source!r} at {site.code!r}")
        chemical = d.chemical or next((i["chemical"] for i in inst.inventory or []), None)
        return func.ST_PointOnSurface(inst.geom), inst.code, chemical
    if d.alarm_id is not None:
        row = session.execute(
            select(Sensor.geom, Sensor.installation_code, Sensor.gas)
            .join(Alarm, Alarm.sensor_id == Sensor.id)
            .where(Alarm.id == d.alarm_id, Alarm.site_id == site.id)
        ).first()
        if row is None:
            raise ValidationFailed(f"no sensor alarm {d.alarm_id} at {site.code!r}")
        return row.geom, row.installation_code, d.chemical or row.gas
    if d.lonlat is not None:
        point = spatial.point(*d.lonlat, 4326)
        inside = session.scalar(
            select(func.ST_Covers(Site.boundary, point)).where(Site.id == site.id)
        )
        if not inside:
            raise ValidationFailed("the point lies outside the site boundary")
        return point, None, d.chemical
    raise ValidationFailed("name the source: a hazard_source, an alarm_id or lon/lat")


def open_incident(
    session: Session, site: Site, actor: str, d: Declared, *, drill_id: str | None = None
) -> Incident:
    """Open an incident (a drill's, marked with ``drill_id``) and put it on its timeline."""
    if d.kind not in KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(KINDS)}")
    if d.release_kg_s is not None and d.release_kg_s <= 0:
        raise ValidationFailed("release_kg_s must be positive")
    point, source, chemical = _source(session, site, d)
    now = datetime.now(UTC)
    incident = Incident(
        site_id=site.id,
        kind=d.kind,
        state="open",
        title=d.title or f"{d.kind} · {source or 'point'}",
        hazard_source=source,
        chemical=chemical,
        release_kg_s=d.release_kg_s,
        release_estimated=False,
        source=point,
        alarm_id=d.alarm_id,
        opened_utc=now,
        opened_by=actor,
        drill_id=drill_id,
    )
    session.add(incident)
    session.flush()
    detail = {"kind": d.kind, "hazard_source": source, "chemical": chemical}
    record(session, site, incident, actor, "opened", incident.title, detail)
    changed(session, site, incident)
    return incident


def changed(
    session: Session, site: Site, incident: Incident, *, full: bool = False, steps: bool = True
) -> dict[str, Any]:
    """Tell the log and the maps what the incident looks like now; returns that."""
    out = as_dict(session, incident, full=full, steps=steps)
    emit(
        session,
        IncidentChanged(
            site=site.code,
            site_id=site.id,
            ts_utc=datetime.now(UTC),
            drill_id=incident.drill_id,
            incident=out,
        ),
    )
    return out


def record(
    session: Session,
    site: Site,
    incident: Incident,
    actor: str,
    kind: str,
    text_: str | None = None,
    detail: dict[str, Any] | None = None,
    *,
    audited: bool = True,
) -> IncidentEvent:
    """Append to the incident's timeline (and the audit trail for people's actions)."""
    event = IncidentEvent(
        incident_id=incident.id,
        ts_utc=datetime.now(UTC),
        actor=actor,
        kind=kind,
        text=text_,
        detail=detail,
    )
    session.add(event)
    if kind != SITUATION:  # a recomputation is emitted whole by the loop
        emit(
            session,
            IncidentStep(
                site=site.code,
                site_id=site.id,
                ts_utc=event.ts_utc,
                drill_id=incident.drill_id,
                incident_id=incident.id,
                step=kind,
                actor=actor,
                text=text_,
                detail=detail,
            ),
        )
    if audited:
        change = audit.Change(
            f"incident.{kind}",
            "incident",
            str(incident.id),
            site.code,
            None,
            {"text": text_, **(detail or {})},
        )
        audit.record(session, actor, [change])
    session.flush()
    return event


def get_incident(session: Session, site: Site, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None or incident.site_id != site.id:
        raise NotFound(f"no incident {incident_id} at site {site.code!r}")
    return incident


def list_incidents(session: Session, site: Site, state: str | None = None) -> list[Incident]:
    query = select(Incident).where(Incident.site_id == site.id)
    if state is not None:
        if state not in ("open", "closed"):
            raise ValidationFailed("state must be open or closed")
        query = query.where(Incident.state == state)
    return list(session.scalars(query.order_by(Incident.opened_utc.desc())))


def command(session: Session, site: Site, incident_id: int, actor: str, text_: str) -> Incident:
    incident = _open(session, site, incident_id)
    record(session, site, incident, actor, "command", text_)
    changed(session, site, incident)
    return incident


def close_incident(
    session: Session, site: Site, incident_id: int, actor: str, summary: str
) -> Incident:
    incident = _open(session, site, incident_id)
    incident.state, incident.closed_utc, incident.closed_by = "closed", datetime.now(UTC), actor
    incident.summary = summary
    record(session, site, incident, actor, "closed", summary)
    changed(session, site, incident)
    return incident


def _open(session: Session, site: Site, incident_id: int) -> Incident:
    incident = get_incident(session, site, incident_id)
    if incident.state != "open":
        raise Conflict("the incident is closed")
    return incident


def store_zones(session: Session, site: Site, incident: Incident, zones: Sequence[Zone]) -> None:
    """Replace the incident's zones with ``zones`` (metric CRS → CGCS2000 in PostGIS)."""
    session.query(ThreatZone).filter(ThreatZone.incident_id == incident.id).delete()
    now = datetime.now(UTC)
    for z in zones:
        if z.geometry.is_empty:
            continue
        geom = func.ST_Multi(
            func.ST_Transform(
                func.ST_SetSRID(func.ST_GeomFromWKB(to_wkb(z.geometry)), site.metric_srid), 4490
            )
        )
        session.add(
            ThreatZone(
                incident_id=incident.id,
                level=z.level,
                label=z.label,
                threshold=z.threshold,
                unit=z.unit,
                computed_utc=now,
                geom=geom,
            )
        )
    session.flush()


_ZONES = text("""
SELECT level, label, threshold, unit, computed_utc, ST_AsGeoJSON(ST_Transform(geom, 4326), 7)
FROM threat_zones WHERE incident_id = :incident ORDER BY level
""")
_PEOPLE_IN_ZONES = text("""
SELECT z.level, t.code, t.person_name, t.person_kind
FROM threat_zones z
JOIN latest_positions lp ON ST_Covers(z.geom, lp.geom) AND lp.ts_utc >= :since
JOIN tags t ON t.id = lp.tag_id
WHERE z.incident_id = :incident AND t.site_id = :site
ORDER BY z.level DESC, t.code
""")
_RESOURCES = text("""
SELECT kind, code, name, name_en, distance_m, lon, lat FROM (
  SELECT r.kind, r.code, r.name, r.name_en,
         ST_Distance(geography(r.geom), geography(i.source)) AS distance_m,
         ST_X(ST_Transform(r.geom, 4326)) AS lon, ST_Y(ST_Transform(r.geom, 4326)) AS lat,
         row_number() OVER (PARTITION BY r.kind
                            ORDER BY geography(r.geom) <-> geography(i.source)) AS rank
  FROM rescue_resources r JOIN incidents i ON i.site_id = r.site_id
  WHERE i.id = :incident AND r.kind = ANY(:kinds)
) AS ranked WHERE rank <= :per_kind ORDER BY distance_m
""")


def zones_geojson(session: Session, incident: Incident) -> dict[str, Any]:
    rows = session.execute(_ZONES, {"incident": incident.id})
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": json.loads(geom),
                "properties": {
                    "level": level,
                    "label": label,
                    "threshold": threshold,
                    "unit": unit,
                    "computed_utc": ts.isoformat(),
                },
            }
            for level, label, threshold, unit, ts, geom in rows
        ],
    }


def people_in_zones(
    session: Session, site: Site, incident: Incident, now: datetime
) -> list[dict[str, Any]]:
    """Each person positioned inside a zone, at the most severe level that covers them."""
    seen: dict[str, dict[str, Any]] = {}
    rows = session.execute(
        _PEOPLE_IN_ZONES,
        {"incident": incident.id, "site": site.id, "since": now - PRESENCE_TIMEOUT},
    )
    for level, tag, name, kind in rows:
        seen.setdefault(tag, {"tag": tag, "person": name, "kind": kind, "level": level})
    return list(seen.values())


def nearest_resources(session: Session, incident: Incident) -> list[dict[str, Any]]:
    rows = session.execute(
        _RESOURCES,
        {"incident": incident.id, "kinds": list(RESOURCE_KINDS), "per_kind": RESOURCES_PER_KIND},
    )
    return [
        {
            "kind": kind,
            "code": code,
            "name": name,
            "name_en": name_en,
            "distance_m": round(d, 1),
            "lonlat": [lon, lat],
        }
        for kind, code, name, name_en, d, lon, lat in rows
    ]


def plan_and_contacts(session: Session, site: Site, incident: Incident) -> dict[str, Any]:
    """The emergency plan covering the source and its three responsible persons."""
    found = plan_for(site.code, incident.hazard_source)
    responsible = None
    if incident.hazard_source:
        responsible = session.scalar(
            select(Installation.responsible).where(
                Installation.site_id == site.id, Installation.code == incident.hazard_source
            )
        )
    plan = None
    if found is not None:
        p, version = found
        plan = {**p.model_dump(), "version": version}
    return {"plan": plan, "responsible": responsible}


def source_xy(session: Session, incident: Incident, srid: int) -> tuple[float, float]:
    """The incident's source in ``srid`` (4326 for lon/lat, the site's metric CRS for maps
    and models)."""
    x, y = session.execute(
        select(
            func.ST_X(func.ST_Transform(Incident.source, srid)),
            func.ST_Y(func.ST_Transform(Incident.source, srid)),
        ).where(Incident.id == incident.id)
    ).one()
    return float(x), float(y)


def as_dict(
    session: Session, incident: Incident, *, full: bool = False, steps: bool = True
) -> dict[str, Any]:
    """The incident; ``full`` adds its zones, the people in them, resources, plan and
    contacts, and (with ``steps``) its timeline."""
    lon, lat = source_xy(session, incident, 4326)
    out: dict[str, Any] = {
        "id": incident.id,
        "kind": incident.kind,
        "state": incident.state,
        "title": incident.title,
        "hazard_source": incident.hazard_source,
        "chemical": incident.chemical,
        "release_kg_s": incident.release_kg_s,
        "release_estimated": incident.release_estimated,
        "source": [lon, lat],
        "alarm_id": incident.alarm_id,
        "opened_utc": incident.opened_utc.isoformat(),
        "opened_by": incident.opened_by,
        "closed_utc": incident.closed_utc.isoformat() if incident.closed_utc else None,
        "closed_by": incident.closed_by,
        "summary": incident.summary,
        "situation": incident.situation,
        "drill_id": incident.drill_id,
    }
    if full:
        site = session.get(Site, incident.site_id)
        assert site is not None
        out["zones"] = zones_geojson(session, incident)
        out["people"] = people_in_zones(session, site, incident, datetime.now(UTC))
        out["resources"] = nearest_resources(session, incident)
        out |= plan_and_contacts(session, site, incident)
        if steps:
            out["timeline"], out["recomputations"] = timeline(session, incident)
    return out


def timeline(session: Session, incident: Incident) -> tuple[list[dict[str, Any]], int]:
    """People's steps and the latest recomputation, oldest first, and how many
    recomputations there were. The loop adds one every few seconds: all of them stay in
    the table for replay, but a map refreshing the incident needs only the newest."""
    events = select(IncidentEvent).where(IncidentEvent.incident_id == incident.id)
    recomputations = events.where(IncidentEvent.kind == SITUATION)
    count = session.scalar(select(func.count()).select_from(recomputations.subquery())) or 0
    latest = session.scalars(recomputations.order_by(IncidentEvent.id.desc()).limit(1)).all()
    steps = list(session.scalars(events.where(IncidentEvent.kind != SITUATION)))
    ordered = sorted([*steps, *latest], key=lambda e: (e.ts_utc, e.id))
    return [
        {
            "ts": e.ts_utc.isoformat(),
            "actor": e.actor,
            "kind": e.kind,
            "text": e.text,
            "detail": e.detail,
        }
        for e in ordered
    ], count
