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
from twin.drills.service import drill_event
from twin.events.emit import emit
from twin.events.types import DrillChanged, InjectFired
from twin.incidents import service as incidents
from twin.incidents.models import Incident
from twin.incidents.situation import follow
from twin.plant.models import Sensor
from twin.routes.service import RouteCache
from twin.sites.models import Site

__all__ = ["DRILL_ACTOR", "DrillRunner", "finish", "start"]

log = logging.getLogger("twin.drills")
DRILL_ACTOR = "system:drill"
TICK_S = 1.0
# The drill incident's zones are redrawn this often, like a real incident's.
REFRESH_S = 5.0

_FIRED = text("""
SELECT (payload->>'index')::int FROM event_log
WHERE site_id = :site AND drill_id = :drill AND kind = 'inject'
""")


def start(session: Session, site: Site, run: DrillRun, scenario: DrillScenario) -> None:
    """Put up the banner of a live drill run just created."""
    _banner(session, site, run, scenario, "running", run.plant_start_utc)


def _banner(
    session: Session, site: Site, run: DrillRun, scenario: DrillScenario, state: str, ts: datetime
) -> None:
    banner = drill_event(run, scenario, state)
    emit(
        session,
        DrillChanged(
            site=site.code, site_id=site.id, ts_utc=ts, drill_id=run.drill_id, banner=banner
        ),
    )


def finish(
    session: Session,
    site: Site,
    run: DrillRun,
    actor: str,
    state: str,
    now: datetime,
) -> None:
    """End a live drill: close its incident and alarms, score it, take the banner down."""
    scenario_row = session.get(DrillScenario, run.scenario_id)
    assert scenario_row is not None
    scenario = Scenario.model_validate(scenario_row.body)
    for incident in session.scalars(
        select(Incident).where(Incident.drill_id == run.drill_id, Incident.state == "open")
    ):
        incidents.close_incident(session, site, incident.id, actor, "演练结束 / drill ended")
    for alarm in session.scalars(
        select(Alarm).where(Alarm.drill_id == run.drill_id, ~Alarm.closed)
    ):
        alarm.active, alarm.cleared_utc = False, alarm.cleared_utc or now
        alarm.closed, alarm.closed_utc, alarm.closed_by = True, now, actor
        alarm.cause, alarm.measures = "演练 / drill", "演练结束 / drill ended"
        alarm_service.record_event(session, alarm, "closed", actor, now, site.code)
    run.state, run.ended_utc, run.ended_by, run.plant_end_utc = state, now, actor, now
    hazard = run_hazard(session, site, scenario, run)
    run.result = evaluate_live_run(session, site, run, scenario, hazard)
    _banner(session, site, run, scenario_row, state, now)


class DrillRunner:
    """Plays every running live drill of every site, a tick a second."""

    def __init__(self, factory: sessionmaker[Session], rules: AlarmRules) -> None:
        self.factory, self.rules = factory, rules
        self.routes = RouteCache()
        self.failures = 0

    async def run(self, period_s: float = TICK_S) -> None:
        while True:
            try:
                await asyncio.to_thread(self.tick, datetime.now(UTC))
            except Exception:  # the database away: try again next tick
                self.failures += 1
                log.exception("drill tick failed")
            await asyncio.sleep(period_s)

    def tick(self, now: datetime) -> None:
        with session_scope(self.factory) as session:
            running = list(
                session.scalars(
                    select(DrillRun.id).where(DrillRun.mode == "live", DrillRun.state == "running")
                )
            )
        for run_id in running:
            try:
                with session_scope(self.factory) as session:
                    self._tick_one(session, run_id, now)
            except Exception:
                self.failures += 1
                log.exception("drill run %s not advanced", run_id)

    def _tick_one(self, session: Session, run_id: int, now: datetime) -> None:
        run = session.get(DrillRun, run_id, with_for_update=True)
        if run is None or run.state != "running":
            return
        site = session.get(Site, run.site_id)
        row = session.get(DrillScenario, run.scenario_id)
        assert site is not None and row is not None
        scenario = Scenario.model_validate(row.body)
        t = (now - run.plant_start_utc).total_seconds()
        if t >= scenario.duration_s:
            finish(session, site, run, DRILL_ACTOR, "finished", now)
            return
        fired = set(session.scalars(_FIRED, {"site": site.id, "drill": run.drill_id}))
        for index, inject in enumerate(scenario.injects):
            if inject.at_s <= t and index not in fired:
                self._inject(session, site, run, scenario, index, inject, now)
        incident = session.scalar(
            select(Incident).where(Incident.drill_id == run.drill_id, Incident.state == "open")
        )
        if incident is not None and _due(incident, now):
            self._redraw(session, site, run, scenario, incident, t, now)

    def _inject(
        self,
        session: Session,
        site: Site,
        run: DrillRun,
        scenario: Scenario,
        index: int,
        inject: Inject,
        now: datetime,
    ) -> None:
        emit(
            session,
            InjectFired(
                site=site.code,
                site_id=site.id,
                ts_utc=now,
                drill_id=run.drill_id,
                index=index,
                inject=inject.kind,
                target=inject.target,
                text=inject.text,
                at_s=inject.at_s,
            ),
        )
        if inject.kind == "alarm" and inject.target:
            alarm = self._drill_alarm(session, site, run, inject.target, now)
            if scenario.auto_declare:
                _declare(session, site, run, scenario, alarm)
        elif inject.kind == "casualty" and inject.target:
            raising.raise_drill(
                session,
                self.rules,
                site,
                run.drill_id,
                kind="man_down",
                ts=now,
                zone_code=inject.target,
                tag_code=casualty_tag(inject.target),
            )

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
    ) -> None:
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
        incidents.changed(session, site, incident, full=True, steps=False)


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


def _declare(session: Session, site: Site, run: DrillRun, scenario: Scenario, alarm: Alarm) -> None:
    """Open the drill incident at the scenario's source on its first alarm."""
    exists = session.scalar(
        select(func.count()).select_from(Incident).where(Incident.drill_id == run.drill_id)
    )
    if exists:
        return
    release = scenario.release
    incidents.open_incident(
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
