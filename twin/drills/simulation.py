"""Simulated drills: the scenario played faster than real time, touching nothing live.

The population (the people positioned now, or the scenario's staffing template placed
on the walkways of each zone by PostGIS) evacuates over the site's route network with
:func:`sim.evacuation.simulate` while the scenario's release grows its zones; the
response the scenario assumes sets when the evacuation order comes. The run's events
(drill start and end, injects, alarms, the incident with its zones, everyone's position
every few seconds, muster counts) go to the event log under ``sim-<n>`` on the run's own
clock, so the run replays through the same map as a real incident, and nowhere else.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.crs import WGS84, transformer
from gis.routing import Place
from sim.evacuation import EvacuationParams, EvacuationResult, Person, PreMovement, simulate
from sim.evaluation import completion_s, exposure_person_min, muster_curve, overall
from twin.drills.evaluate import measures, plan_of, targets_of
from twin.drills.hazard import DrillHazard, run_hazard
from twin.drills.models import DrillRun, DrillScenario
from twin.drills.schemas import PreMovementIn, Scenario
from twin.drills.service import drill_event, inject_event
from twin.events import log as eventlog
from twin.incidents.situation import LOCAL_TIME
from twin.people import service as people_service
from twin.replay.frames import Scope
from twin.replay.timeline import key_events
from twin.routes import service as routes
from twin.routes.service import RouteCache
from twin.sites.models import Site

__all__ = ["plant_start", "run_simulation"]

# The zones are redrawn this often as the release grows (the live loop's 5 s would only
# multiply identical steps for the model).
THREAT_STEP_S = 15.0
# Everyone's position goes to the log this often: smooth on a replay at ×60.
POSITIONS_EVERY_S = 5.0
# A positions frame listing everybody this often (the others list who moved).
KEYFRAME_S = 60.0
# Links at least this crowded are drawn by density on the map: anybody on a walkway up
# to 100 m² (a lone walker is part of the picture of who is still out).
MAP_DENSITY_P_M2 = 0.01
# Walkways within this of a drawn point: template people stand on or beside a walkway.
# PostGIS may draw a few points short of the number asked on narrow shapes: twice as
# many are drawn and the first ones kept.
WALKWAY_BUFFER_M = 2.0

_TEMPLATE = text("""
WITH z AS (SELECT ST_Transform(geom, :srid) AS g FROM zones
           WHERE site_id = :site AND code = :zone),
     w AS (SELECT ST_Union(ST_Buffer(ST_Transform(e.geom, :srid), :buffer)) AS g
           FROM route_edges e, zones zz
           WHERE e.site_id = :site AND zz.site_id = :site AND zz.code = :zone
             AND ST_Intersects(e.geom, zz.geom)),
     area AS (SELECT coalesce(nullif(ST_Intersection(z.g, w.g), 'POLYGON EMPTY'::geometry),
                              z.g) AS g FROM z, w)
SELECT ST_X(p.geom), ST_Y(p.geom)
FROM area, ST_Dump(ST_GeneratePoints(area.g, 2 * :n, :seed)) AS p
LIMIT :n
""")


def plant_start(scenario: Scenario, day: date) -> datetime:
    """The simulated drill's start: ``day`` at the scenario's local time of day, in UTC."""
    return datetime.combine(day, scenario.time_of_day, LOCAL_TIME).astimezone(UTC)


def run_simulation(
    session: Session, site: Site, run: DrillRun, row: DrillScenario, cache: RouteCache
) -> dict[str, Any]:
    """Simulate the scenario of ``run``, log its events, and mark the run finished with
    its evaluation (also returned)."""
    scenario = Scenario.model_validate(row.body)
    hazard = run_hazard(session, site, scenario, run)
    network = routes.get_network(session, cache, site)
    aps = routes.assembly_points(session, site)
    alarm_s = min((i.at_s for i in scenario.injects if i.kind == "alarm"), default=None)
    first_alarm_s = scenario.release.start_s if alarm_s is None else alarm_s
    order_s = first_alarm_s + scenario.assumed_response.evacuation_order_s
    people = _population(session, site, scenario, order_s)
    threats = [
        (t, [z.geometry for z in hazard.zones(t) if not z.geometry.is_empty])
        for t in np.arange(0.0, scenario.duration_s + 1e-9, THREAT_STEP_S)
    ]
    params = EvacuationParams(
        duration_s=scenario.duration_s, sample_every_s=POSITIONS_EVERY_S, seed=scenario.seed
    )
    result = simulate(
        network, people, aps, threats, closed_edges=scenario.blocked_routes, params=params
    )
    _log(session, site, run, row, scenario, hazard, result, first_alarm_s)
    run.result = _evaluate(session, site, run, scenario, hazard, result, first_alarm_s)
    run.state, run.ended_utc, run.ended_by = "finished", datetime.now(UTC), run.started_by
    run.plant_end_utc = run.plant_start_utc + timedelta(seconds=scenario.duration_s)
    return run.result


def premovement(given: PreMovementIn) -> PreMovement:
    if given.kind == "fixed":
        return PreMovement.fixed(given.low_s)
    if given.kind == "uniform":
        return PreMovement.uniform(given.low_s, given.high_s)
    return PreMovement.from_percentiles(given.low_s, given.high_s)


def _population(session: Session, site: Site, scenario: Scenario, order_s: float) -> list[Person]:
    """Everyone on site, each setting off at the evacuation order plus a drawn delay."""
    places: list[Place] = []
    if scenario.population.mode == "current":
        now = datetime.now(UTC)
        places = [
            Place(p["x_m"], p["y_m"], p.get("floor") or 0, label=p["tag"])
            for p in people_service.latest_positions(session, site, now)
        ]
    else:
        for zone, n in sorted(scenario.population.template.items()):
            if n == 0:
                continue
            rows = session.execute(
                _TEMPLATE,
                {
                    "site": site.id,
                    "srid": site.metric_srid,
                    "zone": zone,
                    "n": n,
                    "seed": scenario.seed,
                    "buffer": WALKWAY_BUFFER_M,
                },
            )
            places += [Place(x, y, label=f"{zone}-{k + 1:03d}") for k, (x, y) in enumerate(rows)]
    rng = np.random.default_rng(scenario.seed)
    delays = premovement(scenario.population.premovement).draw(len(places), rng)
    return [
        Person(p.label or f"P{i}", p, premovement_s=order_s + float(d))
        for i, (p, d) in enumerate(zip(places, delays, strict=True))
    ]


def _log(
    session: Session,
    site: Site,
    run: DrillRun,
    row: DrillScenario,
    scenario: Scenario,
    hazard: DrillHazard,
    result: EvacuationResult,
    first_alarm_s: float,
) -> None:
    """The run's events on its own clock, as a map would have received them."""
    start, drill = run.plant_start_utc, run.drill_id
    to_lonlat = transformer(site.metric_srid, WGS84)
    events: list[tuple[datetime, dict[str, Any]]] = [(start, drill_event(run, row, "running"))]
    events += [
        (start + timedelta(seconds=inject.at_s), inject_event(drill, index, inject))
        for index, inject in enumerate(scenario.injects)
    ]
    events += _incident(site, run, scenario, hazard, first_alarm_s, to_lonlat)
    events += _movement(result, start, drill, to_lonlat)
    events.append((_last_moment(run, scenario), drill_event(run, row, "finished")))
    eventlog.record_timeline(session.connection(), site.id, events, drill)


def _movement(
    result: EvacuationResult, start: datetime, drill: str, to_lonlat: Any
) -> list[tuple[datetime, dict[str, Any]]]:
    """Everyone's position, the muster count and the crowd's density on each link every
    sample. A frame lists only the people who moved since the last one, but every
    KEYFRAME_S one lists everybody (a replay's snapshot starts from it): waiting and
    mustered people stand still."""
    ids = [p.id for p in result.people]
    xy = result.positions_xy
    lon, lat = to_lonlat.transform(xy[..., 0], xy[..., 1])
    lon, lat = np.round(lon, 7), np.round(lat, 7)
    points = [*result.assembly_points, ""]
    arrived_at = np.array([points.index(p.assembly_point or "") for p in result.people], dtype=int)
    arrivals = np.array([np.inf if p.arrival_s is None else p.arrival_s for p in result.people])
    every = max(1, round(KEYFRAME_S / result.params.sample_every_s))
    out: list[tuple[datetime, dict[str, Any]]] = []
    for k, t in enumerate(result.sample_t_s):
        ts = start + timedelta(seconds=float(t))
        here = np.isfinite(lon[k]) & np.isfinite(lat[k])
        key = k % every == 0
        moved = here if key else here & ((lon[k] != lon[k - 1]) | (lat[k] != lat[k - 1]))
        rows = np.nonzero(moved)[0]
        stamp = ts.isoformat()
        lons, lats = lon[k, rows].tolist(), lat[k, rows].tolist()
        tags = {
            ids[i]: {"ts": stamp, "lon": x, "lat": y}
            for i, x, y in zip(rows.tolist(), lons, lats, strict=True)
        }
        out.append((ts, {"type": "positions", "tags": tags, "keyframe": key, "drill_id": drill}))
        counts = np.bincount(arrived_at[arrivals <= t], minlength=len(points))
        muster = {
            "type": "muster",
            "drill_id": drill,
            "counts": {ap: int(n) for ap, n in zip(points[:-1], counts, strict=False) if n},
            "of": len(ids),
        }
        out.append((ts, muster))
        crowded = np.nonzero(result.density_p_m2[k] >= MAP_DENSITY_P_M2)[0]
        density = {
            "type": "density",
            "drill_id": drill,
            "edges": {
                result.edge_codes[e]: round(float(result.density_p_m2[k, e]), 2)
                for e in crowded.tolist()
            },
        }
        out.append((ts, density))
    return out


def _incident(
    site: Site,
    run: DrillRun,
    scenario: Scenario,
    hazard: DrillHazard,
    first_alarm_s: float,
    to_lonlat: Any,
) -> list[tuple[datetime, dict[str, Any]]]:
    """The drill's alarms and incident as the map sees them: each alarm raised and (as
    assumed) acknowledged, the incident opened with the first, its zones every step, the
    assumed first command, and everything closed at the drill's last moment."""
    start, drill = run.plant_start_utc, run.drill_id
    last = _last_moment(run, scenario)
    out: list[tuple[datetime, dict[str, Any]]] = []
    for index, inject in enumerate(scenario.injects):
        if inject.kind != "alarm":
            continue
        raised = start + timedelta(seconds=inject.at_s)
        acked = raised + timedelta(seconds=scenario.assumed_response.alarm_to_ack_s)
        for state, ts in (("raised", raised), ("acknowledged", acked), ("closed", last)):
            alarm = {
                "id": f"{drill}-a{index}",
                "kind": "high_2",
                "state": state,
                "sensor": inject.target,
                "message": "演练 DRILL · 二级报警 / high-high",
                "raised_utc": raised.isoformat(),
                "active": state != "closed",
                "acked": state != "raised",
                "acked_by": None if state == "raised" else "assumed",
                "drill_id": drill,
            }
            out.append((ts, {"type": "alarm", "transition": state, "alarm": alarm}))
    incident_id = f"{drill}-incident"
    command = start + timedelta(seconds=first_alarm_s + scenario.assumed_response.first_command_s)
    out.append(
        (
            command,
            {
                "type": "incident_step",
                "incident_id": incident_id,
                "kind": "command",
                "actor": "assumed",
                "text": "(假定 / assumed) 启动应急预案 / plan activated",
                "drill_id": drill,
            },
        )
    )
    lon, lat = to_lonlat.transform(*hazard.source_xy)
    steps = [
        (start + timedelta(seconds=float(t)), "open", float(t))
        for t in np.arange(first_alarm_s, scenario.duration_s, THREAT_STEP_S)
    ]
    for ts, state, t in [*steps, (last, "closed", scenario.duration_s)]:
        features = [
            {
                "type": "Feature",
                "geometry": mapping(_transformed(z.geometry, to_lonlat)),
                "properties": {
                    "level": z.level,
                    "label": z.label,
                    "threshold": z.threshold,
                    "unit": z.unit,
                },
            }
            for z in hazard.zones(t)
            if not z.geometry.is_empty
        ]
        incident = {
            "id": incident_id,
            "kind": scenario.release.kind,
            "state": state,
            "title": f"演练 DRILL · {scenario.name}",
            "hazard_source": scenario.release.hazard_source,
            "chemical": hazard.chemical.key,
            "release_kg_s": scenario.release.rate_kg_s,
            "release_estimated": False,
            "source": [lon, lat],
            "drill_id": drill,
            "situation": hazard.situation()
            | {"source": {"lonlat": [lon, lat], "located": False}, "drill_t_s": t},
            "zones": {"type": "FeatureCollection", "features": features},
            "people": [],
            "resources": [],
            "plan": None,
            "responsible": None,
        }
        out.append((ts, {"type": "incident", "incident": incident}))
    return out


def _last_moment(run: DrillRun, scenario: Scenario) -> datetime:
    """The drill's last moment on its clock: what ends it (the banner, the incident, the
    alarms) is logged here, just inside the period a replay of the run covers (a
    replay's end is exclusive)."""
    return run.plant_start_utc + timedelta(seconds=scenario.duration_s, milliseconds=-1)


def _transformed(geometry: Any, to_lonlat: Any) -> Any:
    return shapely.transform(
        geometry, lambda c: np.column_stack(to_lonlat.transform(c[:, 0], c[:, 1]))
    )


def _evaluate(
    session: Session,
    site: Site,
    run: DrillRun,
    scenario: Scenario,
    hazard: DrillHazard,
    result: EvacuationResult,
    first_alarm_s: float,
) -> dict[str, Any]:
    plan = plan_of(site, scenario)
    arrivals = [p.arrival_s for p in result.people]
    done = completion_s(arrivals)
    every = result.params.sample_every_s
    exposure = exposure_person_min(
        zip(result.sample_t_s, result.positions_xy, strict=True),
        lambda t: [(z.label, z.geometry) for z in hazard.zones(float(t))],
        every,
    )
    steady = hazard.assessment.zones.zones
    severe = steady[0].level.name if steady else None
    response = scenario.assumed_response
    has_alarm = any(i.kind == "alarm" for i in scenario.injects)
    listed = measures(
        targets_of(plan),
        ack_s=response.alarm_to_ack_s if has_alarm else None,
        command_s=response.first_command_s,
        muster_s=None if done is None else done - first_alarm_s,
        missing=sum(a is None for a in arrivals),
        deviations=None,
        exposure=exposure,
        severe=severe,
        response="assumed",
        movement="simulated",
        alarm=has_alarm,
    )
    peak = result.density_p_m2.max(axis=0) if len(result.sample_t_s) else np.zeros(0)
    end = run.plant_start_utc + timedelta(seconds=scenario.duration_s)
    return {
        "mode": "simulation",
        "plan": plan,
        "measures": [m.as_dict() for m in listed],
        "score": overall(listed),
        "first_alarm_s": first_alarm_s,
        "people": {
            "expected": len(result.people),
            "mustered": result.evacuated,
            "missing": [p.id for p in result.not_evacuated],
        },
        "muster_curve": muster_curve(arrivals, every, scenario.duration_s),
        "exposure_person_min": {k: round(v, 2) for k, v in exposure.items()},
        "deviations": [],
        "evacuation": {
            "total_s": result.total_s,
            "evacuated": result.evacuated,
            "not_evacuated": [
                {"person": p.id, "reason": p.no_safe_route} for p in result.not_evacuated
            ],
            "by_assembly_point": {ap: len(result.arrivals_s(ap)) for ap in result.assembly_points},
            "bottlenecks": [
                {
                    "edge": b.edge,
                    "kind": b.kind,
                    "max_queue_p": b.max_queue_p,
                    "waiting_person_s": round(b.waiting_person_s, 1),
                    "queue_s": round(b.queue_s, 1),
                }
                for b in result.bottlenecks[:10]
            ],
            "peak_density_p_m2": {
                code: round(float(d), 3)
                for code, d in zip(result.edge_codes, peak, strict=True)
                if d > 0
            },
        },
        "timeline": key_events(
            session,
            site,
            run.plant_start_utc,
            end + timedelta(seconds=1),
            Scope(run.drill_id),
        ),
    }
