"""Score a drill run against its emergency plan's targets.

The measures drill reviews use: alarm → acknowledge time, time to the first command,
muster completion time, people missing at muster, route deviations and exposure
(person-minutes inside each threat zone). A live drill's come from what people did (the
drill's alarms, the incident's timeline, the positions the tags reported); a simulated
run's from the evacuation model and the response times its scenario assumes. Either way
each measure is scored by :mod:`sim.evaluation` against the plan covering the source.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.crs import WGS84, transformer
from sim.evaluation import (
    Basis,
    Measure,
    completion_s,
    exposure_person_min,
    muster_curve,
    overall,
    scored,
)
from twin.drills.hazard import DrillHazard
from twin.drills.models import DrillRun
from twin.drills.schemas import Scenario
from twin.incidents.plans import Targets, plan_for
from twin.people.geofence import PRESENCE_TIMEOUT
from twin.replay.frames import Scope
from twin.replay.timeline import key_events
from twin.sites.models import Site

__all__ = ["MUSTER_RADIUS_M", "live_run", "measures", "plan_of", "targets_of"]

# Counted in within this distance of an assembly point (the tags' accuracy, 10–20 m
# outside key areas per the positioning requirement, plus the point's own size).
MUSTER_RADIUS_M = 25.0
# A track further than this from the route the person was given has left it.
DEVIATION_M = 30.0
# Positions are sampled this often for exposure and the muster curve.
SAMPLE_S = 5.0

_FIRST_ALARM = text("""
SELECT raised_utc, acked_utc, acked_by FROM alarms
WHERE drill_id = :drill AND sensor_id IS NOT NULL ORDER BY raised_utc, id LIMIT 1
""")
_FIRST_COMMAND = text("""
SELECT min(e.ts_utc) FROM incident_events e JOIN incidents i ON i.id = e.incident_id
WHERE i.drill_id = :drill AND e.kind = 'command'
""")
_ON_SITE = text("""
SELECT DISTINCT t.code FROM positions p JOIN tags t ON t.id = p.tag_id
WHERE t.site_id = :site AND p.ts_utc >= :since AND p.ts_utc <= :start
""")
_TRACKS = text("""
SELECT t.code, p.ts_utc, ST_X(ST_Transform(p.geom, :srid)), ST_Y(ST_Transform(p.geom, :srid))
FROM positions p JOIN tags t ON t.id = p.tag_id
WHERE t.site_id = :site AND t.code = ANY(:tags) AND p.ts_utc >= :since AND p.ts_utc <= :end
ORDER BY p.ts_utc
""")
_MUSTERED = text("""
SELECT DISTINCT ON (t.code) t.code, p.ts_utc, a.code
FROM positions p JOIN tags t ON t.id = p.tag_id
JOIN assembly_points a ON a.site_id = t.site_id
 AND ST_DWithin(geography(p.geom), geography(a.geom), :radius)
WHERE t.site_id = :site AND t.code = ANY(:tags) AND p.ts_utc >= :from AND p.ts_utc <= :end
ORDER BY t.code, p.ts_utc
""")
_ASSIGNED = text("""
SELECT e.ts_utc, f.value FROM event_log e,
     jsonb_array_elements(e.payload->'incident'->'situation'->'routes'->'features') AS f
WHERE e.site_id = :site AND e.drill_id = :drill AND e.kind = 'incident'
  AND f.value->'properties'->>'purpose' = 'evacuation'
ORDER BY e.ts_utc, e.id
""")


def plan_of(site: Site, scenario: Scenario) -> dict[str, Any]:
    """The plan covering the scenario's source, with its targets, as results show it."""
    found = plan_for(site.code, scenario.release.hazard_source)
    assert found is not None  # a scenario is saved only when a plan covers its source
    plan, book = found
    return {
        "code": plan.code,
        "name": plan.name,
        "name_en": plan.name_en,
        "version": book,
        "targets": plan.targets.model_dump(),
    }


def targets_of(plan: dict[str, Any]) -> Targets:
    return Targets.model_validate(plan["targets"])


def measures(
    targets: Targets,
    *,
    ack_s: float | None,
    command_s: float | None,
    muster_s: float | None,
    missing: int,
    deviations: int | None,
    exposure: dict[str, float],
    severe: str | None,
    response: Basis,
    movement: Basis,
    alarm: bool,
) -> list[Measure]:
    """The six measures, each against its target (``alarm``: whether the drill had an
    alarm to acknowledge at all; ``severe``: the most severe zone's label)."""
    severe_min = round(exposure.get(severe, 0.0), 2) if severe else 0.0
    rows: list[tuple[str, float | None, str, float | None, Basis]] = [
        ("alarm_to_ack_s", ack_s, "s", targets.alarm_to_ack_s if alarm else None, response),
        ("first_command_s", command_s, "s", targets.first_command_s, response),
        ("muster_complete_s", muster_s, "s", targets.muster_complete_s, movement),
        ("missing_at_muster", missing, "people", targets.missing_at_muster, movement),
        (
            "route_deviations",
            deviations,
            "people",
            None if deviations is None else targets.route_deviations,
            movement,
        ),
        (
            "exposure_severe_person_min",
            severe_min,
            "person-min",
            targets.exposure_severe_person_min,
            movement,
        ),
    ]
    return [scored(k, v, unit, target=t, basis=b) for k, v, unit, t, b in rows]


def live_run(
    session: Session, site: Site, run: DrillRun, scenario: Scenario, hazard: DrillHazard
) -> dict[str, Any]:
    """The evaluation of a live drill that has just ended."""
    plan = plan_of(site, scenario)
    start = run.plant_start_utc
    end = run.plant_end_utc or run.ended_utc or start
    drill = {"drill": run.drill_id}
    first = session.execute(_FIRST_ALARM, drill).first()
    alarm_at = first.raised_utc if first else None
    ack_s = (
        (first.acked_utc - first.raised_utc).total_seconds() if first and first.acked_utc else None
    )
    commanded = session.scalar(_FIRST_COMMAND, drill)
    response_from = alarm_at or start
    command_s = (commanded - response_from).total_seconds() if commanded else None
    expected = sorted(
        session.scalars(
            _ON_SITE, {"site": site.id, "since": start - PRESENCE_TIMEOUT, "start": start}
        )
    )
    where = {"site": site.id, "tags": expected, "end": end}
    mustered = {
        tag: (ts, ap)
        for tag, ts, ap in session.execute(
            _MUSTERED, where | {"from": response_from, "radius": MUSTER_RADIUS_M}
        )
    }
    arrivals = [
        (mustered[t][0] - start).total_seconds() if t in mustered else None for t in expected
    ]
    tracks = _tracks(session, site, expected, start - PRESENCE_TIMEOUT, end)
    duration_s = (end - start).total_seconds()
    exposure = exposure_person_min(
        _samples(tracks, expected, start, duration_s),
        lambda t: [(z.label, z.geometry) for z in hazard.zones(t)],
        SAMPLE_S,
    )
    deviations = _deviations(session, site, run, tracks, mustered)
    muster_at = completion_s(arrivals)
    listed = measures(
        targets_of(plan),
        ack_s=ack_s,
        command_s=command_s,
        muster_s=None if muster_at is None else muster_at - (response_from - start).total_seconds(),
        missing=sum(a is None for a in arrivals),
        deviations=sum(d["deviated"] for d in deviations),
        exposure=exposure,
        severe=_severe(hazard),
        response="measured",
        movement="measured",
        alarm=first is not None,
    )
    return {
        "mode": "live",
        "plan": plan,
        "measures": [m.as_dict() for m in listed],
        "score": overall(listed),
        "first_alarm_s": None if alarm_at is None else (alarm_at - start).total_seconds(),
        "people": {
            "expected": len(expected),
            "mustered": len(mustered),
            "missing": [t for t, a in zip(expected, arrivals, strict=True) if a is None],
        },
        "muster_curve": muster_curve(arrivals, SAMPLE_S, duration_s),
        "exposure_person_min": {k: round(v, 2) for k, v in exposure.items()},
        "deviations": deviations,
        "timeline": key_events(session, site, start, end + timedelta(seconds=1), Scope()),
    }


def _severe(hazard: DrillHazard) -> str | None:
    zones = hazard.assessment.zones.zones
    return zones[0].level.name if zones else None


def _tracks(
    session: Session, site: Site, tags: list[str], since: datetime, end: datetime
) -> dict[str, list[tuple[datetime, float, float]]]:
    out: dict[str, list[tuple[datetime, float, float]]] = {t: [] for t in tags}
    rows = session.execute(
        _TRACKS,
        {"site": site.id, "tags": tags, "since": since, "end": end, "srid": site.metric_srid},
    )
    for tag, ts, x, y in rows:
        out[tag].append((ts, x, y))
    return out


def _samples(
    tracks: dict[str, list[tuple[datetime, float, float]]],
    tags: list[str],
    start: datetime,
    duration_s: float,
) -> Iterator[tuple[float, np.ndarray]]:
    """Everyone's last known position every SAMPLE_S (NaN once silent for longer than
    the presence timeout: off site, or the tag lost)."""
    cursors = dict.fromkeys(tags, 0)
    t = 0.0
    while t <= duration_s:
        now = start + timedelta(seconds=t)
        xy = np.full((len(tags), 2), np.nan)
        for i, tag in enumerate(tags):
            track, k = tracks[tag], cursors[tag]
            while k + 1 < len(track) and track[k + 1][0] <= now:
                k += 1
            cursors[tag] = k
            if track and track[k][0] <= now and now - track[k][0] <= PRESENCE_TIMEOUT:
                xy[i] = track[k][1:]
        yield t, xy
        t += SAMPLE_S


def _deviations(
    session: Session,
    site: Site,
    run: DrillRun,
    tracks: dict[str, list[tuple[datetime, float, float]]],
    mustered: dict[str, tuple[datetime, str]],
) -> list[dict[str, Any]]:
    """For each person the drill gave an evacuation route: how far their track strayed
    from it on the way (metres), and whether they arrived where it led."""
    to_metric = transformer(WGS84, site.metric_srid)
    first: dict[str, tuple[datetime, dict[str, Any]]] = {}
    for ts, feature in session.execute(_ASSIGNED, {"site": site.id, "drill": run.drill_id}):
        person = feature["properties"].get("person")
        if person in tracks and person not in first:
            first[person] = (ts, feature)
    out = []
    for person, (ts, feature) in sorted(first.items()):
        lon, lat = np.array(feature["geometry"]["coordinates"]).T
        route = LineString(np.column_stack(to_metric.transform(lon, lat)))
        arrived = mustered.get(person)
        until = arrived[0] if arrived else None
        walked = [(x, y) for t, x, y in tracks[person] if t >= ts and (until is None or t <= until)]
        off = float(shapely.distance(route, shapely.points(walked)).max()) if walked else 0.0
        goal = feature["properties"].get("assembly_point")
        out.append(
            {
                "person": person,
                "assigned": goal,
                "arrived": arrived[1] if arrived else None,
                "max_off_route_m": round(off, 1),
                "deviated": off > DEVIATION_M or (arrived is not None and arrived[1] != goal),
            }
        )
    return out
