"""Drill scenarios (stored and versioned) and the bookkeeping of their runs.

Services flush and never commit. Every scenario version and every run start and end is
in the audit trail; what a run produces lives under its drill id (``sim-<n>`` or
``drill-<n>``) and never mixes with real data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twin.audit import service as audit
from twin.drills.models import DrillRun, DrillScenario
from twin.drills.schemas import Inject, Scenario
from twin.errors import Conflict, NotFound, ValidationFailed
from twin.incidents.plans import plan_for
from twin.people.models import Tag
from twin.plant.models import Equipment, Installation, RouteEdge, Sensor, Zone
from twin.sites.models import Site

__all__ = [
    "LIVE",
    "SIMULATION",
    "as_dict",
    "check_against_site",
    "check_stoppable",
    "create_run",
    "drill_event",
    "get_run",
    "get_scenario",
    "inject_event",
    "list_runs",
    "list_scenarios",
    "parse_scenario",
    "run_dict",
    "running_live",
    "save_scenario",
]

SIMULATION, LIVE = "simulation", "live"
DRILL_PREFIX = {SIMULATION: "sim", LIVE: "drill"}


def parse_scenario(data: Any) -> Scenario:
    """A scenario from a parsed file or request body; a 422 naming each bad field."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        reasons = [
            {"where": ".".join(str(p) for p in e["loc"]) or "scenario", "reason": e["msg"]}
            for e in exc.errors()
        ]
        raise ValidationFailed("the scenario is not valid", detail=reasons) from exc


def check_against_site(session: Session, site: Site, scenario: Scenario) -> None:
    """Everything the scenario names must exist at the site (and the source must hold a
    chemical and be covered by an emergency plan, which gives the targets)."""
    reasons: list[dict[str, str]] = []

    def missing(model: Any, codes: set[str], where: str) -> None:
        if not codes:
            return
        found = set(
            session.scalars(
                select(model.code).where(model.site_id == site.id, model.code.in_(codes))
            )
        )
        reasons.extend(
            {"where": where, "reason": f"no {model.__tablename__} {c!r} at {site.code!r}"}
            for c in sorted(codes - found)
        )

    release = scenario.release
    source = session.scalar(
        select(Installation).where(
            Installation.site_id == site.id, Installation.code == release.hazard_source
        )
    )
    if source is None:
        reasons.append(
            {
                "where": "release.hazard_source",
                "reason": f"no installation {release.hazard_source!r} at {site.code!r}",
            }
        )
    elif release.chemical is None and not source.inventory:
        reasons.append(
            {"where": "release.chemical", "reason": "the source holds no chemical: name one"}
        )
    elif plan_for(site.code, release.hazard_source) is None:
        reasons.append(
            {
                "where": "release.hazard_source",
                "reason": "no emergency plan covers this source: a drill is scored against one",
            }
        )
    missing(RouteEdge, set(scenario.blocked_routes), "blocked_routes")
    missing(Zone, set(scenario.population.template), "population.template")
    kinds = {"alarm": Sensor, "pump_failure": Equipment, "casualty": Zone}
    for i, inject in enumerate(scenario.injects):
        model = kinds.get(inject.kind)
        if model is not None and inject.target:
            missing(model, {inject.target}, f"injects.{i}.target")
    if reasons:
        raise ValidationFailed("the scenario names what the site does not have", detail=reasons)


def save_scenario(
    session: Session, site: Site, actor: str, scenario: Scenario, *, new: bool
) -> DrillScenario:
    """Store ``scenario`` as version 1 (``new``) or as the next version of its code."""
    check_against_site(session, site, scenario)
    newest = session.scalar(
        select(func.max(DrillScenario.version)).where(
            DrillScenario.site_id == site.id, DrillScenario.code == scenario.code
        )
    )
    if new and newest is not None:
        raise Conflict(f"scenario {scenario.code!r} exists: save a new version of it instead")
    if not new and newest is None:
        raise NotFound(f"no scenario {scenario.code!r} at {site.code!r}")
    row = DrillScenario(
        site_id=site.id,
        code=scenario.code,
        version=(newest or 0) + 1,
        name=scenario.name,
        body=scenario.model_dump(mode="json"),
        created_utc=datetime.now(UTC),
        created_by=actor,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        [
            audit.Change(
                "drill_scenario.save",
                "drill_scenario",
                f"{row.code}@{row.version}",
                site.code,
                None,
                row.body,
            )
        ],
    )
    return row


def get_scenario(
    session: Session, site: Site, code: str, version: int | None = None
) -> DrillScenario:
    query = select(DrillScenario).where(
        DrillScenario.site_id == site.id, DrillScenario.code == code
    )
    if version is not None:
        query = query.where(DrillScenario.version == version)
    row = session.scalar(query.order_by(DrillScenario.version.desc()).limit(1))
    if row is None:
        which = f" version {version}" if version is not None else ""
        raise NotFound(f"no scenario {code!r}{which} at {site.code!r}")
    return row


def list_scenarios(session: Session, site: Site, code: str | None = None) -> list[DrillScenario]:
    """The newest version of each scenario, or every version of ``code``."""
    query = select(DrillScenario).where(DrillScenario.site_id == site.id)
    if code is not None:
        return list(
            session.scalars(query.where(DrillScenario.code == code).order_by(DrillScenario.version))
        )
    newest = (
        select(DrillScenario.code, func.max(DrillScenario.version).label("v"))
        .where(DrillScenario.site_id == site.id)
        .group_by(DrillScenario.code)
        .subquery()
    )
    return list(
        session.scalars(
            query.join(
                newest,
                (DrillScenario.code == newest.c.code) & (DrillScenario.version == newest.c.v),
            ).order_by(DrillScenario.code)
        )
    )


def as_dict(row: DrillScenario) -> dict[str, Any]:
    return {
        "code": row.code,
        "version": row.version,
        "name": row.name,
        "created_utc": row.created_utc.isoformat(),
        "created_by": row.created_by,
        "scenario": row.body,
    }


def create_run(
    session: Session,
    site: Site,
    scenario: DrillScenario,
    mode: str,
    actor: str,
    plant_start: datetime,
) -> DrillRun:
    """A new run in state ``running``; a live drill refuses to start beside another."""
    if mode == LIVE:
        running = session.scalar(
            select(DrillRun.drill_id).where(
                DrillRun.site_id == site.id, DrillRun.mode == LIVE, DrillRun.state == "running"
            )
        )
        if running is not None:
            raise Conflict(f"live drill {running} is still running: stop it first")
    now = datetime.now(UTC)
    run = DrillRun(
        site_id=site.id,
        scenario_id=scenario.id,
        mode=mode,
        state="running",
        drill_id="pending",
        plant_start_utc=plant_start,
        started_utc=now,
        started_by=actor,
    )
    session.add(run)
    session.flush()
    run.drill_id = f"{DRILL_PREFIX[mode]}-{run.id}"
    session.flush()
    audit.record(
        session,
        actor,
        [
            audit.Change(
                f"drill.{mode}.start",
                "drill_run",
                run.drill_id,
                site.code,
                None,
                {"scenario": scenario.code, "version": scenario.version},
            )
        ],
    )
    return run


def get_run(session: Session, site: Site, run_id: int) -> DrillRun:
    run = session.get(DrillRun, run_id)
    if run is None or run.site_id != site.id:
        raise NotFound(f"no drill run {run_id} at {site.code!r}")
    return run


def check_stoppable(run: DrillRun) -> None:
    if run.mode != LIVE:
        raise Conflict("only a live drill is stopped; a simulation ends by itself")
    if run.state != "running":
        raise Conflict(f"the drill has already {run.state}")


def list_runs(session: Session, site: Site) -> list[DrillRun]:
    return list(
        session.scalars(
            select(DrillRun).where(DrillRun.site_id == site.id).order_by(DrillRun.id.desc())
        )
    )


def run_dict(session: Session, run: DrillRun) -> dict[str, Any]:
    scenario = session.get(DrillScenario, run.scenario_id)
    assert scenario is not None
    return {
        "id": run.id,
        "drill_id": run.drill_id,
        "mode": run.mode,
        "state": run.state,
        "scenario": {"code": scenario.code, "version": scenario.version, "name": scenario.name},
        "plant_start_utc": run.plant_start_utc.isoformat(),
        "plant_end_utc": run.plant_end_utc.isoformat() if run.plant_end_utc else None,
        "started_utc": run.started_utc.isoformat(),
        "started_by": run.started_by,
        "ended_utc": run.ended_utc.isoformat() if run.ended_utc else None,
        "ended_by": run.ended_by,
        "result": run.result,
    }


def tags_on_site(session: Session, site: Site) -> list[str]:
    return list(session.scalars(select(Tag.code).where(Tag.site_id == site.id)))


def drill_event(run: DrillRun, scenario: DrillScenario, state: str) -> dict[str, Any]:
    """The banner message of a run: a drill running, finished or stopped."""
    return {
        "type": "drill",
        "state": state,
        "drill_id": run.drill_id,
        "mode": run.mode,
        "run": run.id,
        "name": scenario.name,
        "scenario": scenario.code,
        "version": scenario.version,
        "started_utc": run.started_utc.isoformat(),
        # The drill's own clock: a simulation's runs on plant time, not on when it ran.
        "plant_start_utc": run.plant_start_utc.isoformat(),
    }


def inject_event(drill_id: str, index: int, inject: Inject) -> dict[str, Any]:
    """The message of an inject firing (``index``: its place in the scenario)."""
    return {
        "type": "inject",
        "drill_id": drill_id,
        "index": index,
        "inject": inject.kind,
        "target": inject.target,
        "text": inject.text,
        "at_s": inject.at_s,
    }


def running_live(session: Session, site: Site) -> list[dict[str, Any]]:
    """The live drill running at the site (at most one), as its banner message."""
    rows = session.execute(
        select(DrillRun, DrillScenario)
        .join(DrillScenario, DrillScenario.id == DrillRun.scenario_id)
        .where(DrillRun.site_id == site.id, DrillRun.mode == LIVE, DrillRun.state == "running")
    )
    return [drill_event(run, scenario, "running") for run, scenario in rows]
