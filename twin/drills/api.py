"""Drills: scenarios (JSON or YAML), simulated and live runs, evaluations and reports.

A scenario is sent as JSON, or as YAML with ``Content-Type: application/yaml`` (the file
a planner keeps). Saving an existing code makes a new version; runs name the version
they ran. A simulation answers 202 and finishes in the background (poll the run); a live
drill runs on the real plant until it ends or is stopped.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session, sessionmaker

from twin.db import session_scope
from twin.deps import DrillsPlan, DrillsRead, DrillsRun, SessionDep, get_sessionmaker
from twin.drills import live, report, service
from twin.drills.models import DrillRun, DrillScenario
from twin.drills.schemas import RunIn, RunOut, RunSummary, Scenario, ScenarioOut
from twin.drills.simulation import plant_start, run_simulation
from twin.errors import ValidationFailed
from twin.incidents.report import report_pdf
from twin.incidents.situation import LOCAL_TIME
from twin.routes.api import RouteCacheDep
from twin.routes.service import RouteCache
from twin.sites.service import get_site

router = APIRouter(tags=["drills"])

# A scenario file is small: past this it is not one.
MAX_SCENARIO_BYTES = 256 * 1024


async def _scenario_bytes(request: Request) -> tuple[bytes, str]:
    """The raw body (awaited on the loop: reading it blocks nothing); parsed off the loop."""
    raw = await request.body()
    if len(raw) > MAX_SCENARIO_BYTES:
        raise ValidationFailed(f"a scenario is at most {MAX_SCENARIO_BYTES // 1024} KiB")
    return raw, request.headers.get("content-type", "")


ScenarioBytes = Annotated[tuple[bytes, str], Depends(_scenario_bytes)]


def _scenario(body: tuple[bytes, str]) -> Scenario:
    raw, kind = body
    try:
        data = yaml.safe_load(raw) if "yaml" in kind else json.loads(raw or b"null")
    except (yaml.YAMLError, ValueError) as exc:
        form = "YAML" if "yaml" in kind else "JSON"
        raise ValidationFailed(f"the scenario is not valid {form}: {exc}") from exc
    return service.parse_scenario(data)


@router.get("/sites/{site}/drills/scenarios", response_model=list[ScenarioOut])
def list_scenarios(site: str, session: SessionDep, _: DrillsRead) -> list[dict[str, Any]]:
    """The newest version of every scenario."""
    return [service.as_dict(r) for r in service.list_scenarios(session, get_site(session, site))]


@router.post("/sites/{site}/drills/scenarios", status_code=201, response_model=ScenarioOut)
def create_scenario(
    site: str, session: SessionDep, user: DrillsPlan, body: ScenarioBytes
) -> dict[str, Any]:
    """Store a new scenario (version 1); 409 when its code exists."""
    scenario = _scenario(body)
    row = service.save_scenario(session, get_site(session, site), user.username, scenario, new=True)
    return service.as_dict(row)


@router.put("/sites/{site}/drills/scenarios/{code}", response_model=ScenarioOut)
def new_version(
    site: str, code: str, session: SessionDep, user: DrillsPlan, body: ScenarioBytes
) -> dict[str, Any]:
    """Store the scenario as the next version of ``code``."""
    scenario = _scenario(body)
    if scenario.code != code:
        raise ValidationFailed(f"the body's code {scenario.code!r} is not {code!r}")
    row = service.save_scenario(
        session, get_site(session, site), user.username, scenario, new=False
    )
    return service.as_dict(row)


@router.get("/sites/{site}/drills/scenarios/{code}", response_model=ScenarioOut)
def get_scenario(
    site: str,
    code: str,
    session: SessionDep,
    _: DrillsRead,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    return service.as_dict(service.get_scenario(session, get_site(session, site), code, version))


@router.get("/sites/{site}/drills/scenarios/{code}/versions", response_model=list[ScenarioOut])
def scenario_versions(
    site: str, code: str, session: SessionDep, _: DrillsRead
) -> list[dict[str, Any]]:
    rows = service.list_scenarios(session, get_site(session, site), code)
    if not rows:
        service.get_scenario(session, get_site(session, site), code)  # the 404
    return [service.as_dict(r) for r in rows]


@router.post(
    "/sites/{site}/drills/scenarios/{code}/simulate", status_code=202, response_model=RunOut
)
def simulate(
    site: str,
    code: str,
    body: RunIn,
    session: SessionDep,
    user: DrillsPlan,
    factory: Annotated[sessionmaker[Session], Depends(get_sessionmaker)],
    tasks: BackgroundTasks,
    cache: RouteCacheDep,
) -> dict[str, Any]:
    """Simulate the scenario faster than real time; poll the run for its evaluation."""
    the_site = get_site(session, site)
    row = service.get_scenario(session, the_site, code, body.version)
    scenario = Scenario.model_validate(row.body)
    day = datetime.now(LOCAL_TIME).date()
    run = service.create_run(
        session, the_site, row, service.SIMULATION, user.username, plant_start(scenario, day)
    )
    tasks.add_task(_simulate_in_background, factory, site, run.id, cache)
    return service.run_dict(session, run)


def _simulate_in_background(
    factory: sessionmaker[Session], site: str, run_id: int, cache: RouteCache
) -> None:
    """Runs after the response (the run is committed by then): all of it, or a failed
    run with the reason and nothing of it in the log."""
    try:
        with session_scope(factory) as session:
            run, row, the_site = _loaded(session, site, run_id)
            run_simulation(session, the_site, run, row, cache)
    except Exception as exc:
        with session_scope(factory) as session:
            run, _, _ = _loaded(session, site, run_id)
            run.state, run.ended_utc, run.result = "failed", datetime.now(UTC), {"error": str(exc)}
        raise


def _loaded(session: Session, site: str, run_id: int) -> tuple[DrillRun, DrillScenario, Any]:
    the_site = get_site(session, site)
    run = service.get_run(session, the_site, run_id)
    row = session.get(DrillScenario, run.scenario_id)
    assert row is not None
    return run, row, the_site


@router.post("/sites/{site}/drills/scenarios/{code}/live", status_code=201, response_model=RunOut)
def start_live(
    site: str,
    code: str,
    body: RunIn,
    session: SessionDep,
    user: DrillsRun,
) -> dict[str, Any]:
    """Start a live drill on the real plant (one at a time per site); every map shows
    the DRILL banner until it ends."""
    the_site = get_site(session, site)
    row = service.get_scenario(session, the_site, code, body.version)
    run = service.create_run(session, the_site, row, service.LIVE, user.username, datetime.now(UTC))
    live.start(session, the_site, run, row)
    return service.run_dict(session, run)


@router.post("/sites/{site}/drills/runs/{run_id}/stop", response_model=RunOut)
def stop_live(
    site: str,
    run_id: int,
    session: SessionDep,
    user: DrillsRun,
) -> dict[str, Any]:
    """End a live drill now: its incident and alarms close, and it is scored."""
    the_site = get_site(session, site)
    run = service.get_run(session, the_site, run_id)
    service.check_stoppable(run)
    live.finish(session, the_site, run, user.username, "stopped", datetime.now(UTC))
    return service.run_dict(session, run)


@router.get("/sites/{site}/drills/runs", response_model=list[RunSummary])
def list_runs(site: str, session: SessionDep, _: DrillsRead) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in service.run_dict(session, r).items() if k != "result"}
        | {"score": (r.result or {}).get("score")}
        for r in service.list_runs(session, get_site(session, site))
    ]


@router.get("/sites/{site}/drills/runs/{run_id}", response_model=RunOut)
def get_run(site: str, run_id: int, session: SessionDep, _: DrillsRead) -> dict[str, Any]:
    """The run with its evaluation once it has ended."""
    return service.run_dict(session, service.get_run(session, get_site(session, site), run_id))


@router.get("/sites/{site}/drills/runs/{run_id}/report.html", response_class=HTMLResponse)
def run_report(site: str, run_id: int, session: SessionDep, _: DrillsRead) -> HTMLResponse:
    """The evaluation report (Chinese and English): measures against targets, map,
    muster curve, bottlenecks, exposure, timeline."""
    s = get_site(session, site)
    return HTMLResponse(report.run_report(session, s, [service.get_run(session, s, run_id)]))


@router.get("/sites/{site}/drills/runs/{run_id}/report.pdf", response_class=Response)
def run_report_pdf(site: str, run_id: int, session: SessionDep, _: DrillsRead) -> Response:
    s = get_site(session, site)
    html = report.run_report(session, s, [service.get_run(session, s, run_id)])
    return _pdf(html, f"{site}-drill-{run_id}.pdf")


@router.get("/sites/{site}/drills/compare.html", response_class=HTMLResponse)
def compare(
    site: str,
    session: SessionDep,
    _: DrillsRead,
    runs: Annotated[str, Query(description="two run ids: 3,5")],
) -> HTMLResponse:
    """Two drills, or two variants of a plan, side by side."""
    s = get_site(session, site)
    return HTMLResponse(report.run_report(session, s, _two_runs(session, s, runs)))


@router.get("/sites/{site}/drills/compare.pdf", response_class=Response)
def compare_pdf(
    site: str,
    session: SessionDep,
    _: DrillsRead,
    runs: Annotated[str, Query(description="two run ids: 3,5")],
) -> Response:
    s = get_site(session, site)
    html = report.run_report(session, s, _two_runs(session, s, runs))
    return _pdf(html, f"{site}-drills-{runs.replace(',', '-')}.pdf")


def _two_runs(session: Session, site: Any, runs: str) -> list[DrillRun]:
    try:
        ids = [int(x) for x in runs.split(",")]
    except ValueError as exc:
        raise ValidationFailed("runs must be two run ids, such as 3,5") from exc
    if len(ids) != 2 or ids[0] == ids[1]:
        raise ValidationFailed("compare exactly two different runs")
    return [service.get_run(session, site, i) for i in ids]


def _pdf(html: str, filename: str) -> Response:
    return Response(
        report_pdf(html),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
