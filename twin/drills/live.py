"""Live drills: a scenario played on the real plant, in real time, under a drill banner.

The real people walk; the release, its zones, the detector alarms and the casualties are
the scenario's, injected under the run's drill id (``drill-<n>``). Drill alarms and the
drill incident are ordinary rows marked with that id: the command map shows them (with
its DRILL banner) and people acknowledge and command as they would for real, but they
never reach a notification channel, the regulator's one map, the real alarm list or any
statistic, and drill readings never enter the readings table.

The runner keeps no state of its own: each second it reads the running drills from the
database, fires the injects that are due and not yet in the event log, and redraws the
drill incident's zones; a restarted server carries on where the last one stopped.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from twin.alarms import raising
from twin.alarms import service as alarm_service
from twin.alarms.models import Alarm
from twin.alarms.rules import AlarmRules
from twin.db import session_scope
from twin.drills.evaluate import live_run as evaluate_live_run
from twin.drills.hazard import run_hazard
from twin.drills.models import DrillRun, DrillScenario
from twin.drills.schemas import Inject, Scenario
from twin.drills.service import drill_event, inject_event
from twin.events import log as eventlog
from twin.incidents import service as incidents
from twin.incidents.models import Incident
from twin.incidents.situation import follow
from twin.live.bus import Bus
from twin.plant.models import Sensor
from twin.routes.service import RouteCache
from twin.sites.models import Site

__all__ = ["DRILL_ACTOR", "DrillRunner", "finish", "start"]

log = logging.getLogger("twin.drills")
DRILL_ACTOR = "system:drill"
TICK_S = 1.0
# The drill incident's zones are redrawn this often, like a real incident's.
REFRESH_S = 5.0
Events = list[tuple[str, dict[str, Any]]]

_FIRED = text("""
SELECT (payload->>'index')::int FROM event_log
WHERE site_id = :site AND drill_id = :drill AND kind = 'inject'
""")


def start(session: Session, site: Site, run: DrillRun, scenario: DrillScenario) -> dict[str, Any]:
    """Log the start of a live drill run just created; returns the banner message."""
    event = drill_event(run, scenario, "running")
    eventlog.record(session, site, event, ts=run.plant_start_utc)
    return event


def finish(
    session: Session,
    site: Site,
    run: DrillRun,
    actor: str,
    state: str,
    now: datetime,
) -> Events:
    """End a live drill: close its incident and alarms, score it, log the end. Returns
    the messages for the maps, all of them already in the event log."""
    scenario_row = session.get(DrillScenario, run.scenario_id)
    assert scenario_row is not None
    scenario = Scenario.model_validate(scenario_row.body)
    events: Events = []
    for incident in session.scalars(
        select(Incident).where(Incident.drill_id == run.drill_id, Incident.state == "open")
    ):
        incidents.close_incident(session, site, incident.id, actor, "演练结束 / drill ended")
        closed = {"type": "incident", "incident": incidents.as_dict(session, incident)}
        eventlog.record(session, site, closed, ts=now)
        events.append((site.code, closed))
    for alarm in session.scalars(
        select(Alarm).where(Alarm.drill_id == run.drill_id, ~Alarm.closed)
    ):
        alarm.active, alarm.cleared_utc = False, alarm.cleared_utc or now
        alarm.closed, alarm.closed_utc, alarm.closed_by = True, now, actor
        alarm.cause, alarm.measures = "演练 / drill", "演练结束 / drill ended"
        alarm_service.record_event(session, alarm, "closed", actor, now, site.code)
        events.append((site.code, {"type": "alarm", "alarm": alarm_service.as_dict(alarm)}))
    run.state, run.ended_utc, run.ended_by, run.plant_end_utc = state, now, actor, now
    hazard = run_hazard(session, site, scenario, run)
    run.result = evaluate_live_run(session, site, run, scenario, hazard)
    end = drill_event(run, scenario_row, state)
    eventlog.record(session, site, end, ts=now)
    events.append((site.code, end))
    return events


class DrillRunner:
    """Plays every running live drill of every site, a tick a second."""

    def __init__(self, factory: sessionmaker[Session], bus: Bus, rules: AlarmRules) -> None:
        self.factory, self.bus, self.rules = factory, bus, rules
        self.routes = RouteCache()
        self.failures = 0

    async def run(self, period_s: float = TICK_S) -> None:
        while True:
            for site, event in await asyncio.to_thread(self.tick, datetime.now(UTC)):
                self.bus.publish(site, event)
            await asyncio.sleep(period_s)

    def tick(self, now: datetime) -> Events:
        with session_scope(self.factory) as session:
            running = list(
                session.scalars(
                    select(DrillRun.id).where(DrillRun.mode == "live", DrillRun.state == "running")
                )
            )
        events: Events = []
        for run_id in running:
            try:
                with session_scope(self.factory) as session:
                    events += self._tick_one(session, run_id, now)
            except Exception:
                self.failures += 1
                log.exception("drill run %s not advanced", run_id)
        return events

    def _tick_one(self, session: Session, run_id: int, now: datetime) -> Events:
        run = session.get(DrillRun, run_id, with_for_update=True)
        if run is None or run.state != "running":
            return []
        site = session.get(Site, run.site_id)
        row = session.get(DrillScenario, run.scenario_id)
        assert site is not None and row is not None
        scenario = Scenario.model_validate(row.body)
        t = (now - run.plant_start_utc).total_seconds()
        if t >= scenario.duration_s:
            return finish(session, site, run, DRILL_ACTOR, "finished", now)
        fired = set(session.scalars(_FIRED, {"site": site.id, "drill": run.drill_id}))
        events: Events = []
        for index, inject in enumerate(scenario.injects):
            if inject.at_s <= t and index not in fired:
                events += self._inject(session, site, run, scenario, index, inject, now)
        incident = session.scalar(
            select(Incident).where(Incident.drill_id == run.drill_id, Incident.state == "open")
        )
        if incident is not None and _due(incident, now):
            events += self._redraw(session, site, run, scenario, incident, t, now)
        return events

    def _inject(
        self,
        session: Session,
        site: Site,
        run: DrillRun,
        scenario: Scenario,
        index: int,
        inject: Inject,
        now: datetime,
    ) -> Events:
        event = inject_event(run.drill_id, index, inject)
        eventlog.record(session, site, event, ts=now)
        events: Events = [(site.code, event)]
        if inject.kind == "alarm" and inject.target:
            alarm = self._drill_alarm(session, site, run, inject.target, now)
            events.append(
                (site.code, {"type": "alarm", "alarm": alarm_service.as_dict(alarm, inject.target)})
            )
            if scenario.auto_declare:
                events += _declare(session, site, run, scenario, alarm)
        elif inject.kind == "casualty" and inject.target:
            alarm = raising.raise_drill(
                session,
                self.rules,
                site,
                run.drill_id,
                kind="man_down",
                ts=now,
                zone_code=inject.target,
                tag_code=casualty_tag(inject.target),
            )
            events.append((site.code, {"type": "alarm", "alarm": alarm_service.as_dict(alarm)}))
        return events

    def _drill_alarm(
        self, session: Session, site: Site, run: DrillRun, sensor_code: str, now: datetime
    ) -> Alarm:
        sensor = session.scalar(
            select(Sensor).where(Sensor.site_id == site.id, Sensor.code == sensor_code)
        )
        assert sensor is not None  # checked when the scenario was saved
        return raising.raise_drill(
            session,
            self.rules,
            site,
            run.drill_id,
            kind="high_2",
            ts=now,
            sensor_id=sensor.id,
            zone_code=sensor.zone_code,
            value=sensor.alarm_high_2,
            setpoint=sensor.alarm_high_2,
        )

    def _redraw(
        self,
        session: Session,
        site: Site,
        run: DrillRun,
        scenario: Scenario,
        incident: Incident,
        t: float,
        now: datetime,
    ) -> Events:
        hazard = run_hazard(session, site, scenario, run)
        zones = hazard.zones(t)
        extra = _casualties(session, site, run)
        situation = hazard.situation() | {
            "computed_utc": now.isoformat(),
            "release_kg_s": scenario.release.rate_kg_s,
            "source": {
                "lonlat": list(incidents.source_xy(session, incident, 4326)),
                "located": False,
            },
            "drill_t_s": round(t, 1),
        }
        situation |= follow(
            session,
            site,
            incident,
            zones,
            hazard.source_xy,
            hazard.wind.from_deg,
            now,
            self.routes,
            extra_people=extra,
        )
        incident.situation = situation
        event = {
            "type": "incident",
            "incident": incidents.as_dict(session, incident, full=True, steps=False),
        }
        eventlog.record(session, site, event, ts=now)
        return [(site.code, event)]


def casualty_tag(zone: str) -> str:
    """The stand-in tag of a casualty inject in ``zone`` (a role-player, not a worn tag)."""
    return f"casualty:{zone}"


_CASUALTIES = text("""
SELECT a.tag_code, ST_X(ST_Transform(ST_PointOnSurface(z.geom), :srid)),
       ST_Y(ST_Transform(ST_PointOnSurface(z.geom), :srid))
FROM alarms a JOIN zones z ON z.site_id = a.site_id AND z.code = a.zone_code
WHERE a.drill_id = :drill AND a.kind = 'man_down' AND a.active AND NOT a.closed
  AND a.tag_code LIKE 'casualty:%'
""")


def _casualties(session: Session, site: Site, run: DrillRun) -> list[dict[str, Any]]:
    """The drill's casualties, each at the middle of its zone, as people to rescue."""
    return [
        {"tag": tag, "x_m": x, "y_m": y, "floor": 0}
        for tag, x, y in session.execute(
            _CASUALTIES, {"drill": run.drill_id, "srid": site.metric_srid}
        )
    ]


def _due(incident: Incident, now: datetime) -> bool:
    computed = (incident.situation or {}).get("computed_utc")
    return computed is None or (now - datetime.fromisoformat(computed)).total_seconds() >= REFRESH_S


def _declare(
    session: Session, site: Site, run: DrillRun, scenario: Scenario, alarm: Alarm
) -> Events:
    """Open the drill incident at the scenario's source on its first alarm."""
    exists = session.scalar(
        select(func.count()).select_from(Incident).where(Incident.drill_id == run.drill_id)
    )
    if exists:
        return []
    release = scenario.release
    incident = incidents.open_incident(
        session,
        site,
        DRILL_ACTOR,
        incidents.Declared(
            release.kind,
            f"演练 DRILL · {scenario.name}",
            hazard_source=release.hazard_source,
            chemical=release.chemical,
            release_kg_s=release.rate_kg_s,
            alarm_id=alarm.id,
        ),
        drill_id=run.drill_id,
    )
    event = {"type": "incident", "incident": incidents.as_dict(session, incident)}
    eventlog.record(session, site, event)
    return [(site.code, event)]
